"""The rights app's models, one module per job; ``from rights.models import X`` reads all.

* :mod:`.requests`: the request and the pauses of its clock;
* :mod:`.thread`: its timeline events, message thread and notices;
* :mod:`.fees`: published fees, payments and payment-provider events;
* :mod:`.api`: requests filed by the company's other systems through the API.

Status and deadlines change only through :mod:`rights.workflow`; these models
hold fields, constraints and help texts.
"""

# Disclosure packages and their delivery (rights.disclosure), requests without
# an account and by agents (rights.requesters), and retention rules, legal holds,
# deferred erasures, runs and the erasure ledger (rights.retention) live in their
# own modules; importing them here makes them rights models.
from ..connectors.models import ExternalSystem, HeldDecision, SystemTask  # noqa: F401
from ..disclosure.models import DisclosureDelivery, DisclosurePackage, WithheldRecord  # noqa: F401
from ..requesters.models import (  # noqa: F401
    EmailConfirmation,
    IdentityDocument,
    RequestIdentity,
)
from ..retention.models import (  # noqa: F401
    AccountClosure,
    DeferredErasure,
    ErasureLedgerEntry,
    LegalHold,
    RetentionRule,
    RetentionRun,
)
from .api import ApiFiling
from .fees import FeeSchedule, FeeScheduleQuerySet, Payment, PaymentEvent
from .notice_texts import NoticeText
from .organisations import Organisation, OrganisationMember
from .requests import (
    OPEN_STATUSES,
    PAUSED_STATUSES,
    RequestPause,
    RightsRequest,
    RightsRequestQuerySet,
    _default_regime,
    private_storage,
)
from .thread import RequestEvent, RequestMessage, RequestNotification, _attachment_path

__all__ = [
    "NoticeText",
    "Organisation",
    "OrganisationMember",
    "OPEN_STATUSES",
    "PAUSED_STATUSES",
    "AccountClosure",
    "ApiFiling",
    "DeferredErasure",
    "DisclosureDelivery",
    "DisclosurePackage",
    "EmailConfirmation",
    "ExternalSystem",
    "HeldDecision",
    "SystemTask",
    "ErasureLedgerEntry",
    "FeeSchedule",
    "FeeScheduleQuerySet",
    "IdentityDocument",
    "LegalHold",
    "Payment",
    "PaymentEvent",
    "RequestEvent",
    "RequestIdentity",
    "RequestMessage",
    "RequestNotification",
    "RequestPause",
    "RetentionRule",
    "RetentionRun",
    "RightsRequest",
    "RightsRequestQuerySet",
    "_attachment_path",
    "_default_regime",
    "private_storage",
]
