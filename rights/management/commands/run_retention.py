"""Run the retention jobs in the foreground, as the beat would, and say what they did."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from rights.models import RetentionRun
from rights.retention.jobs import JOBS


def report(run: RetentionRun, write) -> None:
    """What a run did, for the operator's console (in English, like the other commands)."""
    verb = "would erase" if run.dry_run else "erased"
    with translation.override("en"):
        job, status = run.get_job_display(), run.get_state_display().lower()
    write(f"{job}: {verb} {run.total} records ({status}).")
    for rule, per_source in sorted(run.counts.items()):
        for source, count in sorted(per_source.items()):
            write(f"  {rule:<24} {source:<32} {count:>9}")
    for error in run.errors:
        write(f"  error: {error}")


class Command(BaseCommand):
    help = (
        "Run the retention jobs now: deferred erasures whose hold has ended, the retention "
        "sweep, and the purge of old files. With --dry-run, count what would be erased and "
        "change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count; change nothing.")
        parser.add_argument(
            "--job",
            action="append",
            choices=list(JOBS),
            help="Run only this job (repeatable); default: all, in order.",
        )
        parser.add_argument(
            "--today", help="Evaluate periods as of this day (YYYY-MM-DD), e.g. to preview."
        )

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date, YYYY-MM-DD.") from None
            if not options["dry_run"]:
                raise CommandError("--today only previews: use it with --dry-run.")
        failed = False
        for job in options["job"] or list(JOBS):
            run = JOBS[job](today=today, dry_run=options["dry_run"], trigger="command")
            report(run, self.stdout.write)
            failed = failed or run.status == RetentionRun.Status.FAILED
        if failed:
            raise CommandError("Some work failed; see the errors above and the retention runs.")
