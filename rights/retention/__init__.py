"""Retention: rules, legal holds, deletion requests and the scheduled retention jobs.

``models``   rules, holds, deferred erasures, runs, the erasure ledger, account closures
``rules``    pure date arithmetic: when a rule's period ends for a record
``holds``    what is held now (rules with a legal obligation, staff holds) and until when
``erasure``  erasing through the registry for a deletion request, and the ledger
``jobs``     the beat jobs: deferred erasures, the retention sweep, the purge
"""
