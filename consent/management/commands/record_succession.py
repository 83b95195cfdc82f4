"""Record a business succession: every customer of a service (or all customers)
whose data went to the successor (APPI Art. 27(5)(ii)); see consent.services.succession."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from consent.models import Recipient
from consent.services import succession_record


class Command(BaseCommand):
    help = "Record that customers' data went to a successor by merger or business transfer."

    def add_arguments(self, parser):
        parser.add_argument("--successor", type=int, required=True, help="Recipient id.")
        parser.add_argument("--service", default="", help="Only customers of this service code.")
        parser.add_argument("--date", required=True, help="Day of the transfer, YYYY-MM-DD.")
        parser.add_argument("--items", required=True, help="The data items handed over.")
        parser.add_argument("--note", required=True, help="The merger or transfer agreement.")
        parser.add_argument("--actor", required=True, help="E-mail of the member of staff.")

    def handle(self, *args, **options):
        User = get_user_model()
        actor = User.objects.filter(email=options["actor"], is_staff=True).first()
        successor = Recipient.objects.filter(pk=options["successor"]).first()
        if actor is None or successor is None:
            raise CommandError("Unknown member of staff or successor.")
        try:
            day = datetime.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("Write the date as YYYY-MM-DD.") from None
        subjects = User.objects.filter(is_staff=False)
        if options["service"]:
            subjects = subjects.filter(
                service_registrations__service__code=options["service"]
            ).distinct()
        try:
            added = succession_record(
                successor=successor,
                subjects=subjects,
                provided_on=day,
                data_items=options["items"],
                note=options["note"],
                actor=actor,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"{added} provision records added.")
