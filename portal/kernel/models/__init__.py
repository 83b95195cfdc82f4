"""The kernel's models, one job per module, all importable from ``portal.kernel.models``.

- :mod:`.accounts`  the user model (e-mail login, sessions) and the customer's profile
- :mod:`.devices`   one-time-password devices: e-mailed codes, authenticator apps
- :mod:`.audit`     the append-only, hash-chained audit trail
- :mod:`.services`  the company's services and the customers' registrations
- :mod:`.outbox`    the transactional outbox's messages
- :mod:`.jobs`      scheduled jobs' claims on their periods
- :mod:`.api`       the API's clients, keys and callback deliveries

Django finds a package's models through what this module imports, and old
migrations name some of these classes by this path (``UserManager``,
``StepUpThrottlingMixin``), so every class stays re-exported here. The
company's business records (usage, invoices, payment methods, inquiries) are
the ``portal.records`` app's.
"""

from .accounts import Profile, SessionsEndedReason, User, UserManager
from .api import ApiClient, ApiKey, CallbackAttempt, CallbackDelivery
from .audit import AuditEvent, AuditEventQuerySet
from .devices import CustomerEmailDevice, CustomerTOTPDevice, StepUpThrottlingMixin
from .jobs import ScheduledRun
from .outbox import OutboxMessage
from .services import Service, ServiceRegistration

__all__ = [
    "ApiClient",
    "ApiKey",
    "CallbackAttempt",
    "CallbackDelivery",
    "AuditEvent",
    "AuditEventQuerySet",
    "CustomerEmailDevice",
    "CustomerTOTPDevice",
    "OutboxMessage",
    "Profile",
    "ScheduledRun",
    "Service",
    "ServiceRegistration",
    "SessionsEndedReason",
    "StepUpThrottlingMixin",
    "User",
    "UserManager",
]
