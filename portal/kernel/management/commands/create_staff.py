from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.forms import ValidationError

from portal.kernel.models import Service
from portal.kernel.roles import ROLES, SERVICE_HANDLER
from portal.kernel.staff import staff_create, totp_secret


class Command(BaseCommand):
    help = (
        "Create a member of staff with a role (a service handler with the services they "
        "handle) and an authenticator device, and print the password and the TOTP secret "
        "and URI. Run again for an existing account, it adds the role and services and "
        "prints the same secret."
    )
    #: The role every account gets; None: chosen with --role.
    role = None

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--password", help="Set this password instead of generating one (new accounts)."
        )
        if self.role is None:
            parser.add_argument("--role", required=True, choices=ROLES)
            parser.add_argument(
                "--service",
                action="append",
                default=[],
                metavar="CODE",
                help="A service the handler works on (its code); repeat for several.",
            )

    def handle(self, *args, email, password=None, role=None, service=(), **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an e-mail address: {email}") from error
        role = self.role or role
        services = self.services(role, service)
        user, device, generated = staff_create(
            email=email, role=role, password=password, services=services
        )
        self.stdout.write(f"{role.capitalize()}: {user.email}")
        if services:
            self.stdout.write(f"Services: {', '.join(s.code for s in services)}")
        if generated:
            self.stdout.write(f"Password: {generated}")
        self.stdout.write(f"TOTP secret: {totp_secret(device)}")
        self.stdout.write(f"TOTP URI: {device.config_url}")
        self.stdout.write("Add the secret to an authenticator app; the admin asks for its code.")

    @staticmethod
    def services(role: str, codes) -> list[Service]:
        if role != SERVICE_HANDLER:
            if codes:
                raise CommandError("--service is for service handlers only.")
            return []
        if not codes:
            raise CommandError("A service handler needs at least one --service CODE.")
        services = list(Service.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {s.code for s in services})
        if unknown:
            raise CommandError(f"No service with the code: {', '.join(unknown)}")
        return services
