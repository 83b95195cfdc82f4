"""Legal holds placed by staff: data that must not be erased, whatever else says so."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.dates import portal_day
from portal.kernel.db import staff_field


class LegalHoldQuerySet(models.QuerySet):
    def active(self, on=None):
        """Holds in force on ``on`` (today by default): started, not ended, not released."""
        on = on or portal_day()
        return self.filter(starts_on__lte=on, released_at__isnull=True).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on)
        )


class LegalHold(models.Model):
    """A hold placed by staff: data that must not be erased, whatever else says so.

    Litigation, an authority's order or an investigation. It covers one
    customer, or every customer of a service (or one customer's data of one
    service); all their data, some categories, or named records. It lasts
    until its end date, or, without one, until released with a reason.
    Holds derived from retention rules are computed, not stored here.
    """

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_holds",
        verbose_name=_("data subject"),
        help_text=_("The customer whose data is held; empty: every customer of the service."),
    )
    service = models.ForeignKey(
        "portal.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_holds",
        verbose_name=_("service"),
        help_text=_("Only data of this service; empty: the customer's data of every service."),
    )
    categories = models.JSONField(
        _("data categories"),
        default=list,
        blank=True,
        help_text=_("Codes of the categories held; empty means all."),
    )
    records = models.JSONField(
        _("specific records"),
        default=list,
        blank=True,
        help_text=_(
            'Only these records, as "source:id" (e.g. "portal.invoice:42"); empty means every '
            "record in the categories above."
        ),
    )
    reason = models.TextField(
        _("reason"),
        max_length=4000,
        help_text=_("Why the data must be kept, e.g. the case or the order."),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        help_text=_(
            "The law, order or claim that requires keeping it, e.g. a court's preservation "
            "order or a pending lawsuit. A customer whose deletion it keeps data from is "
            "told it as written."
        ),
    )
    starts_on = models.DateField(
        _("starts on"), default=portal_day, help_text=_("First day of the hold.")
    )
    ends_on = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("Last day of the hold; empty while it has no end (e.g. pending litigation)."),
    )
    placed_by = staff_field(_("placed by"), help_text=_("The member of staff who placed it."))
    placed_at = models.DateTimeField(
        _("placed at"), default=timezone.now, help_text=_("When it was placed.")
    )
    released_at = models.DateTimeField(
        _("released at"), null=True, blank=True, help_text=_("When it was released; empty if not.")
    )
    released_by = staff_field(_("released by"), help_text=_("The member of staff who released it."))
    release_reason = models.TextField(
        _("why released"),
        blank=True,
        max_length=4000,
        help_text=_("Required to release, e.g. the judgment became final."),
    )

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject__isnull=False) | models.Q(service__isnull=False),
                name="rights_hold_has_scope",
                violation_error_message=_("A hold is for a customer, a service, or both."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="rights_hold_dates_in_order",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True) | ~models.Q(release_reason=""),
                name="rights_hold_release_has_reason",
                violation_error_message=_("Releasing a hold needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["subject", "released_at"], name="rights_hold_subject")]

    def __str__(self):
        return f"H-{self.pk:05d}" if self.pk else "H-new"
