"""Erase again what the erasure ledger lists, after a database restore."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rights.models import RetentionRun
from rights.retention.replay import import_ledger_file, reapply_erasures

from .run_retention import report


class Command(BaseCommand):
    help = (
        "After restoring the database from a backup, erase again everything the erasure "
        "ledger says was erased (data under a hold today is left alone). The entries made "
        "after the backup come from the ledger file kept outside the database: "
        "RIGHTS_ERASURE_LEDGER_FILE, or the copy named by --ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ledger",
            help="The ledger file to import entries from first "
            "(default, or when empty: RIGHTS_ERASURE_LEDGER_FILE).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count; change nothing.")

    def handle(self, *args, **options):
        # An empty --ledger is what `--ledger "$RIGHTS_ERASURE_LEDGER_FILE"` passes when
        # the variable is only in .env or left at its default: read the configured file.
        ledger = options["ledger"] or settings.RIGHTS_ERASURE_LEDGER_FILE
        if not ledger:
            self.stdout.write(
                "No ledger file (RIGHTS_ERASURE_LEDGER_FILE is empty): only the entries in "
                "the restored table are applied again, none made after the backup."
            )
        elif options["dry_run"]:
            self.stdout.write("Dry run: the ledger file is not imported; only the table is read.")
        else:
            try:
                imported = import_ledger_file(ledger)
            except OSError as error:
                raise CommandError(
                    f"Cannot read the ledger file {ledger}: {error.strerror or error}. "
                    "Nothing was erased; give the file kept outside the database with --ledger."
                ) from None
            self.stdout.write(f"Ledger file: {imported.added} entries added to the table.")
            if imported.rolled_back:
                self.stdout.write(
                    f"Ledger file: {imported.rolled_back} entries left out: their "
                    "transaction rolled back, nothing was erased."
                )
        run = reapply_erasures(dry_run=options["dry_run"], trigger="command")
        report(run, self.stdout.write)
        if run.status == RetentionRun.Status.FAILED:
            raise CommandError("Some entries could not be applied; see the errors above.")
