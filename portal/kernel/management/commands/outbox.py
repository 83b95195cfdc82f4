from django.core.management.base import BaseCommand

from portal.kernel import outbox


class Command(BaseCommand):
    help = (
        "Show the tasks waiting in the outbox to be published, and those published whose "
        "task has not finished; with --drain, publish those that are due now, again where "
        "their task did not finish in time (what the beat job outbox_drain does)."
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
        self.stdout.write(
            f"Published, not done: {backlog['undone']} message(s); "
            f"oldest {backlog['oldest_undone_seconds']} s old; "
            f"{backlog['redelivered']} published more than once."
        )
