"""Customers' consents to the optional purposes: their own choices, the
choices made at sign-up, and consents given on paper and entered by staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from portal.kernel.audit import audit_log

from .. import selectors
from ..models import (
    ConsentRecord,
    PolicyVersion,
    Purpose,
)
from .evidence import Action, Evidence, Method, lock_subject, write_record


def consent_update(
    *,
    subject,
    choices: dict[Purpose, bool],
    method: str,
    request=None,
    evidence: Evidence | None = None,
    actor=None,
    note: str = "",
    with_opt_out_signal: bool = False,
) -> list[ConsentRecord]:
    """Grant or withdraw optional purposes, all at once; only changes are recorded.

    ``choices`` maps each purpose to True (granted) or False (withdrawn). A
    purpose whose current state already matches gets no new record, so
    submitting the same form twice is harmless. Required purposes cannot be
    withdrawn here (a stop-use request does that) and raise ValueError.
    ``note`` goes on each new record, and ``with_opt_out_signal``: the browser sent
    the opt-out preference signal with the choices. Returns the new records.
    """
    evidence = evidence or Evidence.from_request(request)
    for purpose in choices:
        if purpose.is_required or not purpose.is_active:
            raise ValueError(f"Purpose {purpose.code!r} cannot be chosen by the customer.")
    with transaction.atomic():
        subject = lock_subject(subject)
        current = selectors.current_choices(subject)
        created = []
        for purpose, granted in choices.items():
            latest = current.get(purpose.pk)
            was_granted = latest.action == Action.GRANTED if latest else purpose.is_opt_out
            if granted == was_granted:
                continue
            created.append(
                write_record(
                    subject=subject,
                    purpose=purpose,
                    action=Action.GRANTED if granted else Action.WITHDRAWN,
                    method=method,
                    evidence=evidence,
                    note=note,
                    with_opt_out_signal=with_opt_out_signal,
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
                write_record(
                    subject=subject,
                    policy_version=policy_version,
                    action=Action.GRANTED,
                    method=Method.SIGNUP,
                    evidence=evidence,
                )
            )
        for purpose, granted in purposes.items():
            records.append(
                write_record(
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
) -> tuple[ConsentRecord, bool]:
    """Enter a consent or withdrawal the customer gave on a paper form: (the record,
    whether it is new).

    Staff never edit records: a paper form becomes a new record with method
    "staff on paper", the member of staff as ``recorded_by`` and ``note``
    saying where the form is filed. Exactly one of ``purpose`` or
    ``policy_version`` is given; a required purpose cannot be withdrawn here.
    The same form entered again (the customer's latest record about it is
    this paper form: same choice, language and note), as a double submit does,
    is the record already made.
    """
    if (purpose is None) == (policy_version is None):
        raise ValueError("Give exactly one of purpose or policy_version.")
    if purpose is not None and purpose.is_required:
        raise ValueError("Required purposes are stopped by a restriction, not by consent.")
    if policy_version is not None and not policy_version.is_effective:
        raise ValueError("This policy version is not in force yet.")
    action = Action.GRANTED if granted else Action.WITHDRAWN
    with transaction.atomic():
        subject = lock_subject(subject)
        latest = (
            ConsentRecord.objects.filter(
                subject=subject, purpose=purpose, policy_version=policy_version
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is not None and (
            latest.method,
            latest.action,
            latest.language,
            latest.note,
        ) == (Method.STAFF_PAPER, action, language, note):
            return latest, False
        record = write_record(
            subject=subject,
            purpose=purpose,
            policy_version=policy_version,
            action=action,
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
    return record, True
