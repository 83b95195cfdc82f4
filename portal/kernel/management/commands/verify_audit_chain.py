from django.core.management.base import BaseCommand, CommandError

from portal.kernel.audit import verify_chain


class Command(BaseCommand):
    help = "Check the hash chain of the audit trail and report the first broken link."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event {broken.event_id}: {broken.problem} "
                f"({checked} events read)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
