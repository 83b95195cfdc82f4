from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.forms import ValidationError

from portal.kernel.staff import staff_create, totp_secret


class Command(BaseCommand):
    help = (
        "Create a privacy officer (staff, 'privacy officer' group, authenticator device) "
        "and print the password and the TOTP secret and URI."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--password", help="Set this password instead of generating one (new accounts)."
        )

    def handle(self, *args, email, password=None, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an e-mail address: {email}") from error
        user, device, generated = staff_create(email=email, password=password)
        self.stdout.write(f"Privacy officer: {user.email}")
        if generated:
            self.stdout.write(f"Password: {generated}")
        self.stdout.write(f"TOTP secret: {totp_secret(device)}")
        self.stdout.write(f"TOTP URI: {device.config_url}")
        self.stdout.write("Add the secret to an authenticator app; the admin asks for its code.")
