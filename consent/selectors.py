"""Reads for the consent app: current policy, current choices, who may be used.

The current state of a customer's consent is never stored: it is the latest
:class:`~consent.models.ConsentRecord` for the pair, found by a subquery. The
query builders here are the single definition of "allowed" that
:func:`consent.services.may_use` and :func:`consent.services.may_provide`
answer from, one customer at a time or for a whole batch (the marketing job).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from portal.kernel import generations
from portal.kernel.models import Service
from portal.kernel.models.services import by_name
from portal.kernel.registry import registry

from .models import (
    ConsentRecord,
    PolicyVersion,
    ProcessingRestriction,
    ProvisionRecord,
    Purpose,
    ReceiptRecord,
    Recipient,
    ServicePage,
)

User = get_user_model()

# Rows that decide a purpose's state; notices do not.
CHOICE_ACTIONS = (
    ConsentRecord.Action.GRANTED,
    ConsentRecord.Action.WITHDRAWN,
    ConsentRecord.Action.DECLINED,
)


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


# --- policy versions ---------------------------------------------------------


def current_policy_version(*, at: datetime.datetime | None = None) -> PolicyVersion | None:
    """The version in force: the latest one whose effective time has passed."""
    return (
        PolicyVersion.objects.filter(effective_at__lte=_now(at))
        .order_by("-effective_at", "-id")
        .first()
    )


def latest_material_version(*, at: datetime.datetime | None = None) -> PolicyVersion | None:
    """The latest material version in force: customers must have accepted it or a later one."""
    return (
        PolicyVersion.objects.filter(effective_at__lte=_now(at), is_material=True)
        .order_by("-effective_at", "-id")
        .first()
    )


def policy_acceptance(subject, version: PolicyVersion) -> ConsentRecord | None:
    """The record of the customer accepting ``version``, if any."""
    return (
        ConsentRecord.objects.filter(
            subject=subject, policy_version=version, action=ConsentRecord.Action.GRANTED
        )
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class PolicyStatus:
    """Where a customer stands with the privacy policy.

    ``must_accept``: a material version newer than anything they accepted is in
    force, so they go no further before accepting it. ``notice``: a newer,
    non-material version is in force; they are told, but not stopped.
    """

    current: PolicyVersion | None
    accepted: PolicyVersion | None
    material: PolicyVersion | None

    @property
    def must_accept(self) -> bool:
        if self.material is None:
            return False
        return self.accepted is None or self.accepted.effective_at < self.material.effective_at

    @property
    def notice(self) -> bool:
        if self.current is None or self.must_accept:
            return False
        return self.accepted is None or self.accepted.effective_at < self.current.effective_at

    @property
    def pending(self) -> bool:
        return self.must_accept or self.notice


#: What the policy gate reads of each version: not the texts, which can be long.
POLICY_GATE_FIELDS = ("id", "version", "effective_at", "is_material")


def policy_status(
    subject, *, at: datetime.datetime | None = None, texts: bool = True
) -> PolicyStatus:
    """Where ``subject`` stands, by one query on every page a customer opens: the
    versions in force (a few rows) and any the customer accepted, each marked.

    ``texts=False`` (the gate on every page) leaves the summaries and full texts
    in the database: only :data:`POLICY_GATE_FIELDS` are read."""
    now = _now(at)
    accepted = ConsentRecord.objects.filter(
        policy_version=OuterRef("pk"), subject=subject, action=ConsentRecord.Action.GRANTED
    )
    versions = PolicyVersion.objects.annotate(rp_accepted=Exists(accepted))
    if not texts:
        versions = versions.only(*POLICY_GATE_FIELDS)
    versions = list(
        versions.filter(Q(effective_at__lte=now) | Q(rp_accepted=True)).order_by(
            "-effective_at", "-id"
        )
    )
    in_force = [v for v in versions if v.effective_at <= now]
    return PolicyStatus(
        current=in_force[0] if in_force else None,
        accepted=next((v for v in versions if v.rp_accepted), None),
        material=next((v for v in in_force if v.is_material), None),
    )


def next_policy_version_at(*, at: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the next version published ahead of time comes into force, if any."""
    return (
        PolicyVersion.objects.filter(effective_at__gt=_now(at))
        .order_by("effective_at")
        .values_list("effective_at", flat=True)
        .first()
    )


# --- purposes and recipients ---------------------------------------------------


def active_purposes() -> QuerySet[Purpose]:
    return Purpose.objects.filter(is_active=True)


def optional_purposes() -> QuerySet[Purpose]:
    return active_purposes().filter(is_required=False)


def consent_purposes() -> QuerySet[Purpose]:
    """The optional purposes that need consent: those asked at sign-up (a purpose
    used until withdrawn is not asked, only offered for withdrawal)."""
    return optional_purposes().filter(is_opt_out=False)


def active_recipients() -> QuerySet[Recipient]:
    return Recipient.objects.filter(is_active=True).prefetch_related("purposes")


def purpose_by_code(code: str) -> Purpose:
    """The purpose with this code; an unknown code is an error, never "allowed"."""
    try:
        return Purpose.objects.get(code=code)
    except Purpose.DoesNotExist:
        raise Purpose.DoesNotExist(f"No purpose of use with code {code!r}.") from None


def purposes_for_category(category: str) -> list[Purpose]:
    """Active purposes that use data of ``category`` (a registry category code)."""
    return [p for p in active_purposes() if category in (p.data_categories or [])]


def recipients_for_purposes(purposes) -> list[Recipient]:
    """Active recipients that receive data for any of ``purposes``."""
    ids = [p.pk for p in purposes]
    if not ids:
        return []
    return list(active_recipients().filter(purposes__in=ids).distinct())


# --- the definition of "allowed" -----------------------------------------------


def _latest_choice(purpose: Purpose, at: datetime.datetime | None) -> Subquery:
    """The action of the customer's latest choice for ``purpose`` (OuterRef: the user)."""
    return Subquery(
        ConsentRecord.objects.filter(
            subject=OuterRef("pk"),
            purpose=purpose,
            action__in=CHOICE_ACTIONS,
            created_at__lte=_now(at),
        )
        .order_by("-created_at", "-id")
        .values("action")[:1]
    )


def _restrictions_in_force(at: datetime.datetime | None) -> QuerySet[ProcessingRestriction]:
    now = _now(at)
    return ProcessingRestriction.objects.filter(starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def restrictions_in_force_for(subject, *, at=None) -> QuerySet[ProcessingRestriction]:
    return _restrictions_in_force(at).filter(subject=subject).select_related("purpose", "recipient")


def restricted_subject_ids(
    subject_ids, *, purpose: Purpose | None = None, recipient: Recipient | None = None, at=None
) -> set[int]:
    """Of ``subject_ids``, those a stop of use of ``purpose`` (or of provision to
    ``recipient``) in force names, or a stop of every use (every provision)."""
    restrictions = _restrictions_in_force(at).filter(subject_id__in=subject_ids)
    if purpose is not None:
        restrictions = restrictions.filter(scope=ProcessingRestriction.Scope.USE).filter(
            Q(purpose=purpose) | Q(purpose__isnull=True)
        )
    else:
        restrictions = restrictions.filter(scope=ProcessingRestriction.Scope.PROVISION).filter(
            Q(recipient=recipient) | Q(recipient__isnull=True)
        )
    return set(restrictions.values_list("subject_id", flat=True))


def restriction_request_id(restriction: ProcessingRestriction) -> int | None:
    """The id of the rights request that placed a restriction, if one did."""
    kind, _sep, pk = restriction.source_reference.partition(":")
    return int(pk) if kind == "rights.rightsrequest" and pk.isdigit() else None


def subjects_allowed_for_use(
    purpose: Purpose, *, at: datetime.datetime | None = None
) -> QuerySet[User]:
    """Customers whose data may be used for ``purpose`` now (or at ``at``).

    - a retired purpose allows no one;
    - a stop of use for this purpose, or for every purpose, excludes the customer;
      a restriction of data kept after a deletion request excludes them from
      every purpose but one resting on a legal obligation (GDPR Art. 18(2));
    - a required purpose allows everyone else (the contract, the accepted policy);
    - an optional purpose allows those whose latest choice for it is "granted";
      one used until withdrawn (``is_opt_out``) also those who never chose.
    """
    if not purpose.is_active:
        return User.objects.none()
    stopped = _restrictions_in_force(at).filter(
        subject=OuterRef("pk"), scope=ProcessingRestriction.Scope.USE
    )
    stopped = stopped.filter(Q(purpose=purpose) | Q(purpose__isnull=True))
    if purpose.legal_basis == Purpose.LegalBasis.LEGAL_OBLIGATION:
        # Data kept after a deletion request is kept for this ground alone.
        stopped = stopped.exclude(source=ProcessingRestriction.Source.ERASURE_KEPT)
    users = User.objects.exclude(Exists(stopped))
    if purpose.is_required:
        return users
    users = users.annotate(_choice=_latest_choice(purpose, at))
    if purpose.is_opt_out:
        return users.filter(Q(_choice__isnull=True) | Q(_choice=ConsentRecord.Action.GRANTED))
    return users.filter(_choice=ConsentRecord.Action.GRANTED)


def provision_purposes(recipient: Recipient, *, purpose: Purpose | None = None) -> list[Purpose]:
    """The purposes for which data may go to ``recipient`` (one of which must be usable
    for the customer): its active purposes, ``purpose`` alone if given, and only the
    optional ones for a recipient that needs consent."""
    purposes = [p for p in recipient.purposes.all() if p.is_active]
    if purpose is not None:
        purposes = [p for p in purposes if p.pk == purpose.pk]
    if recipient.needs_consent:
        purposes = [p for p in purposes if not p.is_required]
    return purposes


def subjects_allowed_for_provision(
    recipient: Recipient,
    *,
    purpose: Purpose | None = None,
    at: datetime.datetime | None = None,
) -> QuerySet[User]:
    """Customers whose data may go to ``recipient`` now (or at ``at``).

    - an inactive recipient, a public authority or a successor receives nothing
      this way (authorities receive data only under law, case by case:
      AuthorityRequest; a successor by a recorded succession, APPI Art. 27(5)(ii));
    - a stop of provision to this recipient, or to every recipient, excludes;
    - a subcontractor receives data for a purpose of its own (outsourcing,
      APPI Art. 27(5)(i)), and a joint user for a purpose of the published
      joint use (APPI Art. 27(5)(iii)), when that purpose may be used for the
      customer;
    - an affiliate or third party needs consent (APPI Art. 27(1)): one of its
      purposes must be optional and granted by the customer.

    ``purpose`` narrows the question to one of the recipient's purposes.
    """
    if not recipient.is_active or recipient.kind in (
        Recipient.Kind.PUBLIC_AUTHORITY,
        Recipient.Kind.SUCCESSOR,
    ):
        return User.objects.none()
    purposes = provision_purposes(recipient, purpose=purpose)
    if not purposes:
        return User.objects.none()
    allowed = Q()
    for item in purposes:
        allowed |= Q(pk__in=subjects_allowed_for_use(item, at=at).values("pk"))
    stopped = _restrictions_in_force(at).filter(
        subject=OuterRef("pk"), scope=ProcessingRestriction.Scope.PROVISION
    )
    stopped = stopped.filter(Q(recipient=recipient) | Q(recipient__isnull=True))
    return User.objects.exclude(Exists(stopped)).filter(allowed)


# --- one customer's consents ---------------------------------------------------


def current_choices(subject) -> dict[int, ConsentRecord]:
    """The latest choice record per purpose for one customer, keyed by purpose id."""
    latest = (
        ConsentRecord.objects.filter(
            subject=subject, purpose=OuterRef("purpose"), action__in=CHOICE_ACTIONS
        )
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    rows = ConsentRecord.objects.filter(
        subject=subject, purpose__isnull=False, pk=Subquery(latest)
    ).select_related("purpose")
    return {row.purpose_id: row for row in rows}


def consent_history(subject, *, limit: int = 100) -> QuerySet[ConsentRecord]:
    """The customer's records, newest first."""
    return (
        ConsentRecord.objects.filter(subject=subject)
        .select_related("purpose", "policy_version")
        .order_by("-created_at", "-id")[:limit]
    )


def provision_records_for(subject) -> QuerySet[ProvisionRecord]:
    return ProvisionRecord.objects.filter(subject=subject).select_related("recipient")


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (or earlier, when negative); 29 Feb becomes 28 Feb."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def provision_record_keep_until(provided_on: datetime.date) -> datetime.date:
    """The last day a provision record is kept (APPI Art. 29: 3 years by default)."""
    return years_after(provided_on, settings.CONSENT_PROVISION_RECORD_YEARS)


def receipt_record_keep_until(received_on: datetime.date) -> datetime.date:
    """The last day a record of receipt is kept (APPI art. 30(4): 3 years, as for the
    provision records of art. 29, ``CONSENT_PROVISION_RECORD_YEARS``)."""
    return years_after(received_on, settings.CONSENT_PROVISION_RECORD_YEARS)


def receipt_records_for(subject, *, withheld=()) -> QuerySet[ReceiptRecord]:
    """The customer's records of receipt from third parties, newest first, less those
    withheld from a disclosure (ids in ``withheld``)."""
    return (
        ReceiptRecord.objects.filter(subject=subject)
        .exclude(pk__in=list(withheld))
        .order_by("-received_on", "-pk")
    )


# --- how long a consent record is relied on (GDPR art. 7(1)) ----------------------


def reliance_ended_at():
    """When each consent record stopped being relied on, as an expression; NULL while it is.

    GDPR art. 7(1): the company must be able to show the consent it relies on,
    so the proof is kept while the consent is in force and for the rule's
    period after (``consent-record``, counted from this moment):

    - a grant for a purpose is relied on until the customer's next choice for
      that purpose (a withdrawal, a refusal or a new grant);
    - an acceptance of a policy version, until the customer accepts a later one;
    - a withdrawal or refusal is proof from its own time, but is kept as long
      as an earlier grant for the purpose is, so that erasing records never
      leaves a grant as the latest choice (``may_use`` never flips to yes);
    - a notice shown is proof from its own time.

    The current grant has no end: the retention sweep keeps it whatever its age.
    """
    later = ConsentRecord.objects.filter(
        subject=OuterRef("subject"), created_at__gt=OuterRef("created_at")
    ).order_by("created_at", "id")
    next_choice = later.filter(purpose=OuterRef("purpose"), action__in=CHOICE_ACTIONS)
    next_acceptance = later.filter(purpose__isnull=True, action=ConsentRecord.Action.GRANTED)
    earlier_grant = ConsentRecord.objects.filter(
        subject=OuterRef("subject"),
        purpose=OuterRef("purpose"),
        action=ConsentRecord.Action.GRANTED,
        created_at__lt=OuterRef("created_at"),
    )
    granted = Q(action=ConsentRecord.Action.GRANTED)
    return Case(
        When(
            granted & Q(purpose__isnull=False), then=Subquery(next_choice.values("created_at")[:1])
        ),
        When(granted, then=Subquery(next_acceptance.values("created_at")[:1])),
        When(Q(purpose__isnull=False) & Exists(earlier_grant), then=Value(None)),
        default=F("created_at"),
        output_field=DateTimeField(),
    )


# --- what each service publishes -------------------------------------------------


def published_service_pages() -> QuerySet[ServicePage]:
    """The public pages of the active services, by service code."""
    return ServicePage.objects.filter(is_published=True, service__is_active=True).select_related(
        "service"
    )


#: The services that publish a page: cached until a page or a service changes.
SERVICE_PAGES_GENERATION = "consent.service_pages"
generations.watch(SERVICE_PAGES_GENERATION, ServicePage, Service)


def services_with_pages(codes) -> list[Service]:
    """Of the services ``codes``, those that publish a page, by name in the active
    language: the order "my data" shows the services in.

    Every "my data" page asks: the published pages are read once per
    generation of pages and services (:func:`generations.cached`).
    """
    published = generations.cached(
        SERVICE_PAGES_GENERATION,
        "consent-service-pages",
        lambda: [page.service for page in published_service_pages().order_by("service__code")],
    )
    return by_name(service for service in published if service.code in codes)


@dataclass(frozen=True)
class ServiceData:
    """One kind of data a service keeps: its label, categories and retention."""

    label: str
    categories: list[str]
    retention: str | None


def service_data(code: str) -> list[ServiceData]:
    """The registry's sources of one service's records (each with a service), and the
    retention text of each; data about the customer as a whole belongs to no service."""
    rows = []
    for source in registry.sources():
        if getattr(source, "service_path", None) is None and (
            getattr(source, "service_code", None) != code
        ):
            continue
        rows.append(
            ServiceData(
                label=str(source.label),
                categories=[str(c.label) for c in source.categories()],
                retention=registry.retention_text(source.retention),
            )
        )
    return rows
