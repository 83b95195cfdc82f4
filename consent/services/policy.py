"""The privacy policy: saving a version, and a customer's acceptance, refusal
or notice of it.
"""

from __future__ import annotations

from django.db import transaction

from portal.kernel.audit import audit_log

from .. import selectors
from ..models import (
    ConsentRecord,
    PolicyVersion,
)
from .evidence import Action, Evidence, Method, lock_subject, write_record


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
        subject = lock_subject(subject)
        if selectors.policy_acceptance(subject, version) is not None:
            return None
        record = write_record(
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
        subject = lock_subject(subject)
        record = write_record(
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
        return write_record(
            subject=subject,
            policy_version=version,
            action=Action.NOTICE_SHOWN,
            method=method,
            evidence=Evidence.from_request(request),
        )
