"""Load-test data: the demo data, customers who log in, staff who open the queue.

Run by run.py in its own process against the load test's database (idempotent:
a second run reuses what the first created). Writes the logins the locust
users need, TOTP keys of the staff included, to the JSON file named on the
command line.
"""

import datetime
import io
import json
import os
import random
import sys

CUSTOMERS = int(os.environ.get("LOAD_CUSTOMERS", "60"))
STAFF = int(os.environ.get("LOAD_STAFF", "4"))
USAGE_RECORDS = 400  # per customer and service: a few pages of history on /my-data/


def main(out_path: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from consent import selectors, services
    from consent.models import ConsentRecord
    from portal.kernel.models import Profile, Service, ServiceRegistration, User
    from portal.kernel.staff import staff_create
    from portal.kernel.stepup import email_device_for
    from portal.records.models import UsageRecord
    from tests.factories import PASSWORD

    call_command("seed_demo", stdout=io.StringIO())
    services_available = list(Service.objects.order_by("code"))
    now = timezone.now()
    customers = []
    for number in range(CUSTOMERS):
        email = f"load-customer-{number:03d}@example.com"
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=PASSWORD,
                    email_verified_at=now,
                    language="en",
                )
                Profile.objects.create(
                    user=user,
                    full_name=f"Load Customer {number}",
                    phone=f"090-0000-{number:04d}",
                    address=f"{number}-1 Load Street, Tokyo",
                )
                rng = random.Random(number)
                for service in rng.sample(services_available, 2):
                    ServiceRegistration.objects.create(
                        user=user,
                        service=service,
                        member_number=f"L-{service.code}-{number:04d}",
                        plan="Standard",
                        started_on=datetime.date(2023, 4, 1),
                    )
                    UsageRecord.objects.bulk_create(
                        UsageRecord(
                            user=user,
                            service=service,
                            occurred_at=now - datetime.timedelta(hours=3 * i + 1),
                            activity=UsageRecord.Activity.LOGIN,
                            detail="Load test browser",
                            channel=UsageRecord.Channel.WEB,
                        )
                        for i in range(USAGE_RECORDS)
                    )
                email_device_for(user)
            if not ConsentRecord.objects.filter(subject=user).exists():
                services.consent_record_signup(
                    subject=user,
                    consent=services.SignupConsent(
                        policy_version=selectors.current_policy_version(),
                        purposes=dict.fromkeys(selectors.consent_purposes(), False),
                    ),
                )
        customers.append({"email": email, "password": PASSWORD})

    staff = []
    for number in range(STAFF):
        email = f"load-officer-{number}@example.com"
        user, device, _generated = staff_create(email=email, password=PASSWORD)
        staff.append({"email": email, "password": PASSWORD, "totp_key": device.key})

    with open(out_path, "w") as out:
        json.dump({"customers": customers, "staff": staff}, out)


if __name__ == "__main__":
    main(sys.argv[1])
