"""The demo's systems outside this database (``manage.py seed_demo``, idempotent).

One HTTP connector, the mailing service, at the address where ``make
demo-connector`` runs the test double (tests/connector_double.py) with the same
demo secret, and one e-mail subcontractor, the delivery company, whose task
mails appear on the console with their confirmation link.
"""

from __future__ import annotations

from consent.models import Recipient

from .models import ExternalSystem

DEMO_CONNECTOR_URL = "http://127.0.0.1:8765"
DEMO_CONNECTOR_SECRET = "demo-connector-secret"  # the double's default; a demo value only
#: What the mailing service holds (the demo's and the tests' configuration).
MAILING_FIELDS = [
    {"name": "email", "category": "contact", "label": "E-mail"},
    {"name": "address", "category": "contact", "label": "Address"},
    {"name": "sent", "category": "usage", "label": "Mail sent"},
]


def seed_connector_demo() -> list[ExternalSystem]:
    mailing, _created = ExternalSystem.objects.get_or_create(
        name="Mailing service (demo connector)",
        defaults={
            "mode": ExternalSystem.Mode.API,
            "base_url": DEMO_CONNECTOR_URL,
            "secret": DEMO_CONNECTOR_SECRET,
            "categories": ["contact", "usage"],
            "fields": MAILING_FIELDS,
            "operations": ["access", "correct", "erase", "restrict"],
        },
    )
    delivery = Recipient.objects.filter(name_en="Yamato Delivery Co., Ltd.").first()
    courier, _created = ExternalSystem.objects.get_or_create(
        name="Yamato Delivery (e-mail)",
        defaults={
            "mode": ExternalSystem.Mode.EMAIL,
            "recipient": delivery,
            "privacy_contact": "privacy@yamato-delivery.example",
            "categories": ["identity", "contact"],
            "operations": ["correct", "erase", "restrict"],
        },
    )
    return [mailing, courier]
