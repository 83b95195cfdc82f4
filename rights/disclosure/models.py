"""Delivered disclosures: the encrypted package and how delivery is going.

Imported by ``rights.models``, so these are models of the rights app. Written
only by :mod:`rights.disclosure.services`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rights.choices import DeliveryMethod, Kind

from . import failures

DELIVERED_KINDS = (Kind.DISCLOSURE, Kind.PURPOSE_NOTICE)


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


def _package_path(instance, filename):
    return f"disclosures/{instance.request_id}/{uuid.uuid4().hex}.zip.enc"


class DisclosurePackageQuerySet(models.QuerySet):
    def downloadable(self, now=None):
        """Packages whose link still works: not expired, not used up, file still there."""
        return self.filter(
            expires_at__gt=now or timezone.now(),
            download_count__lt=F("max_downloads"),
            file_deleted_at__isnull=True,
        )

    def kept(self, now=None):
        """Packages whose file is kept: the link works, or may still be renewed once (the
        counterpart of :meth:`to_purge`)."""
        return self.filter(
            file_deleted_at__isnull=True, expires_at__gt=now or timezone.now()
        ).exclude(download_count__gte=F("max_downloads"), renewed_at__isnull=False)

    def to_purge(self, now=None):
        """Packages whose link no longer works, and cannot be renewed, but whose file
        is still stored: expired, or used up after its one renewal. A used-up package
        not yet renewed keeps its file until it expires, for the fresh link the
        customer may ask for once (``services.download_renew``)."""
        return self.filter(file_deleted_at__isnull=True).filter(
            Q(expires_at__lte=now or timezone.now())
            | Q(download_count__gte=F("max_downloads"), renewed_at__isnull=False)
        )


class DisclosurePackage(models.Model):
    """The zip delivered for one disclosure or notice of purposes, encrypted at rest.

    The file lives in private storage (never under a public URL) and is served
    only at ``/downloads/<token>/`` to the logged-in owner after a code check.
    The token is never stored: only its SHA-256 (see ``services.download_token``).
    """

    request = models.OneToOneField(
        "rights.RightsRequest",
        on_delete=models.PROTECT,
        related_name="disclosure_package",
        help_text=_("The request the package answers; one package per request."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[(k.value, k.label) for k in DELIVERED_KINDS],
        help_text=_("Disclosure or notice of purposes of use."),
    )
    file = models.FileField(
        _("stored file"),
        storage=_private_storage,
        upload_to=_package_path,
        max_length=300,
        blank=True,
        help_text=_(
            "The encrypted zip's name in private storage; emptied when the file is purged."
        ),
    )
    size = models.PositiveBigIntegerField(
        _("size (bytes)"), help_text=_("Size of the zip the person downloads (before encryption).")
    )
    digest = models.CharField(
        _("SHA-256"), max_length=64, help_text=_("SHA-256 of the zip the person downloads.")
    )
    key_id = models.CharField(
        _("key id"),
        max_length=16,
        help_text=_("Which encryption key sealed it (a fingerprint, not the key)."),
    )
    summary = models.JSONField(
        _("contents"),
        default=dict,
        blank=True,
        help_text=_("File names and record counts per category, as built."),
    )
    token_salt = models.CharField(
        max_length=32,
        help_text=_("Random value the download token is derived from with the secret key."),
    )
    token_hash = models.CharField(
        max_length=64,
        unique=True,
        help_text=_("SHA-256 of the download token; the token itself is never stored."),
    )
    replaced_token_hash = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("SHA-256 of the link a renewal replaced, to tell its holder so."),
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When it was built and stored.")
    )
    expires_at = models.DateTimeField(
        _("link expires at"), help_text=_("After this the link no longer works.")
    )
    max_downloads = models.PositiveSmallIntegerField(
        _("downloads allowed"), help_text=_("How many times the link works.")
    )
    download_count = models.PositiveSmallIntegerField(
        _("downloads"), default=0, help_text=_("How many times it was downloaded.")
    )
    last_downloaded_at = models.DateTimeField(
        _("last downloaded at"), null=True, blank=True, help_text=_("When it was last downloaded.")
    )
    file_deleted_at = models.DateTimeField(
        _("file deleted at"),
        null=True,
        blank=True,
        help_text=_("When the purge job deleted the stored file."),
    )
    renewed_at = models.DateTimeField(
        _("link renewed at"),
        null=True,
        blank=True,
        help_text=_("When the person asked for a fresh link (once, while the file is kept)."),
    )

    objects = DisclosurePackageQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure package")
        verbose_name_plural = _("disclosure packages")
        constraints = [
            models.CheckConstraint(
                condition=Q(download_count__lte=F("max_downloads")),
                name="rights_package_downloads_within_limit",
            ),
        ]
        indexes = [
            # The purge job: stored files by expiry.
            models.Index(
                fields=["expires_at"],
                condition=Q(file_deleted_at__isnull=True),
                name="rights_package_stored_expiry",
            ),
        ]

    def __str__(self):
        return f"{self.request.reference} ({self.get_kind_display()})"

    @property
    def downloads_left(self) -> int:
        return max(self.max_downloads - self.download_count, 0)

    def may_renew(self, now=None) -> bool:
        """Whether the person may still ask for a fresh link: once, after the
        downloads are used up and before the link expires."""
        return (
            self.renewed_at is None
            and self.file_deleted_at is None
            and bool(self.file)
            and self.download_count >= self.max_downloads
            and self.expires_at > (now or timezone.now())
        )

    def unavailable_reason(self, now=None) -> str:
        """ "" while the link works, else "used" or "expired"."""
        if self.download_count >= self.max_downloads:
            return "used"
        if self.expires_at <= (now or timezone.now()) or self.file_deleted_at:
            return "expired"
        return ""


class DisclosureDelivery(models.Model):
    """How the answer to a disclosure or notice of purposes is being delivered.

    Electronic: the build task's attempts, and after the last failed one the
    error staff see with a retry button. Paper: the posting date staff record.
    """

    class State(models.TextChoices):
        BUILDING = "building", _("Being prepared")
        FAILED = "failed", _("Preparation failed")
        READY = "ready", _("Ready to download")
        TO_POST = "to_post", _("To print and post")
        POSTED = "posted", _("Sent by post")

    request = models.OneToOneField(
        "rights.RightsRequest",
        on_delete=models.CASCADE,
        related_name="disclosure_delivery",
        help_text=_("The request being answered."),
    )
    method = models.CharField(
        _("delivery method"),
        max_length=12,
        choices=DeliveryMethod.choices,
        help_text=_("Electronic download or paper by post."),
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=State.choices,
        help_text=_("Where delivery stands."),
    )
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text=_("How many times the package build was started.")
    )
    error = models.TextField(
        _("error"),
        blank=True,
        max_length=1000,
        help_text=_("Why the last attempt failed, for staff; never shown to the person."),
    )
    cause = models.JSONField(
        _("cause"),
        default=dict,
        blank=True,
        help_text=_("What kind of failure the error was, so staff read it in their own language."),
    )
    failed_at = models.DateTimeField(
        _("failed at"),
        null=True,
        blank=True,
        help_text=_("When the last retry failed and the build stopped."),
    )
    started_at = models.DateTimeField(
        _("started at"), default=timezone.now, help_text=_("When the current attempt was queued.")
    )
    posted_on = models.DateField(
        _("posted on"), null=True, blank=True, help_text=_("The day the paper answer was posted.")
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
        help_text=_("The member of staff who recorded the posting."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, help_text=_("Last change."))

    class Meta:
        verbose_name = _("disclosure delivery")
        verbose_name_plural = _("disclosure deliveries")

    def __str__(self):
        return f"{self.request.reference}: {self.get_state_display()}"

    @property
    def cause_shown(self) -> str:
        """Which connected system could not answer and why, in the reader's language;
        empty when the failure was of another kind (:mod:`.failures`)."""
        return failures.shown(self.cause)

    @property
    def unexpected(self) -> bool:
        """Whether the failure was none the build expects: staff are pointed to the logs."""
        return self.cause.get("code") == failures.UNEXPECTED


class WithheldRecord(models.Model):
    """A record staff withhold from one disclosure, on a ground from a fixed list.

    Disclosure may be refused in part (APPI Art. 33(2), 33(5); GDPR Art.
    15(4)): the package leaves the record out and tells the person that part
    was withheld and on which ground. Chosen in the review, before the
    package is built; placing and removing one are audited.
    """

    class Ground(models.TextChoices):
        HARM = (
            "harm",
            _(
                "Disclosing it could harm the life, body, property or other rights and "
                "interests of you or a third party (APPI art. 33(2)(i))."
            ),
        )
        BUSINESS = (
            "business",
            _(
                "Disclosing it would seriously hinder the proper conduct of our business "
                "(APPI art. 33(2)(ii))."
            ),
        )
        OTHER_LAW = "other_law", _("Disclosing it would breach another law (APPI art. 33(2)(iii)).")
        CRIME = (
            "crime",
            _(
                "It is a record of a provision required by law, and disclosing it could hinder "
                "the prevention or investigation of crime (APPI art. 33(5), Cabinet Order art. 11)."
            ),
        )
        OTHERS_RIGHTS = (
            "others_rights",
            _(
                "Disclosing it would adversely affect the rights and freedoms of others "
                "(GDPR art. 15(4))."
            ),
        )

    request = models.ForeignKey(
        "rights.RightsRequest",
        on_delete=models.CASCADE,
        related_name="withheld_records",
        verbose_name=_("request"),
        help_text=_("The disclosure request the record is withheld from."),
    )
    record = models.CharField(
        _("record"),
        max_length=150,
        help_text=_('The record withheld, as "source:id", e.g. "consent.provisionrecord:7".'),
    )
    service = models.CharField(
        _("service"),
        max_length=50,
        blank=True,
        help_text=_("The code of the record's service; empty for data about the customer."),
    )
    ground = models.CharField(
        _("ground"),
        max_length=16,
        choices=Ground.choices,
        help_text=_("Why it is withheld; the requester is told this ground."),
    )
    note = models.TextField(
        _("note for staff"),
        blank=True,
        max_length=2000,
        help_text=_("The circumstances, for the file; never shown to the person."),
    )
    withheld_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("withheld by"),
        help_text=_("The member of staff who decided it."),
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When it was decided.")
    )

    class Meta:
        verbose_name = _("record withheld from a disclosure")
        verbose_name_plural = _("records withheld from disclosures")
        ordering = ["request", "record"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "record"], name="rights_withheld_once_per_request"
            ),
        ]

    def __str__(self):
        return f"{self.request.reference}: {self.record}"

    @property
    def source_key(self) -> str:
        return self.record.partition(":")[0]

    @property
    def record_id(self) -> str:
        return self.record.partition(":")[2]
