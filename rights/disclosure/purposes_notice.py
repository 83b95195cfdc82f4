"""The notice of purposes of use (APPI Art. 32(2)): what this customer's data is used for.

For each purpose of use: what it is, its legal basis, the kinds of data it
uses, who may receive data for it, and whether the customer's data is used
for it today and why (necessary for the service, consent given on a day,
consent withdrawn, a stop of use). Whether it is used is asked of
:func:`consent.services.may_use`, the one answer the rest of the portal
obeys; the consent records and restrictions only explain it. Then the
restrictions in force, the privacy policy and the company's contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from consent import selectors
from consent.models import ConsentRecord
from consent.services import may_use
from portal.kernel import zones
from portal.kernel.company import CompanyContact
from portal.kernel.registry import Category

from .report import RecipientInfo, recipients_for, stylesheet
from .scope import customer_language, customer_name, in_language


@dataclass
class PurposeLine:
    purpose: Any
    categories: list[str]
    recipients: list[str]
    #: True, False, or None for a person the company holds no data about.
    in_use: bool | None
    #: Why, in the customer's language.
    reason: str


@dataclass
class PurposeNotice:
    request: Any
    subject: Any
    generated_at: dt.datetime
    purposes: list[PurposeLine]
    restrictions: list[Any]
    recipients: list[RecipientInfo]
    policy: Any  # consent.selectors.PolicyStatus, or None without a subject

    @property
    def contact(self) -> CompanyContact:
        return CompanyContact()


def _day(moment) -> str:
    """The day of ``moment`` in the request's zone (the active one), with its name."""
    return zones.written(moment, "DATE_FORMAT")


def _reason(purpose, *, in_use: bool, choice, stops: list) -> str:
    """Why the customer's data is or is not used for ``purpose`` (``in_use`` decides)."""
    stop = next((s for s in stops if s.purpose_id in (None, purpose.pk)), None)
    if not in_use and stop is not None:
        if stop.purpose_id is None:
            return gettext("Not used: all use of your data is stopped since %(date)s.") % {
                "date": _day(stop.starts_at)
            }
        return gettext("Not used: its use is stopped since %(date)s.") % {
            "date": _day(stop.starts_at)
        }
    if purpose.is_required:
        return gettext("Used: necessary for the services you use (%(basis)s).") % {
            "basis": purpose.get_legal_basis_display()
        }
    if choice is None:
        return gettext("Not used: you have not given your consent.")
    date = _day(choice.created_at)
    if in_use and choice.action == ConsentRecord.Action.GRANTED:
        return gettext("Used with your consent, given on %(date)s.") % {"date": date}
    if choice.action == ConsentRecord.Action.WITHDRAWN:
        return gettext("Not used: you withdrew your consent on %(date)s.") % {"date": date}
    if choice.action == ConsentRecord.Action.DECLINED:
        return gettext("Not used: you declined on %(date)s.") % {"date": date}
    return gettext("Not used.")


def build_notice(rights_request, subject) -> PurposeNotice:
    """The notice's content; a few queries per purpose, and purposes are few."""
    labels = dict(Category.choices)
    purposes = list(selectors.active_purposes().prefetch_related("recipients"))
    choices = selectors.current_choices(subject) if subject is not None else {}
    restrictions = list(selectors.restrictions_in_force_for(subject)) if subject else []
    stops = [r for r in restrictions if r.scope == "use"]
    lines = []
    for purpose in purposes:
        in_use = may_use(subject, purpose) if subject is not None else None
        lines.append(
            PurposeLine(
                purpose=purpose,
                categories=[str(labels[c]) for c in purpose.data_categories if c in labels],
                recipients=[r.name for r in purpose.recipients.all() if r.is_active],
                in_use=in_use,
                reason=(
                    _reason(purpose, in_use=in_use, choice=choices.get(purpose.pk), stops=stops)
                    if subject is not None
                    else ""
                ),
            )
        )
    return PurposeNotice(
        request=rights_request,
        subject=subject,
        generated_at=timezone.now(),
        purposes=lines,
        restrictions=restrictions,
        recipients=recipients_for(subject) if subject is not None else [],
        policy=selectors.policy_status(subject) if subject is not None else None,
    )


def notice_json(notice: PurposeNotice) -> dict:
    request = notice.request
    policy = notice.policy
    return {
        "format": "rights-portal/purpose-notice",
        "version": 1,
        "request": {
            "reference": request.reference,
            "kind": request.kind,
            "regime": request.regime,
            "received_at": request.received_at,
        },
        "generated_at": notice.generated_at,
        "company": notice.contact.as_dict(),
        "purposes": [
            {
                "code": line.purpose.code,
                "title": line.purpose.title,
                "description": line.purpose.description,
                "legal_basis": line.purpose.legal_basis,
                "legal_basis_text": line.purpose.get_legal_basis_display(),
                "required": line.purpose.is_required,
                "categories": line.purpose.data_categories,
                "recipients": line.recipients,
                "used_for_you": line.in_use,
                "why": line.reason,
            }
            for line in notice.purposes
        ],
        "restrictions": [
            {
                "scope": r.scope,
                "scope_text": r.get_scope_display(),
                "purpose": r.purpose.code if r.purpose else None,
                "recipient": r.recipient.name if r.recipient else None,
                "since": r.starts_at,
                "until": r.ends_at,
            }
            for r in notice.restrictions
        ],
        "recipients": [
            {
                "name": info.recipient.name,
                "kind": info.recipient.kind,
                "country": info.recipient.country,
                "purposes": info.purposes,
                "provision_stopped": info.stopped,
            }
            for info in notice.recipients
        ],
        "privacy_policy": {
            "current": policy.current.version if policy and policy.current else None,
            "accepted": policy.accepted.version if policy and policy.accepted else None,
        },
    }


def render_notice(
    notice: PurposeNotice, *, language: str, stylesheet_url: str | None = None
) -> str:
    """The notice as one HTML document; call with the customer's language active."""
    return render_to_string(
        "rights/disclosure/notice.html",
        {
            "notice": notice,
            "req": notice.request,
            "generated_at": notice.generated_at,
            "law": gettext(
                "Notice of the purposes of use of retained personal data, APPI Art. 32(2)"
            ),
            "language": language,
            "customer_name": customer_name(notice.subject),
            "contact": notice.contact,
            "privacy_url": settings.SITE_URL + reverse("consent:privacy"),
            "stylesheet_url": stylesheet_url,
            "inline_css": "" if stylesheet_url else stylesheet(),
        },
    )


def iter_notice_html(rights_request, *, stylesheet_url: str | None = None) -> Iterator[str]:
    """The notice of ``rights_request`` for the printable view, in the customer's language."""
    language = customer_language(rights_request)

    def chunks():
        notice = build_notice(rights_request, rights_request.subject)
        yield render_notice(notice, language=language, stylesheet_url=stylesheet_url)

    return in_language(language, chunks(), rights_request.zone)
