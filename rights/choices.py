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
    NO_GROUND = "no_ground", _("No legal ground to stop use, erase or stop provision (APPI 35)")
    UNFOUNDED = "unfounded", _("Manifestly unfounded or excessive (GDPR 12(5), CCPA)")
    RETENTION = "retention", _("The data must be kept by law or for legal claims (GDPR 17(3))")
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
    # APPI 35: the conditions for stopping are not met.
    Kind.STOP_USE: _ANY_KIND | {RejectionGround.NO_GROUND},
    Kind.STOP_PROVISION: _ANY_KIND | {RejectionGround.NO_GROUND},
    # APPI 35, GDPR 17(3): no ground to erase, or a duty or claim to keep.
    Kind.DELETION: _ANY_KIND | {RejectionGround.NO_GROUND, RejectionGround.RETENTION},
}


#: Grounds that only some regimes' laws give. The APPI's grounds refuse any request:
#: the company is a business in Japan, whatever law the person is also under.
_ONLY_UNDER = {
    RejectionGround.UNFOUNDED: frozenset({Regime.GDPR, Regime.CCPA}),  # GDPR 12(5), CCPA
    RejectionGround.RETENTION: frozenset({Regime.GDPR}),  # GDPR 17(3)
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
    (RejectionGround.UNFOUNDED, Regime.GDPR): _("Manifestly unfounded or excessive (GDPR 12(5))"),
    (RejectionGround.UNFOUNDED, Regime.CCPA): _("Manifestly unfounded or excessive (CCPA)"),
}


def told_ground(ground: str, regime: str) -> str:
    """The legal ground of a refusal as the person under ``regime`` is told it."""
    return str(_TOLD_GROUNDS.get((ground, regime), RejectionGround(ground).label))


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
