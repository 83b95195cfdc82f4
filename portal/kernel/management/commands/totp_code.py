"""Print the current code of a demo account's authenticator, for trying the portal.

``seed_demo`` gives the demo staff (and customers who add an app) TOTP
devices; on a laptop with no phone at hand this prints the code an
authenticator app would show now. It refuses to run outside DEBUG: in
production nobody reads another person's codes.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.models import CustomerTOTPDevice


class Command(BaseCommand):
    help = "Print the current authenticator code of an account (DEBUG only, for the demo)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the account's e-mail address")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("totp_code runs only with DEBUG=1 (the demo and development).")
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the address {email}.")
        device = (
            TOTPDevice.objects.filter(user=user, confirmed=True).first()
            or CustomerTOTPDevice.objects.filter(user=user, confirmed=True).first()
        )
        if device is None:
            raise CommandError(f"{email} has no confirmed authenticator.")
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        self.stdout.write(f"{code:0{device.digits}d}")
