"""Where a consent came from, the per-customer lock every consent write takes
first, and the writing of one consent record.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from portal.kernel.audit import client_ip

from ..models import (
    ConsentRecord,
    PolicyVersion,
    Purpose,
)

User = get_user_model()

Action = ConsentRecord.Action
Method = ConsentRecord.Method


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


def lock_subject(subject):
    """Serialise consent writes per customer (see the module docstring)."""
    return User.objects.select_for_update().get(pk=subject.pk)


def write_record(
    *,
    subject,
    action: str,
    method: str,
    evidence: Evidence,
    purpose: Purpose | None = None,
    policy_version: PolicyVersion | None = None,
    recorded_by=None,
    note: str = "",
    with_opt_out_signal: bool = False,
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
        with_opt_out_signal=with_opt_out_signal,
    )
