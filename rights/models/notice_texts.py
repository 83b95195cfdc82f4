"""Notice texts edited by staff: a version of one notice's subject and body in one
language. The notice rendering (:mod:`rights.notice_text`) uses the latest
published version, and the shipped template when there is none or the latest is a
reset. Versions are never edited: a change is a new version, a reset too."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .thread import RequestNotification

#: The receipt of a request that waits for an identity check from the moment it is filed
#: has a text of its own: its deadline is paused, so it states no date
#: (``rights.notice_overrides.check_text``; picked by ``rights.notice_text``).
RECEIPT_WHILE_IDENTITY_CHECKED = "received_identity_check"
TEXT_KINDS = [
    *RequestNotification.Kind.choices,
    (RECEIPT_WHILE_IDENTITY_CHECKED, _("Request received, identity to be checked")),
]


class NoticeTextQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class NoticeText(models.Model):
    kind = models.CharField(
        _("notice"),
        max_length=24,
        choices=TEXT_KINDS,
        help_text=_("Which notice to the person this text is for."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        help_text=_("The language of the recipients who get this text."),
    )
    version = models.PositiveIntegerField(
        _("version"), editable=False, help_text=_("1 for the first text of this notice.")
    )
    subject = models.CharField(
        _("subject line"), max_length=200, blank=True, help_text=_("The e-mail's subject.")
    )
    body = models.TextField(
        _("text"), max_length=8000, blank=True, help_text=_("The notice, as the person reads it.")
    )
    reset = models.BooleanField(
        _("back to the shipped text"),
        default=False,
        editable=False,
        help_text=_("This version puts the text shipped with the portal back in use."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Empty while a draft: a draft is previewed, not sent."),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published by"),
    )

    objects = NoticeTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice text")
        verbose_name_plural = _("notice texts")
        ordering = ["kind", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language", "version"], name="rights_notice_text_version"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.language}) v{self.version}"
