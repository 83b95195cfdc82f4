"""The personal-data registry: what the company holds about a customer, and where.

The package, by job: ``fields`` (categories, declared fields, records),
``sources`` (the Source interface), ``model_source`` (a model as a source),
``engine`` (the Registry and its one instance ``registry``), ``versions``
(a version of a subject's data, for caches), ``checks`` (the system checks of
the declarations). Everything is imported from here. The
view of one subject's data the pages show is in ``portal.kernel.subject_view``.

Every right the portal offers works through this one registry: "my data", the
staff subject lookup, disclosure packages, correction, deletion and the
retention sweep all loop over its sources instead of knowing the models.

Declaring data
--------------
Each app declares its personal data in ``<app>/personal_data.py``, imported at
start-up by :meth:`Registry.autodiscover` (like ``admin.py``; the kernel's
``AppConfig.ready`` calls it)::

    from portal.kernel.registry import Category, ModelSource, PersonalField, registry

    registry.register(
        ModelSource(
            model=UsageRecord,
            subject_path="user",           # from a row to the customer
            service_path="service",        # from a row to its portal.Service
            retention="usage-log",         # the retention rule it falls under
            erasure="delete",              # or "anonymise" (fields get erase_to)
            label=_("Usage history"),
            order_by=("-occurred_at", "-pk"),
            fields=[
                PersonalField("occurred_at", Category.USAGE, _("time"), editable=False),
                ...,
            ],
        )
    )

A model that points at the user model and holds no customer data is exempted
with a reason instead: ``registry.exempt("admin.LogEntry", reason=...)``. The
system check ``rights.E001`` fails for a model that is neither;
``rights.E002`` for a declaration that does not match its model.

Sources
-------
A source is anything that holds personal data about a subject (a customer,
i.e. an instance of the user model). :class:`ModelSource` serves a Django
model; an external system (a mail provider, a call-centre database) plugs in
as a subclass of :class:`Source` implementing the same interface, and is
registered the same way. The registry never looks behind that interface.

Erasing
-------
:meth:`Registry.erase` is the raw engine: it erases what it is told. Callers
(the deletion workflow, the retention sweep) decide first what may go now;
legal holds are theirs to respect, not this module's.
"""

from .checks import check_personal_data
from .engine import Census, PurposesProvider, Registry, RetentionProvider, registry
from .fields import (
    ANY,
    DELETE,
    EMPTY_VALUES,
    ERASE_BATCH_SIZE,
    EVERY_SUBJECT,
    FIND_LIMIT,
    NOT_APPLICABLE,
    ROWS_CHUNK_SIZE,
    STREAM_CHUNK_SIZE,
    Category,
    Lookup,
    PersonalField,
    Record,
    RecordNotFound,
)
from .model_source import ModelSource
from .sources import Source
from .versions import view_cache_key

__all__ = [
    "ANY",
    "DELETE",
    "EMPTY_VALUES",
    "ERASE_BATCH_SIZE",
    "EVERY_SUBJECT",
    "FIND_LIMIT",
    "NOT_APPLICABLE",
    "ROWS_CHUNK_SIZE",
    "STREAM_CHUNK_SIZE",
    "Category",
    "Census",
    "Lookup",
    "ModelSource",
    "PersonalField",
    "PurposesProvider",
    "Record",
    "RecordNotFound",
    "Registry",
    "RetentionProvider",
    "Source",
    "check_personal_data",
    "registry",
    "view_cache_key",
]
