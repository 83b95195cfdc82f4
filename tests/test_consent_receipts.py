"""Records of receipt of personal data from third parties (APPI art. 30): written through
the service, append-only, entered by staff in the admin and erased by the retention sweep
once their 3 years have passed."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone, translation

from consent import selectors, services
from consent.models import ReceiptRecord
from portal.kernel.db import evidence_erasure
from portal.kernel.models import AuditEvent
from rights.retention import jobs
from tests.audit_tamper import assert_triggers_refuse

pytestmark = pytest.mark.django_db


def _receive(subject, **overrides):
    values = {
        "subject": subject,
        "received_on": timezone.localdate() - datetime.timedelta(days=10),
        "provider_name": "Sample Data Bureau Ltd.",
        "provider_address": "1-2-3 Marunouchi, Chiyoda-ku, Tokyo",
        "provider_representative": "Taro Yamada, CEO",
        "provider_acquisition": "Collected from the person at a trade fair, with consent.",
        "data_items": "name, e-mail address",
        "categories": ["contact"],
    }
    values.update(overrides)
    return services.receipt_record_create(**values)


def test_a_record_of_receipt_holds_what_appi_art_30_asks(customer, officer):
    """APPI art. 30(1), (3): the provider's name, address and representative, how the
    provider obtained the data, the date, the person and the data items."""
    record = _receive(customer, actor=officer)
    stored = ReceiptRecord.objects.get(pk=record.pk)
    assert stored.subject == customer and stored.recorded_by == officer
    assert stored.provider_name == "Sample Data Bureau Ltd."
    assert stored.provider_address.startswith("1-2-3 Marunouchi")
    assert stored.provider_representative == "Taro Yamada, CEO"
    assert "trade fair" in stored.provider_acquisition
    assert stored.data_items == "name, e-mail address" and stored.categories == ["contact"]
    assert AuditEvent.objects.filter(action="consent.receipt_recorded").exists()


def test_an_individual_provider_has_no_representative(customer):
    """APPI art. 30(1)(i): a representative is named only for a corporation."""
    assert _receive(customer, provider_representative="").provider_representative == ""


@pytest.mark.parametrize(
    ("overrides", "code", "words"),
    [
        ({"provider_name": "  "}, "provider_name", "provider's name"),
        ({"provider_address": ""}, "provider_address", "provider's address"),
        ({"provider_acquisition": " "}, "provider_acquisition", "how the provider obtained"),
        ({"data_items": ""}, "data_items", "data items"),
        ({"categories": ["nonsense"]}, "categories", "kind of data"),
        ({"received_on": None}, "received_on", "date"),
    ],
)
def test_a_record_of_receipt_missing_an_item_is_refused(customer, overrides, code, words):
    """APPI art. 30(3): each item of the record is required (the representative only for
    a corporation); nothing is written when one is missing."""
    with translation.override("en"), pytest.raises(services.ReceiptRefused) as refused:
        _receive(customer, **overrides)
    assert refused.value.code == code
    assert words in refused.value.message
    assert not ReceiptRecord.objects.exists()


def test_a_receipt_dated_in_the_future_is_refused(customer):
    """APPI art. 30(3): a record states a receipt that took place."""
    with pytest.raises(services.ReceiptRefused) as refused:
        _receive(customer, received_on=timezone.localdate() + datetime.timedelta(days=1))
    assert refused.value.code == "future"
    assert not ReceiptRecord.objects.exists()


def test_records_of_receipt_cannot_be_changed_or_deleted(customer):
    """APPI art. 30(4): the record is kept unchanged (append-only, in the database too)."""
    record = _receive(customer)
    with pytest.raises(PermissionError):
        ReceiptRecord.objects.filter(pk=record.pk).update(data_items="changed")
    with pytest.raises(PermissionError):
        ReceiptRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    assert ReceiptRecord.objects.get(pk=record.pk).data_items == "name, e-mail address"


def test_the_database_refuses_to_change_a_record_of_receipt(customer):
    """APPI art. 30(4): append-only holds for raw SQL too (triggers on PostgreSQL); not
    even the evidence erasure may change one."""
    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL only: set DATABASE_URL")
    record = _receive(customer)
    table = ReceiptRecord._meta.db_table
    change = f"UPDATE {table} SET data_items = 'changed' WHERE id = {record.pk}"
    assert_triggers_refuse(change, f"DELETE FROM {table} WHERE id = {record.pk}")
    with evidence_erasure():
        assert_triggers_refuse(change, refusal="Cannot update")
    assert ReceiptRecord.objects.get(pk=record.pk).data_items == "name, e-mail address"


def test_records_of_receipt_are_kept_3_years_then_erased_by_the_sweep(customer, other_customer):
    """APPI art. 30(4): kept 3 years from their date; the retention sweep erases an older
    record and keeps a newer one."""
    today = timezone.localdate()
    old = _receive(
        customer, received_on=today.replace(year=today.year - 3) - datetime.timedelta(days=5)
    )
    new = _receive(
        other_customer, received_on=today.replace(year=today.year - 3) + datetime.timedelta(days=5)
    )
    assert selectors.receipt_record_keep_until(old.received_on) < today
    jobs.run_sweep()
    assert not ReceiptRecord.objects.filter(pk=old.pk).exists()
    assert ReceiptRecord.objects.filter(pk=new.pk).exists()


def _receipt_form(customer, **overrides):
    form = {
        "received_on": "2026-11-20",
        "subject": customer.pk,
        "provider_name": "Sample Data Bureau Ltd.",
        "provider_address": "1-2-3 Marunouchi, Chiyoda-ku, Tokyo",
        "provider_representative": "Taro Yamada, CEO",
        "provider_acquisition": "Collected from the person at a trade fair, with consent.",
        "data_items": "name, e-mail address",
        "categories": ["contact"],
    }
    form.update(overrides)
    return form


def test_the_officer_enters_a_record_of_receipt_in_the_admin(officer_client, customer):
    """APPI art. 30(3): staff record a receipt; it is read-only afterwards."""
    base = "/admin/consent/receiptrecord/"
    page = officer_client.get(f"{base}add/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ["provider_name", "provider_address", "provider_representative"]:
        assert f'name="{name}"' in html
    response = officer_client.post(f"{base}add/", _receipt_form(customer))
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = ReceiptRecord.objects.get()
    assert record.recorded_by.email == "po@example.com" and record.categories == ["contact"]
    assert officer_client.get(base).status_code == 200
    page = officer_client.get(f"{base}{record.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = officer_client.post(
        f"{base}{record.pk}/change/", _receipt_form(customer, data_items="edited")
    )
    assert response.status_code == 403
    response = officer_client.post(f"{base}{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ReceiptRecord.objects.get(pk=record.pk).data_items == "name, e-mail address"


def test_the_admin_refuses_a_receipt_dated_in_the_future(officer_client, customer):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = officer_client.post(
        "/admin/consent/receiptrecord/add/", _receipt_form(customer, received_on=tomorrow)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not ReceiptRecord.objects.exists()
