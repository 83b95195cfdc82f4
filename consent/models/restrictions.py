"""Processing restrictions (stops of use or provision) and requests from
public authorities.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel.dates import validate_filter_day
from portal.kernel.db import AppendOnlyModel, append_only_triggers, customer_field, staff_field

from .purposes import Purpose
from .recipients import Recipient


class ProcessingRestriction(models.Model):
    """A stop of use (for one purpose or all) or of provision (to one recipient or all).

    Created by an approved stop-use / stop-provision request or by staff. It
    applies from ``starts_at`` until ``ends_at`` (open-ended when empty).

    Source "erasure_kept" is the restriction of data a deletion request could
    not erase because a law or a legal hold keeps it (GDPR Art. 18(1)(b)-(c),
    17(3)(b),(e)): it stops every purpose except those whose legal basis is a
    legal obligation, the ground the data is kept for.
    """

    class Scope(models.TextChoices):
        USE = "use", _("Stop use")
        PROVISION = "provision", _("Stop provision to third parties")

    class Source(models.TextChoices):
        STOP_USE_REQUEST = "stop_use_request", _("Stop-use request")
        STOP_PROVISION_REQUEST = "stop_provision_request", _("Stop-provision request")
        STAFF = "staff", _("Staff decision")
        ERASURE_KEPT = "erasure_kept", _("Data kept after a deletion request")

    subject = customer_field(
        related_name="processing_restrictions", help_text=_("Whose data is restricted.")
    )
    scope = models.CharField(
        _("scope"),
        max_length=16,
        choices=Scope.choices,
        help_text=_("Stop using the data, or stop providing it to others."),
    )
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restrictions",
        verbose_name=_("purpose of use"),
        help_text=_("For a stop of use: the purpose; empty means every purpose."),
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restrictions",
        verbose_name=_("recipient"),
        help_text=_("For a stop of provision: the recipient; empty means every recipient."),
    )
    starts_at = models.DateTimeField(
        _("since"), default=timezone.now, help_text=_("From when the restriction applies.")
    )
    ends_at = models.DateTimeField(
        _("until"),
        null=True,
        blank=True,
        help_text=_("When it stops applying; empty while it lasts."),
    )
    source = models.CharField(
        pgettext_lazy("restriction", "source"),
        max_length=32,
        choices=Source.choices,
        help_text=_("What created the restriction."),
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        help_text=_("The request behind it, as app.model:id."),
    )
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was placed."))
    created_by = staff_field(
        _("created by"), help_text=_("The member of staff who placed it; empty for the system.")
    )
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When it was entered.")
    )

    class Meta:
        verbose_name = _("processing restriction")
        verbose_name_plural = _("processing restrictions")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="use", recipient__isnull=True)
                    | Q(scope="provision", purpose__isnull=True)
                ),
                name="consent_restriction_scope_target",
                violation_error_message=_(
                    "A stop of use names a purpose; a stop of provision names a recipient."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="consent_restriction_ends_after_start",
                violation_error_message=_("The end cannot come before the start."),
            ),
        ]
        indexes = [models.Index(fields=["subject", "scope"], name="consent_restr_subject")]

    def __str__(self):
        target = self.purpose or self.recipient or _("all")
        return f"{self.get_scope_display()}: {target}"

    def clean(self):
        """Moments every time zone can hold: year 1 in Tokyo is before year 1 in UTC,
        which the database cannot store."""
        super().clean()
        errors = {}
        for name in ("starts_at", "ends_at"):
            moment = getattr(self, name)
            try:
                validate_filter_day(moment.date() if moment is not None else None)
            except ValidationError as error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)


class AuthorityRequest(AppendOnlyModel):
    """A request for a customer's data from a court, prosecutor, police or other body.

    Provision in answer to it rests on law (APPI Art. 27(1)(i)) and needs no
    consent; the request, what was provided and who approved it are kept here.
    """

    class Body(models.TextChoices):
        COURT = "court", _("Court")
        PROSECUTOR = "prosecutor", _("Public prosecutor")
        POLICE = "police", _("Police")
        OTHER = "other", _("Other public authority")

    class Decision(models.TextChoices):
        PROVIDED = "provided", _("Provided")
        PARTLY_PROVIDED = "partly_provided", _("Partly provided")
        REFUSED = "refused", _("Refused")

    subject = customer_field(
        related_name="authority_requests", help_text=_("Whose data was asked for.")
    )
    body_kind = models.CharField(
        _("kind of body"), max_length=16, choices=Body.choices, help_text=_("Who asked.")
    )
    requesting_body = models.CharField(
        _("requesting body"),
        max_length=200,
        help_text=_("Name of the body and office, e.g. Shibuya Police Station."),
    )
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("The number of the document or warrant."),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        help_text=_("e.g. Code of Criminal Procedure Art. 197(2) (inquiry)."),
    )
    received_on = models.DateField(_("received on"), help_text=_("When the request arrived."))
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, help_text=_("What we did.")
    )
    data_provided = models.TextField(
        _("data provided"), blank=True, help_text=_("The data items provided; empty if refused.")
    )
    provided_on = models.DateField(
        _("provided on"), null=True, blank=True, help_text=_("When the data was handed over.")
    )
    approved_by = staff_field(
        _("approved by"), help_text=_("The member of staff who approved the answer."), required=True
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Anything else worth keeping."))
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, help_text=_("When the record was entered.")
    )

    class Meta:
        verbose_name = _("request from an authority")
        verbose_name_plural = _("requests from authorities")
        ordering = ["-received_on", "-id"]
        # Deleted only inside evidence_erasure(), in PostgreSQL too (portal.kernel.db).
        triggers = append_only_triggers("evidence", erasable=True)

    def __str__(self):
        return f"{self.received_on} {self.requesting_body}"

    def clean(self):
        """The record is evidence nobody can correct afterwards: its days are days that
        have come, in order, and a refusal provided nothing."""
        super().clean()
        errors = {}
        today = timezone.localdate()
        for name in ("received_on", "provided_on"):
            day = getattr(self, name)
            if day is not None and day > today:
                errors[name] = _("This day has not come yet.")
        if self.provided_on and self.received_on and self.provided_on < self.received_on:
            errors.setdefault("provided_on", _("The data cannot be provided before the request."))
        if self.decision == self.Decision.REFUSED and (
            self.data_provided.strip() or self.provided_on
        ):
            errors.setdefault(
                "decision", _("A refusal provides nothing: leave the data and its day empty.")
            )
        if errors:
            raise ValidationError(errors)
