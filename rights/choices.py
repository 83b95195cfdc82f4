"""The vocabularies of rights requests, shared by models, workflow and deadlines."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class DeliveryMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic download")
    PAPER = "paper", _("Paper by post")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting identity verification")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting information from you")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    PARTIALLY_COMPLETED = "partially_completed", _("Partially completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
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
    NO_GROUND = "no_ground", _("No legal ground to stop use or provision (APPI 35)")
    UNFOUNDED = "unfounded", _("Manifestly unfounded or excessive (GDPR 12(5), CCPA)")
    RETENTION = "retention", _("The data must be kept by law or for legal claims (GDPR 17(3))")
    OTHER = "other", _("Other (explained in the reason)")


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    EXTENSION = "extension", _("Deadline extended")
    ASSIGNMENT = "assignment", _("Assignment")
    REGIME = "regime", _("Legal regime changed")
    ACKNOWLEDGED = "acknowledged", _("Receipt confirmed")
