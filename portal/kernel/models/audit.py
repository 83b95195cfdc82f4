"""The audit trail: one append-only, hash-chained row per sensitive action.

Written only through :func:`portal.kernel.audit.audit_log`; checked by
``manage.py verify_audit_chain``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import zones
from ..db import append_only_triggers


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")

    _raw_delete = delete


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained audit trail.

    Write only through :func:`portal.kernel.audit.audit_log`. Each row stores the hash
    of the row before it, so altering or removing a row breaks the chain, which
    ``manage.py verify_audit_chain`` reports. Actor and subject are kept as ids
    without a database constraint: erasing a customer must not rewrite history.
    Details never hold erased values or secrets.
    """

    created_at = models.DateTimeField(_("time"), db_index=True, help_text=_("When it happened."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Who did it; empty for the system or an anonymous visitor."),
    )
    action = models.CharField(
        _("action"), max_length=64, db_index=True, help_text=_("What happened, e.g. auth.login.")
    )
    target = models.CharField(
        _("target"),
        max_length=200,
        blank=True,
        help_text=_("The object acted on, as app.model:id."),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("data subject"),
        help_text=_("The customer whose personal data is concerned, if any."),
    )
    ip_address = models.GenericIPAddressField(
        _("IP address"), null=True, blank=True, help_text=_("Where the request came from.")
    )
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("Counts, categories, reasons.")
    )
    prev_hash = models.CharField(
        _("previous hash"), max_length=64, help_text=_("Hash of the row before this one.")
    )
    hash = models.CharField(
        _("hash"), max_length=64, unique=True, help_text=_("Hash of this row and prev_hash.")
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject", "created_at"], name="audit_subject_time")]
        # On PostgreSQL the audit screen's search also has trigram indexes over
        # UPPER(action) and UPPER(target), created by migration 0019 outside this state.
        # Append-only in PostgreSQL itself, whatever the client (docs/security.md).
        triggers = append_only_triggers("audit")

    def __str__(self):
        # In the reader's zone, named, and what happened in the reader's language (the
        # title and breadcrumbs of the event's page; the code has its own row).
        from ..audit_labels import action_label

        return f"{zones.written(self.created_at)} {action_label(self.action)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def _do_update(self, *args, **kwargs):
        # save_base(force_update=True) and friends skip save(); every UPDATE passes here.
        raise PermissionError("Audit events are append-only.")
