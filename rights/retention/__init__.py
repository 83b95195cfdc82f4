"""Retention: rules, legal holds, deletion requests and the scheduled retention jobs.

Models and what is held:

``models``        rules, holds, deletion steps, runs, the erasure ledger, account closures
``periods``       pure date arithmetic: when a rule's period ends for a record
``holds``         ``selectors``: what is held now and until when (reads);
                  ``services``: placing and releasing a staff hold (writes)
``texts``         the retention rule in words, for customers and staff

A deletion request:

``scope``         what a deletion covers (sources, services, kinds, the account)
``planning``      the request planned once as steps
``steps``         running one step, re-checking the holds
``closure``       closing the account
``statement``     the statement to the customer of what is kept
``deletion``      the whole: plan, run what is due, close, finish the request
``ledger``        the erasure ledger and its file kept apart from the backups

The scheduled jobs:

``runs``          the run record every job shares (heartbeat, lock, resumption)
``deferred``      steps whose day has come
``sweep``         data past its period, by rule, across all customers
``purge``         files past their keep period; ``purge_in_batches`` for purgers
``replay``        the ledger applied again after a restore
``jobs``          the jobs by name
``dryrun``        a run whose work is rolled back

Staff pages: ``admin``, ``admin_subject`` (a customer's holds and waiting
erasures) and ``release_admin`` (what releasing a hold will erase, shown before
it is released); ``hooks`` connects the package to the workflow and the registry.
"""
