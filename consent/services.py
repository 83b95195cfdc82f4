"""Writes for the consent app, and the one answer to "may we?".

Other code asks two questions, and only here:

* :func:`may_use` — may this customer's data be used for this purpose?
* :func:`may_provide` — may this customer's data go to this recipient?

Both read the consent records, withdrawals and processing restrictions at
the moment of asking, so a withdrawal or an approved stop-use request changes
the answer at once. Never cache the answer across a decision.

Every write below does its rows and its audit event in one transaction,
takes keyword arguments only, and locks the customer's row first so that two
concurrent changes for the same customer are applied one after the other.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.kernel import outbox
from portal.kernel.audit import audit_log, client_ip

from . import selectors
from .models import (
    AuthorityRequest,
    ConsentRecord,
    MarketingCampaign,
    MarketingDelivery,
    PolicyVersion,
    ProcessingRestriction,
    ProvisionRecord,
    Purpose,
    Recipient,
)

logger = logging.getLogger(__name__)
User = get_user_model()

Action = ConsentRecord.Action
Method = ConsentRecord.Method

MARKETING = "marketing"


# --- the answers ---------------------------------------------------------------


def may_use(subject, purpose: Purpose | str, *, at: datetime.datetime | None = None) -> bool:
    """May ``subject``'s personal data be used for ``purpose`` now (or at ``at``)?

    ``purpose`` is a :class:`Purpose` or its code (an unknown code raises
    ``Purpose.DoesNotExist``: a typo must never read as "allowed").

    False when the purpose is retired, or a :class:`ProcessingRestriction` of
    scope "use" for this purpose or for every purpose is in force. Otherwise
    a required purpose (contract, accepted policy) is True, and an optional
    one is True only when the customer's latest choice for it is "granted":
    a withdrawal, a refusal at sign-up or no choice at all mean False.
    """
    if isinstance(purpose, str):
        purpose = selectors.purpose_by_code(purpose)
    return selectors.subjects_allowed_for_use(purpose, at=at).filter(pk=subject.pk).exists()


def may_provide(
    subject,
    recipient: Recipient,
    *,
    purpose: Purpose | str | None = None,
    at: datetime.datetime | None = None,
) -> bool:
    """May ``subject``'s personal data be provided to ``recipient`` now (or at ``at``)?

    False for an inactive recipient, for a public authority (that happens only
    under law, recorded as an :class:`AuthorityRequest` or a provision record
    with ground "law"), and while a :class:`ProcessingRestriction` of scope
    "provision" for this recipient or for every recipient is in force.
    Otherwise a subcontractor may receive data for one of its purposes that
    :func:`may_use` allows (outsourcing, APPI Art. 27(5)(i)); an affiliate or a
    third party needs consent (APPI Art. 27(1)): one of its purposes must be
    optional and granted by the customer. ``purpose`` narrows the question to
    that purpose.
    """
    if isinstance(purpose, str):
        purpose = selectors.purpose_by_code(purpose)
    allowed = selectors.subjects_allowed_for_provision(recipient, purpose=purpose, at=at)
    return allowed.filter(pk=subject.pk).exists()


# --- request metadata ------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """Where a consent came from: kept on every record as proof."""

    ip_address: str | None = None
    user_agent: str = ""
    language: str = settings.LANGUAGE_CODE

    @classmethod
    def from_request(cls, request) -> Evidence:
        """From the request being answered; without one (jobs, tests) only the language."""
        if request is None:
            return cls(language=_language())
        return cls(
            ip_address=client_ip(request),
            user_agent=(request.META.get("HTTP_USER_AGENT") or "")[:500],
            language=_language(),
        )


def _language() -> str:
    """The language of the page being shown, as one of settings.LANGUAGES."""
    code = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _lock_subject(subject):
    """Serialise consent writes per customer (see the module docstring)."""
    return User.objects.select_for_update().get(pk=subject.pk)


def _record(
    *,
    subject,
    action: str,
    method: str,
    evidence: Evidence,
    purpose: Purpose | None = None,
    policy_version: PolicyVersion | None = None,
    recorded_by=None,
    note: str = "",
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        subject=subject,
        purpose=purpose,
        policy_version=policy_version,
        action=action,
        method=method,
        ip_address=evidence.ip_address,
        user_agent=evidence.user_agent,
        language=evidence.language,
        recorded_by=recorded_by,
        note=note,
    )


# --- purposes --------------------------------------------------------------------


def consent_update(
    *,
    subject,
    choices: dict[Purpose, bool],
    method: str,
    request=None,
    evidence: Evidence | None = None,
    actor=None,
) -> list[ConsentRecord]:
    """Grant or withdraw optional purposes, all at once; only changes are recorded.

    ``choices`` maps each purpose to True (granted) or False (withdrawn). A
    purpose whose current state already matches gets no new record, so
    submitting the same form twice is harmless. Required purposes cannot be
    withdrawn here (a stop-use request does that) and raise ValueError.
    Returns the new records.
    """
    evidence = evidence or Evidence.from_request(request)
    for purpose in choices:
        if purpose.is_required or not purpose.is_active:
            raise ValueError(f"Purpose {purpose.code!r} cannot be chosen by the customer.")
    with transaction.atomic():
        subject = _lock_subject(subject)
        current = selectors.current_choices(subject)
        created = []
        for purpose, granted in choices.items():
            latest = current.get(purpose.pk)
            was_granted = latest is not None and latest.action == Action.GRANTED
            if granted == was_granted:
                continue
            created.append(
                _record(
                    subject=subject,
                    purpose=purpose,
                    action=Action.GRANTED if granted else Action.WITHDRAWN,
                    method=method,
                    evidence=evidence,
                )
            )
        if created:
            audit_log(
                action="consent.changed",
                actor=actor or subject,
                target=subject,
                subject=subject,
                request=request,
                details={
                    "method": method,
                    "granted": [r.purpose.code for r in created if r.action == Action.GRANTED],
                    "withdrawn": [r.purpose.code for r in created if r.action != Action.GRANTED],
                },
            )
    return created


@dataclass(frozen=True)
class SignupConsent:
    """What the sign-up form offered and the new customer chose."""

    policy_version: PolicyVersion | None
    purposes: dict[Purpose, bool]


def consent_record_signup(*, subject, consent: SignupConsent, request=None) -> list[ConsentRecord]:
    """Record what a new customer accepted and chose on the sign-up form.

    Called inside :func:`portal.accounts.services.user_signup`'s transaction. The
    policy acceptance and each optional purpose get a record: "granted" when
    ticked, "declined" when left unticked, so the choice offered is on file.
    """
    policy_version, purposes = consent.policy_version, consent.purposes
    evidence = Evidence.from_request(request)
    with transaction.atomic():
        records = []
        if policy_version is not None:
            records.append(
                _record(
                    subject=subject,
                    policy_version=policy_version,
                    action=Action.GRANTED,
                    method=Method.SIGNUP,
                    evidence=evidence,
                )
            )
        for purpose, granted in purposes.items():
            records.append(
                _record(
                    subject=subject,
                    purpose=purpose,
                    action=Action.GRANTED if granted else Action.DECLINED,
                    method=Method.SIGNUP,
                    evidence=evidence,
                )
            )
        audit_log(
            action="consent.signup",
            actor=subject,
            target=subject,
            subject=subject,
            request=request,
            details={
                "policy_version": policy_version.version if policy_version else None,
                "granted": sorted(p.code for p, granted in purposes.items() if granted),
                "declined": sorted(p.code for p, granted in purposes.items() if not granted),
            },
        )
    return records


def consent_record_paper(
    *,
    subject,
    staff,
    granted: bool,
    language: str,
    note: str,
    purpose: Purpose | None = None,
    policy_version: PolicyVersion | None = None,
    request=None,
) -> ConsentRecord:
    """Enter a consent or withdrawal the customer gave on a paper form.

    Staff never edit records: a paper form becomes a new record with method
    "staff on paper", the member of staff as ``recorded_by`` and ``note``
    saying where the form is filed. Exactly one of ``purpose`` or
    ``policy_version`` is given; a required purpose cannot be withdrawn here.
    """
    if (purpose is None) == (policy_version is None):
        raise ValueError("Give exactly one of purpose or policy_version.")
    if purpose is not None and purpose.is_required:
        raise ValueError("Required purposes are stopped by a restriction, not by consent.")
    with transaction.atomic():
        subject = _lock_subject(subject)
        record = _record(
            subject=subject,
            purpose=purpose,
            policy_version=policy_version,
            action=Action.GRANTED if granted else Action.WITHDRAWN,
            method=Method.STAFF_PAPER,
            evidence=Evidence(language=language),
            recorded_by=staff,
            note=note,
        )
        audit_log(
            action="consent.paper_recorded",
            actor=staff,
            target=record,
            subject=subject,
            request=request,
            details={
                "about": purpose.code if purpose else f"policy {policy_version.version}",
                "action": record.action,
            },
        )
    return record


# --- the privacy policy ----------------------------------------------------------


def policy_version_save(*, version: PolicyVersion, actor, request=None) -> PolicyVersion:
    """Save a new or changed policy version, before it takes effect.

    A version in force is what customers accepted and is never changed
    (PermissionError); publish a new version instead.
    """
    if version.pk is not None:
        stored = PolicyVersion.objects.filter(pk=version.pk).first()
        if stored is not None and stored.is_effective:
            raise PermissionError("A policy version in force cannot be changed.")
    version.full_clean()
    with transaction.atomic():
        version.save()
        audit_log(
            action="consent.policy_version_saved",
            actor=actor,
            target=version,
            request=request,
            details={
                "version": version.version,
                "effective_at": version.effective_at,
                "material": version.is_material,
            },
        )
    return version


def policy_accept(
    *, subject, version: PolicyVersion, method: str, request=None
) -> ConsentRecord | None:
    """Record that the customer accepted ``version``; None if they already had.

    Only a version in force may be accepted.
    """
    if not version.is_effective:
        raise ValueError("This policy version is not in force yet.")
    with transaction.atomic():
        subject = _lock_subject(subject)
        if selectors.policy_acceptance(subject, version) is not None:
            return None
        record = _record(
            subject=subject,
            policy_version=version,
            action=Action.GRANTED,
            method=method,
            evidence=Evidence.from_request(request),
        )
        audit_log(
            action="consent.policy_accepted",
            actor=subject,
            target=version,
            subject=subject,
            request=request,
            details={"version": version.version, "method": method},
        )
    return record


def policy_decline(*, subject, version: PolicyVersion, request=None) -> ConsentRecord:
    """Record that the customer chose not to accept ``version`` when asked."""
    with transaction.atomic():
        subject = _lock_subject(subject)
        record = _record(
            subject=subject,
            policy_version=version,
            action=Action.DECLINED,
            method=Method.POLICY_PAGE,
            evidence=Evidence.from_request(request),
        )
        audit_log(
            action="consent.policy_declined",
            actor=subject,
            target=version,
            subject=subject,
            request=request,
            details={"version": version.version},
        )
    return record


def policy_notice_record(
    *, subject, version: PolicyVersion, method: str, request=None
) -> ConsentRecord:
    """Record that the customer was shown the notice of ``version``.

    Callers record it once per session (see consent.middleware), so the trail
    shows each login at which the customer saw the notice.
    """
    with transaction.atomic():
        return _record(
            subject=subject,
            policy_version=version,
            action=Action.NOTICE_SHOWN,
            method=method,
            evidence=Evidence.from_request(request),
        )


# --- restrictions ------------------------------------------------------------------


def restriction_create(
    *,
    subject,
    scope: str,
    source: str,
    purpose: Purpose | None = None,
    recipient: Recipient | None = None,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    source_reference: str = "",
    reason: str = "",
    actor=None,
    request=None,
) -> ProcessingRestriction:
    """Stop use (of one purpose or all) or provision (to one recipient or all).

    It takes effect at ``starts_at`` (now by default): :func:`may_use` and
    :func:`may_provide` answer False from then on. Later issues call this
    when a stop-use or stop-provision request is approved.
    """
    restriction = ProcessingRestriction(
        subject=subject,
        scope=scope,
        purpose=purpose,
        recipient=recipient,
        starts_at=starts_at or timezone.now(),
        ends_at=ends_at,
        source=source,
        source_reference=source_reference,
        reason=reason,
        created_by=actor,
    )
    restriction.full_clean()
    with transaction.atomic():
        _lock_subject(subject)
        restriction.save()
        audit_log(
            action="consent.restriction_created",
            actor=actor,
            target=restriction,
            subject=subject,
            request=request,
            details={
                "scope": scope,
                "purpose": purpose.code if purpose else None,
                "recipient": recipient.pk if recipient else None,
                "source": source,
            },
        )
    return restriction


def restriction_end(
    *, restriction: ProcessingRestriction, actor=None, request=None
) -> ProcessingRestriction:
    """End a restriction now; ending one that has already ended changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        restriction = ProcessingRestriction.objects.select_for_update().get(pk=restriction.pk)
        if restriction.ends_at is not None and restriction.ends_at <= now:
            return restriction
        # One that has not started yet ends at its start: it never applies.
        restriction.ends_at = max(now, restriction.starts_at)
        restriction.save(update_fields=["ends_at"])
        audit_log(
            action="consent.restriction_ended",
            actor=actor,
            target=restriction,
            subject=restriction.subject,
            request=request,
        )
    return restriction


# --- provision to third parties --------------------------------------------------


class ProvisionRefused(ValidationError):
    """The provision may not be recorded; the message says why."""


# Grounds that rest on the customer's side (consent, or outsourcing within our
# purposes) and so are subject to may_provide. Law, emergency and succession
# are exceptions the law itself makes (APPI Art. 27(1), 27(5)(ii)); a
# customer's stop-provision request cannot override them.
_CUSTOMER_GROUNDS = {ProvisionRecord.Ground.CONSENT, ProvisionRecord.Ground.OUTSOURCING}


def provision_check(*, subject, recipient: Recipient, ground: str, note: str = "") -> None:
    """Raise :class:`ProvisionRefused` when this provision may not be recorded."""
    names = {"customer": subject.email, "recipient": recipient.name}
    if (
        ground == ProvisionRecord.Ground.OUTSOURCING
        and recipient.kind != Recipient.Kind.SUBCONTRACTOR
    ):
        raise ProvisionRefused(
            _("Outsourcing is a ground only for subcontractors; %(recipient)s is not one.") % names,
            code="not_subcontractor",
        )
    if ground in _CUSTOMER_GROUNDS:
        restricted = (
            selectors.restrictions_in_force_for(subject)
            .filter(scope=ProcessingRestriction.Scope.PROVISION)
            .filter(Q(recipient=recipient) | Q(recipient__isnull=True))
        )
        if restricted.exists():
            raise ProvisionRefused(
                _(
                    "%(customer)s has asked us to stop providing their data to %(recipient)s. "
                    "This provision is not allowed and was not recorded."
                )
                % names,
                code="restricted",
            )
        if not may_provide(subject, recipient):
            raise ProvisionRefused(
                _(
                    "%(customer)s has not consented to their data going to %(recipient)s, or "
                    "no purpose of that recipient may be used for them. This provision is not "
                    "allowed and was not recorded."
                )
                % names,
                code="not_allowed",
            )
    elif not note.strip():
        raise ProvisionRefused(
            _("Describe in the note the law, emergency or succession relied on."),
            code="note_required",
        )


def provision_record_create(
    *,
    subject,
    recipient: Recipient,
    provided_on: datetime.date,
    data_items: str,
    ground: str,
    note: str = "",
    actor=None,
    request=None,
) -> ProvisionRecord:
    """Record a provision of personal data to a third party (APPI Art. 29).

    Refused with :class:`ProvisionRefused` (nothing is written) when the
    ground is consent or outsourcing and :func:`may_provide` says no, e.g.
    because the customer withdrew consent or a stop-provision restriction is
    in force. The check and the write happen under the customer's row lock.
    """
    with transaction.atomic():
        subject = _lock_subject(subject)
        provision_check(subject=subject, recipient=recipient, ground=ground, note=note)
        record = ProvisionRecord.objects.create(
            subject=subject,
            recipient=recipient,
            provided_on=provided_on,
            data_items=data_items,
            ground=ground,
            note=note,
            recorded_by=actor,
        )
        audit_log(
            action="consent.provision_recorded",
            actor=actor,
            target=record,
            subject=subject,
            request=request,
            details={"recipient": recipient.pk, "ground": ground},
        )
    return record


def authority_request_record(
    *,
    subject,
    body_kind: str,
    requesting_body: str,
    legal_basis: str,
    received_on: datetime.date,
    decision: str,
    approved_by,
    data_provided: str = "",
    provided_on: datetime.date | None = None,
    reference: str = "",
    note: str = "",
    actor=None,
    request=None,
) -> AuthorityRequest:
    """Record a request from a court, prosecutor, police or other authority.

    Provision under law needs no consent and is not stopped by a customer's
    restriction; what was asked, on which legal basis, what was provided and
    who approved it are kept instead. The approver must be staff.
    """
    if not approved_by.is_staff:
        raise ValueError("The approver must be a member of staff.")
    item = AuthorityRequest(
        subject=subject,
        body_kind=body_kind,
        requesting_body=requesting_body,
        reference=reference,
        legal_basis=legal_basis,
        received_on=received_on,
        decision=decision,
        data_provided=data_provided,
        provided_on=provided_on,
        approved_by=approved_by,
        note=note,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
        audit_log(
            action="consent.authority_request_recorded",
            actor=actor or approved_by,
            target=item,
            subject=subject,
            request=request,
            details={"body_kind": body_kind, "decision": decision},
        )
    return item


# --- the marketing mail ------------------------------------------------------------

# Customers are selected in primary-key batches: each batch is one short
# transaction, and a run that stops half-way resumes where it left off, since
# a customer already selected for the campaign is not selected again.
MARKETING_BATCH_SIZE = 500


def marketing_campaign_key(*, today: datetime.date | None = None) -> str:
    """The key of this week's run, e.g. "weekly-2026-W47" (ISO week)."""
    year, week, _weekday = (today or timezone.localdate()).isocalendar()
    return f"weekly-{year}-W{week:02d}"


def marketing_campaign_run(*, key: str) -> MarketingCampaign:
    """Select the customers who may get marketing mail and queue one mail each.

    Only active, verified customers for whom ``may_use(customer, "marketing")``
    is true are selected; each gets one :class:`MarketingDelivery` per
    campaign (a unique pair), so running the same key again, or a retried
    task, never mails anyone twice. Deliveries still pending (e.g. after a
    crash before they were queued) are queued again; sending them is
    idempotent (see :func:`marketing_delivery_send`).
    """
    from .tasks import send_marketing_mail

    purpose = selectors.purpose_by_code(MARKETING)
    with transaction.atomic():
        campaign, created = MarketingCampaign.objects.get_or_create(key=key)
        if created:
            audit_log(action="consent.marketing_campaign_started", target=campaign)
    last_pk = 0
    while True:
        batch = list(
            selectors.subjects_allowed_for_use(purpose)
            .filter(is_active=True, is_staff=False, email_verified_at__isnull=False, pk__gt=last_pk)
            .exclude(marketing_deliveries__campaign=campaign)
            .order_by("pk")
            .values_list("pk", flat=True)[:MARKETING_BATCH_SIZE]
        )
        if not batch:
            break
        with transaction.atomic():
            # A concurrent run of the same key may insert the same pairs: skip them.
            MarketingDelivery.objects.bulk_create(
                [MarketingDelivery(campaign=campaign, subject_id=pk) for pk in batch],
                ignore_conflicts=True,
            )
        last_pk = batch[-1]
    pending = campaign.deliveries.filter(status=MarketingDelivery.Status.PENDING)
    for delivery_id in pending.order_by("pk").values_list("pk", flat=True).iterator():
        outbox.enqueue(send_marketing_mail, delivery_id)
    return campaign


def marketing_delivery_send(*, delivery_id: int) -> bool:
    """Send one marketing mail, at most once; True when it was handed over.

    The delivery is claimed (marked sent) and committed before the mail is
    handed to the mail server, so a retried or duplicated task finds it sent
    and does nothing. The cost of that guarantee: a mail server error leaves
    the delivery "failed" rather than retrying it. ``may_use`` is asked again
    under the customer's row lock, so a withdrawal made after the customer
    was selected is honoured.
    """
    from portal.kernel.emails import send_templated_email

    # Anything that can fail for a reason other than the mail server fails here,
    # before the claim, and leaves the delivery pending for the next run.
    consent_path = reverse("consent:dashboard")
    with transaction.atomic():
        delivery = (
            MarketingDelivery.objects.select_for_update()
            .select_related("campaign")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != MarketingDelivery.Status.PENDING:
            return False
        subject = _lock_subject(delivery.subject)
        if not (subject.is_active and may_use(subject, MARKETING)):
            delivery.status = MarketingDelivery.Status.SKIPPED
            delivery.save(update_fields=["status"])
            return False
        delivery.status = MarketingDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["status", "sent_at"])
    try:
        send_templated_email(
            to=subject.email,
            template="consent_marketing",
            context={"consent_path": consent_path},
            language=subject.language,
        )
    except OSError:  # smtplib's errors included
        logger.exception("marketing mail %s could not be sent", delivery_id)
        MarketingDelivery.objects.filter(pk=delivery_id).update(
            status=MarketingDelivery.Status.FAILED
        )
        return False
    return True
