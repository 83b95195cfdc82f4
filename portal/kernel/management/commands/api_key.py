from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.kernel.api.auth import api_key_create
from portal.kernel.models import ApiClient, Service
from portal.kernel.models.api import SCOPES


class Command(BaseCommand):
    help = (
        "Make an API key for a client (created with the scopes and services given when it "
        "does not exist yet) and print it; it is not stored and never shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's name, e.g. 'Call centre'.")
        parser.add_argument("--owner", default="", help="Who answers for the client (new clients).")
        parser.add_argument(
            "--scopes", default="", help=f"Comma-separated, of: {', '.join(sorted(SCOPES))}."
        )
        parser.add_argument(
            "--services", default="", help="Comma-separated service codes; 'all' for every one."
        )
        parser.add_argument("--label", default="", help="A label for the key.")

    def handle(self, *args, client, owner, scopes, services, label, **options):
        wanted = [s for s in scopes.split(",") if s]
        unknown = sorted(set(wanted) - set(SCOPES))
        if unknown:
            raise CommandError(f"Unknown scopes: {', '.join(unknown)}")
        codes = [c for c in services.split(",") if c and c != "all"]
        found = list(Service.objects.filter(code__in=codes))
        if len(found) != len(codes):
            raise CommandError("Unknown service code.")
        with transaction.atomic():
            row, created = ApiClient.objects.get_or_create(
                name=client,
                defaults={
                    "owner": owner or client,
                    "scopes": wanted,
                    "all_services": services == "all",
                },
            )
            if created:
                row.services.set(found)
            _key, key = api_key_create(client=row, label=label or "manage.py api_key")
        self.stdout.write(f"Client: {row.name} ({'new' if created else 'existing'})")
        self.stdout.write(f"Scopes: {', '.join(row.scopes) or '-'}")
        self.stdout.write(f"Key: {key}")
