"""Demo data for the consent app."""

import pytest
from django.core.management import call_command

from consent import services
from consent.models import ConsentRecord, ProvisionRecord, ReceiptRecord, Recipient
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


def test_seed_demo_adds_one_record_of_receipt_for_the_demo_customer_once():
    """APPI art. 30: the demo customer's data received from a partner, with who provided
    it, their address and representative and how they had obtained it."""
    call_command("seed_demo")
    call_command("seed_demo")
    demo = User.objects.get(email="demo@example.com")
    record = ReceiptRecord.objects.get(subject=demo)
    assert record.provider_name and record.provider_address and record.provider_representative
    assert record.provider_acquisition and record.data_items and record.categories
    assert record.recorded_by is not None
