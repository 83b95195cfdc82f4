"""A version of everything the registry holds about one subject, read with the counts.

PostgreSQL gives every row version the id of the transaction that wrote it
(the system column ``xmin``) and a place (``ctid``), both new on every
insert and update (the place also when one transaction writes a row twice).
The sum of a hash of (``xmin``, ``ctid``, primary key) over a subject's rows
of a source, with their count, therefore changes whenever one of those rows
is written, added or deleted, however that happened: the ORM, ``QuerySet.update``, raw SQL, the
retention sweep or another system writing to the same database. A value
cached under the digest of every source's (count, sum) is stale the moment
any row of the subject is, and is never served then.

Other databases have no such column: there is no version, and whatever
would be cached under it is computed afresh every time.
"""

from __future__ import annotations

import hashlib

from django.db import connection, models
from django.db.models.expressions import Expression


class RowVersion(Expression):
    """A 64-bit hash of the row's current version: ``xmin``, ``ctid`` and primary key.

    Only inside a query on the source's own model (the query's first table).
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        pk = connection.ops.quote_name(compiler.query.get_meta().pk.column)
        version = f"{alias}.xmin::text || {alias}.ctid::text || {alias}.{pk}::text"
        return f"hashtextextended({version}, 0)", []


def versions_supported() -> bool:
    return connection.vendor == "postgresql"


def digest(rows) -> str:
    """The version of a subject's data from the rows (source, service, count, sum)."""
    text = "\n".join(repr(tuple(row)) for row in sorted(rows, key=repr))
    return hashlib.sha256(text.encode()).hexdigest()


def view_cache_key(subject_pk) -> str:
    """Where the rendered view of a subject's data is cached (portal.kernel.subject_view)."""
    return f"subject-view:{subject_pk}"
