"""Erase again what the erasure ledger lists, after a database restore."""

from django.core.management.base import BaseCommand, CommandError

from rights.models import RetentionRun
from rights.retention.replay import import_ledger_file, reapply_erasures

from .run_retention import report


class Command(BaseCommand):
    help = (
        "After restoring the database from a backup, erase again everything the erasure "
        "ledger says was erased (data under a hold today is left alone). Give --ledger with "
        "the ledger file kept outside the database to add the entries made after the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ledger",
            help="The ledger file (RIGHTS_ERASURE_LEDGER_FILE) to import entries from first.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count; change nothing.")

    def handle(self, *args, **options):
        if options["ledger"] and options["dry_run"]:
            self.stdout.write("Dry run: the ledger file is not imported; only the table is read.")
        elif options["ledger"]:
            try:
                imported = import_ledger_file(options["ledger"])
            except OSError as error:
                raise CommandError(f"Cannot read the ledger file: {error}") from None
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
