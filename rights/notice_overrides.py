"""Notice texts staff edit in the admin, and the lookup the notice rendering asks first.

A notice's subject line and body ship as templates (``rights/notice_subject.txt``,
``rights/notice.txt``). The privacy office may replace them per notice and per
language without a deploy: a version is written as a draft, previewed with sample
values, then published; :func:`current_text` is the latest published version, and
the shipped template is used when there is none or the latest is a reset.

An edited text is plain text with placeholders in braces (:data:`PLACEHOLDERS`),
never a template: staff cannot reach data the notice does not already state. The
link to the follow page of a recipient without an account is added after it, as
the shipped text does.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.kernel import zones
from portal.kernel.audit import audit_log
from portal.kernel.personal_data import yen

from .choices import Kind, Regime, RejectionGround
from .models import NoticeText
from .models.notice_texts import RECEIPT_WHILE_IDENTITY_CHECKED

PLACEHOLDERS = {
    "reference": _("the request's number, e.g. R-000123"),
    "kind": _("what was asked, e.g. Disclosure"),
    "regime": _("the law the request is handled under, e.g. GDPR (EU)"),
    "due_date": _("the date we answer by"),
    "reason": _("the reason or the question written by staff"),
    "legal_ground": _("the legal ground of a refusal"),
    "outcome": _("what a correction or a stop changed"),
    "complaint_rights": _("where the person may complain, under the request's law"),
    "fee_amount": _("the fee"),
    "fee_reference": _("the payment reference"),
    "fee_pay_by": _("the date to pay by"),
    "fees_url": _("the page of published fees"),
    "download_url": _("the download link of a disclosure"),
    "page": _("where to read more: the request's page, or the page below"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Notices that state a decision's outcome after their first line.
_WITH_OUTCOME = ("completed", "partially_completed", "rejected")
_SAMPLE_DUE = dt.datetime(2099, 12, 31, 12)
_SAMPLE_PAY_BY = dt.datetime(2099, 11, 30, 12)


#: Notices sent only while the deadline is paused, which therefore have no date to quote:
#: a date written now would be wrong once the wait ends and moves it (GDPR art. 12(3), APPI
#: art. 33(3)). Each with what staff are told when a text of theirs quotes ``{due_date}``.
WITHOUT_DUE_DATE = {
    RECEIPT_WHILE_IDENTITY_CHECKED: _(
        "This notice is sent while the deadline is paused for the identity check, "
        "so it has no date to give: remove {due_date}. The date is told once "
        "identity is confirmed."
    ),
    # Sent as the request starts waiting; under the CCPA the clock runs on (§7021(b)), but
    # one text serves every law, and the shipped one gives no date under any.
    "verification_needed": _(
        "This notice is sent when the request starts waiting for the identity check; "
        "under APPI and the GDPR the deadline is paused until identity is confirmed, so a "
        "date given now would be wrong by then: remove {due_date}."
    ),
    "information_needed": _(
        "This notice is sent when the request starts waiting for the person's answer; "
        "under APPI and the GDPR the deadline is paused until they answer, so a date "
        "given now would be wrong by then: remove {due_date}."
    ),
    "fee_due": _(
        "This notice is sent when the request starts waiting for the fee; under APPI and "
        "the GDPR the deadline is paused until it is paid, so a date given now would be "
        "wrong by then: remove {due_date}."
    ),
}
#: Notices sent while the clock runs or while it waits. Their edited text may quote
#: ``{due_date}``, but is set aside for the shipped text (which words the wait) when the
#: notice is sent while the deadline is paused (:func:`set_aside`).
DUE_DATE_ONLY_WHILE_RUNNING = frozenset({"regime_changed", "extended", "message"})
#: Texts that render a notice's shipped template with something set: (its kind, context).
#: The receipt while identity is checked mostly goes to someone without an account (the
#: public form): its starting point is worded for them.
_SHIPPED_AS = {
    RECEIPT_WHILE_IDENTITY_CHECKED: ("received", {"identity_check": True, "has_account": False})
}


def quotes_due_date(*texts: str) -> bool:
    return any("{due_date}" in text for text in texts)


def check_due_date(kind: str, text: str) -> None:
    """A notice sent only while the deadline is paused quotes no ``{due_date}``: the date
    moves with the wait, and the shipped text says the deadline waits."""
    if kind in WITHOUT_DUE_DATE and quotes_due_date(text):
        raise ValidationError(str(WITHOUT_DUE_DATE[kind]))


def check_placeholders(text: str) -> None:
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            gettext("Unknown placeholder: %(names)s. Use: %(known)s.")
            % {
                "names": ", ".join(f"{{{n}}}" for n in unknown),
                "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
            }
        )


def latest_published(kind: str, language: str) -> NoticeText | None:
    """The version published last for this notice and language (a reset included)."""
    language = (language or settings.LANGUAGE_CODE).split("-")[0]
    return (
        NoticeText.objects.published()
        .filter(kind=kind, language=language)
        .order_by("-published_at", "-version")
        .first()
    )


def current_text(kind: str, language: str) -> NoticeText | None:
    """The published text in use for this notice and language; None: the shipped one."""
    latest = latest_published(kind, language)
    return None if latest is None or latest.reset else latest


def set_aside(text: NoticeText | None, *, paused: bool) -> bool:
    """Whether an edited ``text`` is not used for a notice: one sent while the deadline
    is paused that quotes ``{due_date}``, a date the wait moves. The shipped text, which
    says the deadline is paused, is sent instead."""
    return text is not None and paused and quotes_due_date(text.subject, text.body)


def _page(has_account: bool) -> str:
    if has_account:
        return gettext("the request's page in the portal")
    return gettext("the page below")


def placeholder_values(context: dict) -> dict[str, str]:
    """The placeholders' values for one notice, from the context the shipped template gets.
    Call in the recipient's language."""
    request = context["request"]
    outcome = ""
    if context.get("outcome"):
        outcome = render_to_string("rights/notice_outcome.txt", context).strip()
    return {
        "reference": request.reference,
        "kind": str(request.get_kind_display()),
        "regime": context.get("regime_label") or str(Regime(request.regime).label),
        "due_date": zones.written(context.get("due_at"), "DATE_FORMAT"),
        "reason": context.get("reason", ""),
        "legal_ground": context.get("ground_label", ""),
        "outcome": outcome,
        "complaint_rights": render_to_string("rights/complaint_rights.txt", context).strip(),
        "fee_amount": context.get("fee_amount", ""),
        "fee_reference": context.get("fee_reference", ""),
        "fee_pay_by": zones.written(context.get("fee_pay_by"), "DATE_FORMAT"),
        "fees_url": context.get("fees_url", ""),
        "download_url": context.get("download_url", ""),
        "page": _page(context.get("has_account", True)),
    }


def render_text(
    text: NoticeText,
    values: dict[str, str],
    *,
    follow_url: str = "",
    request_url: str = "",
    closed: bool = False,
) -> tuple[str, str]:
    """(subject line, body) of an edited text with ``values``; call in its language.

    The links the shipped text ends with follow it here too: the request's page for
    someone with an account, the follow page for someone without (worded without the
    form to write to us when the notice ``closed`` the request)."""

    def fill(template: str) -> str:
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)

    body = re.sub(r"\n{3,}", "\n\n", fill(text.body).replace("\r\n", "\n")).strip()
    if request_url:
        body += "\n\n" + gettext("Your request's page:") + "\n" + request_url
    if follow_url:
        body += "\n\n" + (
            gettext(
                "See the request here: its status and our notices. You first confirm your "
                "address with a code we e-mail to you."
            )
            if closed
            else gettext(
                "Follow the request here: its status, our notices, and a form to write to us. "
                "You first confirm your address with a code we e-mail to you."
            )
        )
        body += "\n" + follow_url
    return " ".join(fill(text.subject).split()), body


def sample_values(language: str) -> dict[str, str]:
    """Made-up values for the preview, in ``language``."""
    with translation.override(language):
        context = {
            "request": SimpleNamespace(
                reference="R-000123", get_kind_display=lambda: Kind.DISCLOSURE.label, regime="appi"
            ),
            "due_at": timezone.localtime() + dt.timedelta(days=14),
            "reason": gettext("(The reason or the question you write on the request.)"),
            "ground_label": str(RejectionGround.IDENTITY.label),
            "fee_amount": yen(1000),
            "fee_reference": "F-2026-ABCD",
            "fee_pay_by": timezone.localtime() + dt.timedelta(days=30),
            "fees_url": f"{settings.SITE_URL}{reverse('fees')}",
            "download_url": f"{settings.SITE_URL}/downloads/…/",
            "has_account": True,
        }
        return placeholder_values(context)


def shipped_text(kind: str, language: str) -> tuple[str, str]:
    """The shipped subject and body of a notice with placeholders in place of the
    values: the starting point of an edit."""
    aware = timezone.make_aware
    shipped_kind, shipped_context = _SHIPPED_AS.get(kind, (kind, {}))
    context = {
        "request": SimpleNamespace(
            reference="{reference}", get_kind_display="{kind}", regime="appi"
        ),
        "regime_label": "{regime}",
        "kind": shipped_kind,
        "has_account": True,
        "office_email": settings.PRIVACY_OFFICE_EMAIL,
        "reason": "{reason}",
        "ground": RejectionGround.IDENTITY,
        # A refusal always states its ground; a partial completion only when staff gave one.
        "ground_label": "{legal_ground}" if kind == "rejected" else "",
        "due_at": aware(_SAMPLE_DUE),
        "fee_reference": "{fee_reference}",
        "fee_amount": "{fee_amount}",
        "fee_pay_by": aware(_SAMPLE_PAY_BY),
        "fees_url": "{fees_url}",
        **shipped_context,
    }
    with translation.override(language):
        subject = " ".join(render_to_string("rights/notice_subject.txt", context).split())
        body = render_to_string("rights/notice.txt", context).strip()
        complaint = render_to_string("rights/complaint_rights.txt", context).strip()
        # The sample dates as the text writes them: in its own language.
        due = zones.written(aware(_SAMPLE_DUE), "DATE_FORMAT")
        pay_by = zones.written(aware(_SAMPLE_PAY_BY), "DATE_FORMAT")
    body = body.replace(complaint, "{complaint_rights}")
    body = body.replace(due, "{due_date}").replace(pay_by, "{fee_pay_by}")
    if kind in _WITH_OUTCOME:
        first, _sep, rest = body.partition("\n")
        body = f"{first}\n{{outcome}}\n{rest}"
    return subject, body


def notice_text_save(*, kind: str, language: str, subject: str, body: str, author) -> NoticeText:
    """A new draft version; ValidationError (nothing written) on an unknown placeholder,
    or on a date in a notice sent while the deadline is paused."""
    for text in (subject, body):
        check_placeholders(text)
        check_due_date(kind, text)
    with transaction.atomic():
        # PostgreSQL locks no rows of an aggregate: lock the versions, then count on.
        versions = list(
            NoticeText.objects.select_for_update()
            .filter(kind=kind, language=language)
            .values_list("version", flat=True)
        )
        return NoticeText.objects.create(
            kind=kind,
            language=language,
            subject=subject.strip(),
            body=body.strip(),
            version=max(versions, default=0) + 1,
            author=author,
        )


def note_set_aside(notification, text: NoticeText) -> None:
    """Record that a notice was sent with the shipped text instead of the edited ``text``
    (:func:`set_aside`): on the notice (its context, which the caller saves) and in the
    audit trail, so staff see why their text was not used. Once per text."""
    entry = {"kind": text.kind, "language": text.language, "version": text.version}
    noted = notification.context.get("edited_texts_set_aside", [])
    if entry in noted:
        return
    notification.context = {**notification.context, "edited_texts_set_aside": [*noted, entry]}
    request = notification.request
    audit_log(
        action="notice.edited_text_set_aside",
        target=request,
        subject=request.subject,
        details={**entry, "notice": notification.pk, "reason": "due_date_while_paused"},
    )


def notice_text_publish(*, text: NoticeText, actor, http_request=None) -> NoticeText:
    """Put a draft in use: notices sent from now on read it."""
    with transaction.atomic():
        locked = NoticeText.objects.select_for_update().get(pk=text.pk)
        if locked.published_at is not None:
            raise ValidationError(gettext("This version is already published."))
        locked.published_at, locked.published_by = timezone.now(), actor
        locked.save(update_fields=["published_at", "published_by"])
        audit_log(
            action="notice.text_reset" if locked.reset else "notice.text_published",
            actor=actor,
            target=locked,
            request=http_request,
            details={"kind": locked.kind, "language": locked.language, "version": locked.version},
        )
    text.refresh_from_db()
    return text


def notice_text_reset(*, kind: str, language: str, actor, http_request=None) -> NoticeText:
    """Put the shipped text back in use, as a new (published) version."""
    version = notice_text_save(kind=kind, language=language, subject="", body="", author=actor)
    NoticeText.objects.filter(pk=version.pk).update(reset=True)
    version.refresh_from_db()
    return notice_text_publish(text=version, actor=actor, http_request=http_request)
