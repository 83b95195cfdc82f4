from django.core.management.base import BaseCommand, CommandError

from portal.kernel.audit import checkpoint, verify_chain


class Command(BaseCommand):
    help = (
        "Check the keyed hash chain of the audit trail against the checkpoints kept outside "
        "the database, and report the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="Checkpoint file to check against (default AUDIT_CHECKPOINT_FILE), e.g. a copy "
            "kept off this machine or the checkpoint lines taken from the logs.",
        )
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="Also append a checkpoint of the chain's head now (as the hourly job does).",
        )

    def handle(self, *args, **options):
        checked, broken = verify_chain(path=options["checkpoints"])
        if broken is not None:
            where = "its checkpoints" if broken.event_id is None else f"event {broken.event_id}"
            raise CommandError(
                f"Audit chain broken at {where}: {broken.problem} ({checked} events read)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
        if options["checkpoint"]:
            made, broken = checkpoint()
            if broken is not None:
                raise CommandError(
                    f"No checkpoint written: event {broken.event_id}: {broken.problem}."
                )
            self.stdout.write(f"Checkpoint written: event {made.last_id}, {made.count} events.")
