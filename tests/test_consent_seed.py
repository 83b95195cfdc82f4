"""Demo data for the consent app."""

import pytest
from django.core.management import call_command

from consent import services
from consent.models import ConsentRecord, ProvisionRecord, Recipient
from portal.kernel.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_recipients_consents_and_provision_records_once():
    call_command("seed_demo")
    call_command("seed_demo")
    demo = User.objects.get(email="demo@example.com")
    assert Recipient.objects.count() == 3
    assert ConsentRecord.objects.filter(subject=demo).count() == 2
    assert services.may_use(demo, "marketing")
    assert ProvisionRecord.objects.filter(subject=demo).count() == 4
