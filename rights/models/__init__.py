"""The rights app's models, one module per job; ``from rights.models import X`` reads all.

* :mod:`.requests`: the request and the pauses of its clock;
* :mod:`.thread`: its timeline events, message thread and notices;
* :mod:`.fees`: published fees, payments and payment-provider events.

Status and deadlines change only through :mod:`rights.workflow`; these models
hold fields, constraints and help texts.
"""

# Disclosure packages and their delivery (rights.disclosure), requests without
# an account and by agents (rights.requesters), and retention rules, legal holds,
# deferred erasures, runs and the erasure ledger (rights.retention) live in their
# own modules; importing them here makes them rights models.
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
from .fees import FeeSchedule, FeeScheduleQuerySet, Payment, PaymentEvent
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
    "Organisation",
    "OrganisationMember",
    "OPEN_STATUSES",
    "PAUSED_STATUSES",
    "AccountClosure",
    "DeferredErasure",
    "DisclosureDelivery",
    "DisclosurePackage",
    "EmailConfirmation",
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
