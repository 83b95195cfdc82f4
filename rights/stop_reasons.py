"""Which stops rest on the customer's consent, and so need no reason.

A use for an optional purpose (one the consent page offers to switch off) and
provision to a recipient that receives data only with the customer's consent (an
affiliate or a third party, APPI art. 27(1): ``Recipient.needs_consent``) end when
the customer withdraws that consent, and a withdrawal needs no reason: the privacy
policy promises it, and GDPR art. 21(2)-(3) lets a person object to direct
marketing without grounds. Every other stop rests on the grounds of APPI art. 35,
which the customer states; "everything" includes those. The stop forms and the
request's working page both ask here, so they cannot disagree.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from consent.models import Recipient
from consent.selectors import active_recipients, optional_purposes
from portal.kernel.wording import listed

from .choices import Kind, Regime


def consent_recipients() -> list[Recipient]:
    """The active recipients that receive data only with the customer's consent."""
    return [recipient for recipient in active_recipients() if recipient.needs_consent]


def consent_targets(kind: str) -> set[str]:
    """The targets of a stop of ``kind`` that rest on consent, as a form posts them:
    purpose codes for a stop of use, recipient ids for a stop of provision."""
    if kind == Kind.STOP_USE:
        return set(optional_purposes().values_list("code", flat=True))
    return {str(recipient.pk) for recipient in consent_recipients()}


def rests_on_consent(kind: str, scope: dict | None) -> bool:
    """Whether a stop of ``kind`` with this ``scope`` stops only what rests on consent:
    not everything, at least one target, and each target resting on consent."""
    scope = scope or {}
    if kind not in (Kind.STOP_USE, Kind.STOP_PROVISION) or scope.get("everything"):
        return False
    chosen = {str(value) for value in scope.get(target_field(kind)) or []}
    return bool(chosen) and chosen <= consent_targets(kind)


def target_field(kind: str) -> str:
    return "purposes" if kind == Kind.STOP_USE else "recipients"


def switch_off_hint(kind: str) -> SafeString | str:
    """For the list of targets on a stop form: what the customer can switch off on
    the consent page at once, without a reason, with a link to that page. Empty
    when nothing can be switched off there."""
    link = format_html('<a href="{}">{}</a>', reverse("consent:dashboard"), _("consent page"))
    if kind == Kind.STOP_USE:
        names = [purpose.title for purpose in optional_purposes()]
        text = _(
            "You can switch off these uses yourself on the %(link)s, at once and "
            "without giving a reason: %(names)s."
        )
    else:
        names = [
            _("%(recipient)s (for: %(uses)s)")
            % {"recipient": recipient.name, "uses": listed(p.title for p in uses)}
            for recipient in consent_recipients()
            if (uses := [p for p in recipient.purposes.all() if p.is_active and not p.is_required])
        ]
        text = _(
            "These recipients receive your data only with your consent: %(names)s. Switch "
            "off those uses on the %(link)s and the provision stops at once, without "
            "giving a reason."
        )
    if not names:
        return ""
    return mark_safe(  # noqa: S308 - every part is escaped here
        conditional_escape(text) % {"link": link, "names": conditional_escape(listed(names))}
    )


#: For staff: why a stop of only what rests on consent came without a reason, citing
#: the request's own law only (APPI: the privacy policy promises it, no article).
NO_REASON_OWED = {
    Regime.APPI: _(
        "None given. This stop covers only what rests on the person's consent, and "
        "withdrawing consent needs no reason."
    ),
    Regime.GDPR: _(
        "None given. This stop covers only what rests on the person's consent, and "
        "withdrawing consent needs no reason (GDPR art. 21(3))."
    ),
    Regime.CCPA: _(
        "None given. This stop covers only what rests on the person's consent, and "
        "withdrawing consent needs no reason (CCPA §1798.120)."
    ),
}

#: For staff deciding a stop: when it applies, under the request's own law.
STOP_APPLIES = {
    Regime.APPI: _(
        "A stop applies at once: the use or provision is refused from the moment you "
        "decide. (APPI art. 35)"
    ),
    Regime.GDPR: _(
        "A stop applies at once: the use or provision is refused from the moment you "
        "decide. (GDPR arts. 18 and 21)"
    ),
    Regime.CCPA: _(
        "A stop applies at once: the use or provision is refused from the moment you "
        "decide. (CCPA §1798.120, §1798.121)"
    ),
}
