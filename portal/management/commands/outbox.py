from django.core.management.base import BaseCommand

from portal import outbox


class Command(BaseCommand):
    help = (
        "Show the tasks waiting in the outbox to be published; with --drain, publish "
        "those that are due now (what the beat job outbox_drain does)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--drain", action="store_true", help="Publish the waiting messages that are due now."
        )

    def handle(self, *args, drain=False, **options):
        if drain:
            published = outbox.drain()
            self.stdout.write(f"Published {published} message(s).")
        backlog = outbox.backlog()
        self.stdout.write(
            f"Waiting: {backlog['waiting']} message(s); oldest {backlog['oldest_seconds']} s old."
        )
