"""The rights request and the pauses of its clock.

Status and deadlines change only through :mod:`rights.workflow`; these models
hold fields, constraints and help texts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import admin
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.dates import validate_time_zone
from portal.kernel.fields import EncryptedJSONField, EncryptedTextField
from portal.kernel.models import Service, ServiceRegistration
from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER, staff_role

from ..choices import Channel, DeliveryMethod, Kind, PauseReason, Regime, RejectionGround, Status
from ..deadlines import local_day, regime_time_zone
from .organisations import OrganisationMember

OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.AWAITING_VERIFICATION,
    Status.IN_REVIEW,
    Status.AWAITING_CUSTOMER,
    Status.AWAITING_PAYMENT,
    Status.IN_PROGRESS,
)
# While in these statuses the request waits for the person: the clock stands still.
PAUSED_STATUSES = {
    Status.AWAITING_VERIFICATION: PauseReason.VERIFICATION,
    Status.AWAITING_PAYMENT: PauseReason.PAYMENT,
    Status.AWAITING_CUSTOMER: PauseReason.CUSTOMER,
}


def _default_regime():
    return settings.RIGHTS_DEFAULT_REGIME


def private_storage():
    return storages["private"]


class RightsRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def for_customer(self, user):
        """Requests a customer may see: about them, filed by them, or about the account of
        a corporate customer they are a member of (never a member's own request)."""
        return self.filter(
            models.Q(subject=user)
            | models.Q(requester=user)
            | models.Q(
                organisation__isnull=False,
                organisation__in=models.Subquery(
                    OrganisationMember.objects.filter(user=user).values("organisation")
                ),
            )
        )

    def concerning_services(self, services):
        """Requests a handler of ``services`` (a Service queryset) sees: those about one
        of them, and those naming no service (all of the customer's) from customers
        registered with one of them, now or when the request was filed (a deletion
        of everything erases the registrations it is about). The API's clients see
        the same."""
        services = services.values("pk")
        through = self.model.services.through
        own = through.objects.filter(rightsrequest_id=models.OuterRef("pk"), service__in=services)
        any_service = through.objects.filter(rightsrequest_id=models.OuterRef("pk"))
        customer = ServiceRegistration.objects.filter(
            user_id=models.OuterRef("subject_id"), service__in=services
        )
        when_filed = self.model.registered_services.through.objects.filter(
            rightsrequest_id=models.OuterRef("pk"), service__in=services
        )
        return self.filter(
            models.Exists(own)
            | (~models.Exists(any_service) & (models.Exists(customer) | models.Exists(when_filed)))
        )

    def visible_to(self, user):
        """Requests a member of staff may see.

        Officers and auditors see every request. A service handler sees requests
        that concern one of their services (responsible or handler), and requests
        that name no service (they concern all of the customer's services) from
        customers registered with one of their services, now or when the request
        was filed. Anyone else sees none.
        """
        role = staff_role(user)
        if role in (PRIVACY_OFFICER, AUDITOR):
            return self
        if role != SERVICE_HANDLER:
            return self.none()
        return self.concerning_services(
            Service.objects.filter(models.Q(responsible=user) | models.Q(handlers=user))
        )

    def overdue(self, now: dt.datetime | None = None):
        paused = list(PAUSED_STATUSES)
        return self.open().exclude(status__in=paused).filter(due_at__lt=now or timezone.now())

    def due_within(self, days: int, now: dt.datetime | None = None):
        now = now or timezone.now()
        paused = list(PAUSED_STATUSES)
        return (
            self.open()
            .exclude(status__in=paused)
            .filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=days))
        )


class RightsRequest(models.Model):
    """A person's request to exercise a right over their personal data."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rights_requests",
        verbose_name=_("data subject"),
        help_text=_(
            "The customer the request is about; empty until matched for a non-account request."
        ),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filed_rights_requests",
        verbose_name=_("requester"),
        help_text=_("Who filed it: the customer, or an agent acting for them."),
    )
    organisation = models.ForeignKey(
        "rights.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("corporate customer"),
        help_text=_(
            "Set when the request is about a corporate customer's account: its members may "
            "read the answers. Empty for a request about a person's own data."
        ),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, help_text=_("The right exercised.")
    )
    regime = models.CharField(
        _("legal regime"),
        max_length=8,
        choices=Regime.choices,
        default=_default_regime,
        help_text=_("The law whose rules and deadlines apply; staff may change it with a reason."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=12,
        choices=Channel.choices,
        default=Channel.PORTAL,
        help_text=_("How the request reached the company."),
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
        help_text=_("Changed only through the workflow, which records every change."),
    )
    services = models.ManyToManyField(
        "portal.Service",
        blank=True,
        related_name="rights_requests",
        verbose_name=_("services"),
        help_text=_("The services concerned; none means all of the customer's services."),
    )
    registered_services = models.ManyToManyField(
        "portal.Service",
        blank=True,
        related_name="+",
        verbose_name=_("customer's services when filed"),
        help_text=_(
            "The services the customer was registered with when the request was filed "
            "or matched to them. A request naming no service concerns these even after "
            "it erased the registrations."
        ),
    )
    categories = models.JSONField(
        _("data categories"),
        default=list,
        blank=True,
        help_text=_("Codes of the data categories concerned; empty means all."),
    )
    scope = EncryptedJSONField(
        _("scope"),
        default=dict,
        blank=True,
        help_text=_(
            "Kind-specific choices: purposes (stop use), recipients (stop provision), "
            "the field and new value (correction)."
        ),
    )
    details = EncryptedTextField(
        _("details"), blank=True, max_length=4000, help_text=_("The person's own words.")
    )
    delivery_method = models.CharField(
        _("delivery method"),
        max_length=12,
        choices=DeliveryMethod.choices,
        blank=True,
        help_text=_("For disclosure and notice of purposes: how the answer is delivered."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_rights_requests",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assignee"),
        help_text=_("The member of staff working on it."),
    )
    received_at = models.DateTimeField(
        _("received at"),
        default=timezone.now,
        help_text=_("When the company received it: the deadline counts from here."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_(
            "The requester's time zone, in which the deadline's days are counted; set from "
            "the regime when the request is filed and when its regime changes."
        ),
    )
    due_at = models.DateTimeField(
        _("due at"),
        help_text=_(
            "The answer deadline, kept up to date by the workflow from the regime, "
            "pauses and extension (stored so the queue can sort and filter on it)."
        ),
    )
    extended_to = models.DateTimeField(
        _("extended to"),
        null=True,
        blank=True,
        help_text=_("The extended deadline before pauses, when extended."),
    )
    acknowledgement_due_at = models.DateTimeField(
        _("acknowledgement due"),
        null=True,
        blank=True,
        help_text=_("CCPA: receipt must be confirmed by then (10 business days)."),
    )
    acknowledged_at = models.DateTimeField(
        _("acknowledged at"),
        null=True,
        blank=True,
        help_text=_("When receipt was confirmed to the requester."),
    )
    rejection_ground = models.CharField(
        _("rejection ground"),
        max_length=16,
        choices=RejectionGround.choices,
        blank=True,
        help_text=_("The legal ground of a rejection."),
    )
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        help_text=_("When it reached a final status."),
    )
    reminded_at = models.DateTimeField(
        _("reminded at"),
        null=True,
        blank=True,
        help_text=_("When the assignee was last reminded of the deadline."),
    )
    unfounded = models.BooleanField(
        _("manifestly unfounded or excessive"),
        default=False,
        help_text=_(
            "GDPR 12(5) / CCPA: staff found the request manifestly unfounded or excessive, "
            "so a reasonable fee may be asked or the request refused."
        ),
    )
    unfounded_reason = EncryptedTextField(
        _("why unfounded or excessive"),
        blank=True,
        max_length=4000,
        help_text=_("The reason staff recorded when marking it; told to the requester."),
    )
    erasure_planned_at = models.DateTimeField(
        _("erasure planned at"),
        null=True,
        blank=True,
        help_text=_(
            "Deletion requests: when the erasure was planned as steps. The request is "
            "completed only after that, by the erasure itself."
        ),
    )
    created_at = models.DateTimeField(
        _("created at"), auto_now_add=True, help_text=_("Row creation.")
    )

    objects = RightsRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        ordering = ["due_at"]
        indexes = [
            # The staff queue: open requests by deadline.
            models.Index(fields=["status", "due_at"], name="rights_status_due"),
            models.Index(fields=["subject", "status"], name="rights_subject_status"),
            # The staff queue's page, unfiltered: ORDER BY due_at, id LIMIT n.
            models.Index(fields=["due_at", "id"], name="rights_queue_due_id"),
            # The queue as it opens: the open requests, by deadline.
            models.Index(
                fields=["due_at", "id"],
                name="rights_queue_open_due_id",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self.time_zone:
            self.time_zone = regime_time_zone(self.regime)
        super().save(*args, **kwargs)

    def note_registered_services(self) -> None:
        """Record the services the person is registered with now (none without one),
        so the request keeps concerning them once their registrations are erased."""
        registered = ServiceRegistration.objects.filter(user_id=self.subject_id)
        self.registered_services.set(
            Service.objects.filter(pk__in=registered.values("service_id"))
            if self.subject_id
            else []
        )

    @property
    @admin.display(description=_("Reference"))
    def reference(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.status in PAUSED_STATUSES

    @property
    def zone(self) -> str:
        """The time zone the request's days are counted in."""
        return self.time_zone or regime_time_zone(self.regime)

    @property
    def received_on(self) -> dt.date:
        """The day the request was received, in the requester's time zone (the fee
        in force that day applies)."""
        return local_day(self.received_at, self.regime, self.zone)

    @property
    def due_on(self) -> dt.date:
        """The last day to answer, in the requester's time zone: what the person is told."""
        return local_day(self.due_at, self.regime, self.zone)

    def days_left(self, now: dt.datetime | None = None) -> int | None:
        """Whole days to the deadline (negative when overdue); None when closed."""
        if not self.is_open:
            return None
        now = now or timezone.now()
        delta = timezone.localdate(self.due_at) - timezone.localdate(now)
        return delta.days


class RequestPause(models.Model):
    """A stretch of time in which the request waited for the person."""

    request = models.ForeignKey(
        RightsRequest, on_delete=models.CASCADE, related_name="pauses", help_text=_("The request.")
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=PauseReason.choices, help_text=_("What it waits for.")
    )
    started_at = models.DateTimeField(_("started at"), help_text=_("The clock stopped here."))
    ended_at = models.DateTimeField(
        _("ended at"),
        null=True,
        blank=True,
        help_text=_("The clock ran again; empty while waiting."),
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(ended_at__isnull=True),
                name="rights_one_open_pause",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.started_at:%Y-%m-%d}"
