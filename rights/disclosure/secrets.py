"""What is held about a person but never disclosed (CCPA regs §7024(d)).

A response to a request to know never discloses a password, a security
credential or an identification number, and tells the person, with sufficient
particularity, that the business holds that kind of information. The package
and the "my data" page list each kind held for this person, without its value
(a stored card is not one: the portal holds no card number, and its brand, last
four digits and expiry are disclosed):
this portal's own (:func:`held_here`) and what connected systems name in a
record's ``withheld`` (:func:`held_elsewhere`, docs/connectors.md).

The reason is given under the law of the request: §7024(d) for the CCPA,
APPI art. 33(2)(i) (harm to the person's rights and interests) and GDPR art.
15(4), never another regime's article.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.registry import Category
from rights.choices import Regime
from rights.requesters.models import IdentityDocument

PASSWORD, AUTHENTICATOR, IDENTITY_DOCUMENT = ("password", "authenticator", "identity_document")


@dataclass(frozen=True)
class HeldSecret:
    """One kind of data held but not disclosed, in the active language."""

    #: A code: one of this module's kinds, or the field name a system gave.
    kind: str
    data: str
    reason: str
    #: The connected system that holds it; empty for this portal.
    system: str = ""


def reason_text(regime: str | None) -> str:
    """Why it is not disclosed, under ``regime`` (None: a page, no request)."""
    if regime == Regime.CCPA:
        return _("Not disclosed, for your security (CCPA regs §7024(d)).")
    if regime == Regime.GDPR:
        return _("Not disclosed, for your security and that of others (GDPR art. 15(4)).")
    if regime == Regime.APPI:
        return _(
            "Not disclosed: disclosing it could harm your rights and interests "
            "(APPI art. 33(2)(i))."
        )
    return _("Not shown, for your security.")


def held_here(
    subject, regime: str | None, categories: tuple[Category, ...] = tuple(Category)
) -> list[HeldSecret]:
    """The kinds this portal holds for ``subject`` and never discloses; only those held,
    and only of ``categories`` (a request to know some kinds of data is told of their
    secrets only): the account's password and authenticator, the documents sent with
    requests. A stored card is not among them: its number is the payment provider's,
    and what is held of it (brand, last four digits, expiry) is disclosed."""
    if subject is None:
        return []
    reason = reason_text(regime)
    held = []
    account = Category.ACCOUNT in categories
    if account and subject.has_usable_password():
        held.append(HeldSecret(PASSWORD, _("An account password"), reason))
    if account and TOTPDevice.objects.filter(user=subject, confirmed=True).exists():
        held.append(HeldSecret(AUTHENTICATOR, _("An authenticator app (its secret key)"), reason))
    documents = IdentityDocument.objects.filter(request__subject=subject, destroyed_at=None)
    if Category.REQUESTS in categories and documents.exists():
        held.append(
            HeldSecret(
                IDENTITY_DOCUMENT,
                _("The contents of identity documents you sent (such as document numbers)"),
                reason,
            )
        )
    return held


#: The secret fields a connected system may name (``rights.connectors.source.SECRET_FIELDS``
#: and the usual ``withheld``), in words: the person reads what kind is held, not a field.
FIELD_WORDS = {
    "password": gettext_lazy("A password"),
    "password_hash": gettext_lazy("A password"),
    "security_answer": gettext_lazy("The answer to a security question"),
    "ssn": gettext_lazy("A Social Security number"),
    "social_security_number": gettext_lazy("A Social Security number"),
    "my_number": gettext_lazy("An Individual Number (My Number)"),
    "card_number": gettext_lazy("A payment card number"),
    "cvv": gettext_lazy("A payment card's security code"),
}


def _words(name: str, answer: dict) -> str:
    """A withheld field in words: a known secret's kind, else the label the system's
    answer gives it (``rights.connectors.source.labelled``), else its name."""
    if name in FIELD_WORDS:
        return str(FIELD_WORDS[name])
    return str((answer.get("labels") or {}).get(name) or name)


def held_elsewhere(external: list[dict], regime: str | None) -> list[HeldSecret]:
    """The fields connected systems hold and do not disclose: each record's ``withheld``
    (``rights.connectors.source.undisclosed``), once per system and field."""
    reason = reason_text(regime)
    held = []
    for answer in external:
        names = dict.fromkeys(
            name for record in answer["records"] for name in record.get("withheld") or ()
        )
        held += [
            HeldSecret(name, _words(name, answer), reason, system=answer["system"])
            for name in names
        ]
    return held
