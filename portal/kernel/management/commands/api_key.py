import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal.kernel.api.auth import api_key_create
from portal.kernel.audit import audit_log
from portal.kernel.models import ApiClient, Service
from portal.kernel.models.api import SCOPES


def _listed(text: str) -> list[str]:
    """A comma-separated option as typed: spaces around items and empty items dropped."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def _expires_at(day_text: str | None) -> dt.datetime | None:
    """The moment a key given ``--expires YYYY-MM-DD`` is refused from: the end of that
    day in the portal's zone (``TIME_ZONE``), so the key works through the day named.
    A day already past, or not a day, is refused before anything is made."""
    if day_text is None:
        return None
    try:
        day = dt.date.fromisoformat(day_text.strip())
    except ValueError:
        raise CommandError(
            f"--expires takes a day written YYYY-MM-DD, e.g. 2027-03-31, not '{day_text}'; "
            "no key was made."
        ) from None
    today = timezone.localdate()
    if day < today:
        raise CommandError(
            f"--expires {day.isoformat()} is past (today is {today.isoformat()} in "
            f"{timezone.get_current_timezone_name()}); no key was made. Give today or a later day."
        )
    next_day = day + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time(0), tzinfo=timezone.get_current_timezone())


def _expiry_text(expires_at: dt.datetime | None) -> str:
    if expires_at is None:
        return "never (set a day with --expires, or in the admin)"
    local = timezone.localtime(expires_at)
    last_day = (local - dt.timedelta(days=1)).date()
    return f"at the end of {last_day.isoformat()} (refused from {local:%Y-%m-%d %H:%M %Z})"


def _services_text(client: ApiClient) -> str:
    if client.all_services:
        return "all services"
    return ", ".join(sorted(client.services.values_list("code", flat=True))) or "none"


class Command(BaseCommand):
    help = (
        "Make an API key for a client (created with the scopes and services given when it "
        "does not exist yet) and print it; it is not stored and never shown again. For an "
        "existing client, scopes or services other than its own are refused and no key is "
        "made: change the client in the admin."
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
        parser.add_argument(
            "--expires",
            default=None,
            metavar="YYYY-MM-DD",
            help=(
                "The last day the key works, in the portal's time zone (TIME_ZONE); it is "
                "refused from the next midnight. Today or later. Without it the key does not "
                "expire (the admin can set an expiry later)."
            ),
        )

    def handle(self, *args, client, owner, scopes, services, label, expires, **options):
        expires_at = _expires_at(expires)
        wanted = _listed(scopes)
        unknown = sorted(set(wanted) - set(SCOPES))
        if unknown:
            raise CommandError(f"Unknown scopes: {', '.join(unknown)}")
        listed = _listed(services)
        all_services = "all" in listed
        codes = [c for c in listed if c != "all"]
        if codes and all_services:
            # Every service or these alone: neither is guessed.
            raise CommandError(
                f"--services takes 'all' or service codes, not both: 'all' with "
                f"{', '.join(codes)}. Give 'all' for every service, or the codes alone."
            )
        found = list(Service.objects.filter(code__in=codes))
        unknown_codes = sorted(set(codes) - {service.code for service in found})
        if unknown_codes:
            raise CommandError(f"Unknown service codes: {', '.join(unknown_codes)}")
        with transaction.atomic():
            row, created = ApiClient.objects.get_or_create(
                name=client,
                defaults={
                    "owner": owner or client,
                    "scopes": wanted,
                    "all_services": all_services,
                },
            )
            if created:
                row.services.set(found)
                # As one made in the admin (ApiClientAdmin.save_related).
                audit_log(
                    action="api.client_created",
                    target=row,
                    details={
                        "scopes": list(row.scopes),
                        "services": sorted(s.code for s in found),
                        "all_services": row.all_services,
                        "is_active": row.is_active,
                        "via": "manage.py api_key",
                    },
                )
            else:
                # A key reaches what its client may, not what was asked here.
                self._refuse_other_reach(row, wanted, listed, {s.code for s in found})
            _key, key = api_key_create(
                client=row, label=label or "manage.py api_key", expires_at=expires_at
            )
        self.stdout.write(f"Client: {row.name} ({'new' if created else 'existing'})")
        self.stdout.write(f"Scopes: {', '.join(row.scopes) or '-'}")
        self.stdout.write(f"Services: {_services_text(row)}")
        self.stdout.write(f"Expires: {_expiry_text(expires_at)}")
        self.stdout.write(f"Key: {key}")

    @staticmethod
    def _refuse_other_reach(row: ApiClient, wanted: list[str], listed: list[str], codes: set[str]):
        other_scopes = bool(wanted) and set(wanted) != set(row.scopes or [])
        held = set(row.services.values_list("code", flat=True))
        other_services = bool(listed) and (
            ("all" in listed) != row.all_services or (not row.all_services and codes != held)
        )
        if other_scopes or other_services:
            raise CommandError(
                f"{row.name} exists with the scopes {', '.join(row.scopes or []) or '-'} and "
                f"{_services_text(row)}; no key was made. Change the client in the admin "
                "(API clients), or leave out --scopes and --services to make a key for it "
                "as it is."
            )
