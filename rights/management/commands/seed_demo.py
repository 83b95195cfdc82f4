import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from consent.demo import seed_consent_demo
from portal.kernel.models import Profile, User
from portal.kernel.roles import SERVICE_HANDLER
from portal.kernel.staff import staff_create, totp_secret
from portal.kernel.stepup import email_device_for
from portal.records.demo import OUT_OF_HANDLER_SCOPE, seed_business_demo
from rights.connectors.demo import DEMO_CONNECTOR_URL, seed_connector_demo
from rights.demo import seed_fee_demo, seed_request_demo

DEMO_CUSTOMER = "demo@example.com"
DEMO_CUSTOMER_PASSWORD = "demo-portal-2026"
DEMO_OFFICER = "officer@example.com"
DEMO_OFFICER_PASSWORD = "officer-portal-2026"
DEMO_HANDLER = "handler@example.com"
DEMO_HANDLER_PASSWORD = "handler-portal-2026"


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): a demo customer, a privacy officer, a service handler,\n"
        "the company's services and customers with years of records."
    )

    def handle(self, *args, **options):
        # The logins are printed once the data is committed: the notices of the demo
        # requests, printed by the console mail backend on commit, come before them,
        # so the logins stay the last lines above the server's output.
        with transaction.atomic():
            device, handler_device, filed, created = self._seed()
        self._print_logins(device, handler_device, filed, created)

    def _seed(self):
        customer = User.objects.filter(email__iexact=DEMO_CUSTOMER).first()
        if customer is None:
            customer = User.objects.create_user(
                email=DEMO_CUSTOMER,
                password=DEMO_CUSTOMER_PASSWORD,
                email_verified_at=timezone.now(),
                language="ja",
            )
        Profile.objects.update_or_create(
            user=customer,
            defaults={
                "full_name": "山田 花子",
                "full_name_kana": "ヤマダ ハナコ",
                "postal_code": "150-0002",
                "address": "東京都渋谷区渋谷2-21-1",
                "phone": "03-5555-0123",
                "date_of_birth": datetime.date(1988, 4, 12),
                "gender": Profile.Gender.FEMALE,
                "occupation": "会社員",
                "industry": "小売",
            },
        )
        email_device_for(customer)
        officer, device, _generated = staff_create(
            email=DEMO_OFFICER, password=DEMO_OFFICER_PASSWORD
        )
        handler, handler_device, _generated = staff_create(
            email=DEMO_HANDLER, role=SERVICE_HANDLER, password=DEMO_HANDLER_PASSWORD
        )
        created = seed_business_demo(demo_customer=customer, officer=officer, handler=handler)
        seed_consent_demo(customer=customer, officer=officer)
        seed_fee_demo()
        seed_connector_demo()
        filed = seed_request_demo(officer=officer)
        return device, handler_device, filed, created

    def _print_logins(self, device, handler_device, filed, created):
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"  Customer:        {DEMO_CUSTOMER} / {DEMO_CUSTOMER_PASSWORD} "
            f"(e-mail codes are {_where_mail_goes()})"
        )
        self.stdout.write(f"  Privacy officer: {DEMO_OFFICER} / {DEMO_OFFICER_PASSWORD}")
        self.stdout.write(f"  Officer TOTP secret: {totp_secret(device)}")
        self.stdout.write(f"  Officer TOTP URI:    {device.config_url}")
        if settings.DEBUG:  # totp_code runs only there
            self.stdout.write(f"  Current code:        manage.py totp_code {DEMO_OFFICER}")
        self.stdout.write(
            f"  Service handler: {DEMO_HANDLER} / {DEMO_HANDLER_PASSWORD} "
            f"(TOTP secret {totp_secret(handler_device)})"
        )
        self.stdout.write(
            "  The handler works on mobile, video and store only: "
            f"{', '.join(OUT_OF_HANDLER_SCOPE)} (fibre, points) are out of their sight."
        )
        self.stdout.write(
            f"  External system: {DEMO_CONNECTOR_URL} (start it with `make demo-connector`); "
            f"e-mail subcontractor: Yamato Delivery (task mails {_where_mail_goes()})"
        )
        if filed:
            self.stdout.write(
                f"  Requests filed for the staff queue: "
                f"{', '.join(f'{r.reference} ({r.kind}, {r.status})' for r in filed)}"
            )
        if created:
            summary = ", ".join(f"{count} {name}" for name, count in sorted(created.items()))
            self.stdout.write(f"  Business records created: {summary}")


def _where_mail_goes() -> str:
    """Where the demo's mail ends up: only the console backend prints it, and with
    a broker the worker sends it, so it is printed in the worker's output."""
    if settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend":
        return "sent as mail: EMAIL_URL"
    if settings.REDIS_URL:
        return "printed by the Celery worker"
    return "printed on this console"
