"""The vocabularies of rights requests, shared by models, workflow and deadlines."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Regime(models.TextChoices):
    APPI = "appi", _("APPI (Japan)")
    GDPR = "gdpr", _("GDPR (EU)")
    CCPA = "ccpa", _("CCPA / CPRA (California)")


class Kind(models.TextChoices):
    DISCLOSURE = "disclosure", _("Disclosure")
    CORRECTION = "correction", _("Correction")
    STOP_USE = "stop_use", _("Stop of use")
    STOP_PROVISION = "stop_provision", _("Stop of provision to third parties")
    DELETION = "deletion", _("Deletion")
    PURPOSE_NOTICE = "purpose_notice", _("Notice of purposes of use")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    AGENT = "agent", _("Agent (on the person's behalf)")
    MAIL = "mail", _("Letter, entered by staff")
    PHONE = "phone", _("Phone call, entered by staff")
    IN_PERSON = "in_person", _("In person, entered by staff")
    API = "api", _("Another company system, through the API")


class DeliveryMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic download")
    PAPER = "paper", _("Paper by post")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting identity verification")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_CUSTOMER = "awaiting_customer", _("Waiting for more information")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    PARTIALLY_COMPLETED = "partially_completed", _("Partially completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("request status", "Withdrawn")
    EXPIRED = "expired", _("Expired")


class PauseReason(models.TextChoices):
    VERIFICATION = "verification", _("Waiting for identity verification")
    PAYMENT = "payment", _("Waiting for payment")
    CUSTOMER = "customer", _("Waiting for the customer")


class RejectionGround(models.TextChoices):
    IDENTITY = "identity", _("Identity or authority could not be confirmed (APPI 37, GDPR 12(6))")
    HARM = (
        "harm",
        _(
            "Risk of harm to the life, body, property or other rights of the person or others "
            "(APPI 33(2)(i))"
        ),
    )
    BUSINESS = "business", _("Serious hindrance to the proper conduct of business (APPI 33(2)(ii))")
    OTHER_LAW = "other_law", _("Would violate another law (APPI 33(2)(iii))")
    ACCURATE = "accurate", _("The data is accurate: no correction is due (APPI 34(1), GDPR 16)")
    NO_GROUND = (
        "no_ground",
        _(
            "No legal ground to stop use, erase or stop provision "
            "(APPI 35, GDPR 17(1), 18(1), 21(1))"
        ),
    )
    UNFOUNDED = "unfounded", _("Manifestly unfounded or excessive (GDPR 12(5), CCPA)")
    RETENTION = (
        "retention",
        _(
            "The data must be kept by law or for legal claims "
            "(APPI 35 proviso, GDPR 17(3), CCPA §1798.105(d))"
        ),
    )
    # Only for the person's third or later request to know in 12 months (rights.know_limit).
    REPEATED_KNOW = "repeated_know", _("More than twice in 12 months (CCPA §1798.130(b))")
    OTHER = "other", _("Other (explained in the reason)")


#: Grounds that may refuse any kind of request.
_ANY_KIND = frozenset({RejectionGround.IDENTITY, RejectionGround.UNFOUNDED, RejectionGround.OTHER})
#: APPI 32(2) and 33(2): harm, serious hindrance to business, another law.
_APPI_33_2 = frozenset({RejectionGround.HARM, RejectionGround.BUSINESS, RejectionGround.OTHER_LAW})

#: The grounds a refusal of each kind may rest on.
REJECTION_GROUNDS = {
    # CCPA §1798.130(b): a request to know is a disclosure; for the request's own
    # condition (the third in 12 months) see rights.know_limit.
    Kind.DISCLOSURE: _ANY_KIND | _APPI_33_2 | {RejectionGround.REPEATED_KNOW},
    Kind.PURPOSE_NOTICE: _ANY_KIND | _APPI_33_2,
    # APPI 34(1), GDPR 16: only where the content is untrue.
    Kind.CORRECTION: _ANY_KIND | {RejectionGround.ACCURATE},
    # APPI 35, GDPR 18(1) and 21(1): the conditions for stopping are not met.
    Kind.STOP_USE: _ANY_KIND | {RejectionGround.NO_GROUND},
    Kind.STOP_PROVISION: _ANY_KIND | {RejectionGround.NO_GROUND},
    # APPI 35, GDPR 17(1): no ground to erase; APPI 35(2), (6) proviso, GDPR 17(3),
    # CCPA §1798.105(d): a duty or claim to keep.
    Kind.DELETION: _ANY_KIND | {RejectionGround.NO_GROUND, RejectionGround.RETENTION},
}


#: Grounds that only some regimes' laws give. The APPI's grounds of art. 33(2) refuse
#: any request: the company is a business in Japan, whatever law the person is also under.
_ONLY_UNDER = {
    RejectionGround.UNFOUNDED: frozenset({Regime.GDPR, Regime.CCPA}),  # GDPR 12(5), CCPA
    # A CCPA deletion, opt-out or limit is owed on request (§1798.105, .120, .121): it
    # needs no ground, so the want of one refuses none. A duty to keep (RETENTION) may
    # refuse a deletion under every law: APPI 35(2), (6) proviso, GDPR 17(3), CCPA
    # §1798.105(d).
    RejectionGround.NO_GROUND: frozenset({Regime.APPI, Regime.GDPR}),
    RejectionGround.REPEATED_KNOW: frozenset({Regime.CCPA}),  # CCPA §1798.130(b)
}


#: A ground as the person is told it, where its label (for staff) names the articles of
#: more than one regime: only their own request's law (LEGAL.md).
_TOLD_GROUNDS = {
    (RejectionGround.IDENTITY, Regime.APPI): _(
        "Identity or authority could not be confirmed (APPI 37)"
    ),
    (RejectionGround.IDENTITY, Regime.GDPR): _(
        "Identity or authority could not be confirmed (GDPR 12(6))"
    ),
    (RejectionGround.IDENTITY, Regime.CCPA): _(
        "Identity or authority could not be confirmed (CCPA §7060-7062)"
    ),
    (RejectionGround.ACCURATE, Regime.APPI): _(
        "The data is accurate: no correction is due (APPI 34(1))"
    ),
    (RejectionGround.ACCURATE, Regime.GDPR): _(
        "The data is accurate: no correction is due (GDPR 16)"
    ),
    (RejectionGround.ACCURATE, Regime.CCPA): _("The data is accurate: no correction is due"),
    (RejectionGround.NO_GROUND, Regime.GDPR): _(
        "No legal ground to stop use, erase or stop provision (GDPR arts. 17(1), 18(1) and 21)"
    ),
    (RejectionGround.UNFOUNDED, Regime.GDPR): _("Manifestly unfounded or excessive (GDPR 12(5))"),
    (RejectionGround.UNFOUNDED, Regime.CCPA): _("Manifestly unfounded or excessive (CCPA)"),
    (RejectionGround.NO_GROUND, Regime.APPI): _(
        "No legal ground to stop use, erase or stop provision (APPI 35)"
    ),
    # No longer a ground under the CCPA: what a request refused on it before was told.
    (RejectionGround.NO_GROUND, Regime.CCPA): _(
        "No legal ground to stop use, erase or stop provision (APPI 35)"
    ),
    # APPI 35(2), (6) proviso: erasing is "difficult" where another law obliges the
    # business to keep the data (PPC guidelines, general rules 3-8-5-1).
    (RejectionGround.RETENTION, Regime.APPI): _(
        "Another law obliges us to keep the data, so it cannot be erased (APPI 35(2), (6) proviso)"
    ),
    (RejectionGround.RETENTION, Regime.GDPR): _(
        "The data must be kept by law or for legal claims (GDPR 17(3))"
    ),
    (RejectionGround.RETENTION, Regime.CCPA): _(
        "The data must be kept under an exception to deletion, such as completing the "
        "transaction, security, a legal obligation or other internal lawful uses "
        "(CCPA §1798.105(d))"
    ),
}

#: Where the article depends on the kind too: GDPR 17(1) for erasure, 18(1) and 21(1)
#: for a stop.
_TOLD_FOR_KIND = {
    (RejectionGround.NO_GROUND, Regime.GDPR, Kind.DELETION): _(
        "None of the grounds for erasure applies (GDPR 17(1))"
    ),
    (RejectionGround.NO_GROUND, Regime.GDPR, Kind.STOP_USE): _(
        "None of the grounds for restriction applies, and no objection outweighs our "
        "compelling legitimate grounds (GDPR 18(1), 21(1))"
    ),
    (RejectionGround.NO_GROUND, Regime.GDPR, Kind.STOP_PROVISION): _(
        "None of the grounds for restriction applies, and no objection outweighs our "
        "compelling legitimate grounds (GDPR 18(1), 21(1))"
    ),
}


def told_ground(ground: str, regime: str, kind: str = "") -> str:
    """The legal ground of a refusal of a request of ``kind`` as the person under
    ``regime`` is told it: in their own law's words. A ground stored before it stopped
    being one under ``regime`` reads as it was told then."""
    told = _TOLD_FOR_KIND.get((ground, regime, kind)) or _TOLD_GROUNDS.get((ground, regime))
    return str(told or RejectionGround(ground).label)


def rejection_grounds(kind: str, regime: str) -> frozenset:
    """The grounds that may refuse a request of ``kind`` under ``regime``: the person is
    told the ground, and its law must be one they are under."""
    return frozenset(
        ground
        for ground in REJECTION_GROUNDS.get(kind, _ANY_KIND)
        if regime in _ONLY_UNDER.get(ground, (regime,))
    )


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    EXTENSION = "extension", _("Deadline extended")
    ASSIGNMENT = "assignment", _("Assignment")
    REGIME = "regime", _("Legal regime changed")
    ACKNOWLEDGED = "acknowledged", _("Receipt confirmed")
    UNFOUNDED = "unfounded", _("Marked manifestly unfounded or excessive")
    FEE = "fee", _("Fee")
    CORRECTION = "correction", _("Correction decided")
    STOP = "stop", _("Stop of use or provision decided")


# Kinds the law lets the company charge for (APPI art. 38: notice of purposes
# and disclosure, incl. the records of third-party provision). Correction,
# stop-use, stop-provision and deletion are never charged, under any regime.
CHARGEABLE_KINDS = frozenset({Kind.DISCLOSURE, Kind.PURPOSE_NOTICE})


class FeeBasis(models.TextChoices):
    PUBLISHED = "published", _("Published fee (APPI art. 38)")
    UNFOUNDED = "unfounded", _("Manifestly unfounded or excessive request (GDPR 12(5), CCPA)")
    FURTHER_COPY = "further_copy", _("Further copy (GDPR 15(3))")


#: For staff working a request: the article its own law gives on a manifestly unfounded
#: or excessive request (the APPI has none: its fee is the published one, art. 38).
UNFOUNDED_ARTICLE = {
    Regime.GDPR: _("GDPR art. 12(5)"),
    Regime.CCPA: _("CCPA §1798.145(h)(3)"),
}


def basis_label(basis: str, regime: str) -> str:
    """A fee's basis for staff working a request under ``regime``, naming only that
    law's article; empty when there is no basis."""
    if not basis:
        return ""
    if basis == FeeBasis.UNFOUNDED and regime in UNFOUNDED_ARTICLE:
        return str(_("Manifestly unfounded or excessive request (%(article)s)")) % {
            "article": UNFOUNDED_ARTICLE[regime]
        }
    return str(FeeBasis(basis).label)


#: For staff working a correction: the article of its own law.
CORRECTION_ARTICLE = {
    Regime.APPI: _("APPI art. 34"),
    Regime.GDPR: _("GDPR art. 16"),
    Regime.CCPA: _("CCPA §1798.106"),
}


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CONVENIENCE_STORE = "konbini", _("Convenience store")
    POSTAL_MONEY_ORDER = "postal_order", _("Postal money order")
    CARD = "card", _("Card (online)")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    WAIVED = "waived", _("Waived")
    REFUNDED = "refunded", _("Refunded")
    EXPIRED = "expired", _("Expired unpaid")
    CANCELLED = "cancelled", _("Cancelled")
