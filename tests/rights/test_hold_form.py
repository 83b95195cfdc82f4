"""The legal-hold form: the customer by search, specific records ticked from that
customer's own records (GDPR art. 17(3)(e); APPI art. 35: what a hold keeps)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from portal.kernel.models import AuditEvent
from portal.records.models import Invoice
from rights.retention.hold_form import LegalHoldForm, record_choices
from rights.retention.models import LegalHold
from tests.factories import ServiceFactory

from .retention_support import customer_with_records

pytestmark = pytest.mark.django_db

ADD = "/admin/rights/legalhold/add/"


def _form_data(subject, records):
    return {
        "subject": subject.pk,
        "records": records,
        "reason": "Claim filed at the Tokyo District Court",
        "legal_basis": "GDPR art. 17(3)(e)",
        "starts_on": "2026-07-01",
    }


def test_the_records_listed_are_the_customers_own_per_source_with_their_dates():
    customer = customer_with_records(invoices=[(2025, 4, 30)])
    other = customer_with_records(invoices=[(2024, 1, 31)])
    groups = dict(record_choices(customer))
    invoice = Invoice.objects.get(user=customer)
    assert (f"portal.invoice:{invoice.pk}", f"#{invoice.pk} · 2025-04-30") in groups["Invoices"]
    values = {value for options in groups.values() for value, _label in options}
    assert not any(f"portal.invoice:{i.pk}" in values for i in Invoice.objects.filter(user=other))
    assert not any(value.startswith("portal.user:") for value in values)


def test_a_record_of_another_customer_is_refused_and_nothing_is_placed():
    customer = customer_with_records()
    other = customer_with_records()
    foreign = Invoice.objects.filter(user=other).first()
    form = LegalHoldForm(data=_form_data(customer, [f"portal.invoice:{foreign.pk}"]))
    assert not form.is_valid() and "records" in form.errors


def test_staff_tick_a_record_of_the_customer_and_the_hold_keeps_it(officer_client):
    customer = customer_with_records()
    invoice = Invoice.objects.get(user=customer)
    page = officer_client.get(f"{ADD}?subject={customer.pk}").content.decode()
    assert f'value="portal.invoice:{invoice.pk}"' in page
    assert 'class="admin-autocomplete' in page  # the customer is found by search
    assert AuditEvent.objects.filter(
        action="staff.viewed_hold_records", subject_id=customer.pk
    ).exists()
    response = officer_client.post(ADD, _form_data(customer, [f"portal.invoice:{invoice.pk}"]))
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.records == [f"portal.invoice:{invoice.pk}"] and hold.subject == customer
    assert hold.starts_on == dt.date(2026, 7, 1)


def test_the_customer_search_finds_the_customer_by_address(officer_client):
    customer = customer_with_records()
    response = officer_client.get(
        "/admin/autocomplete/",
        {
            "term": customer.email[:6],
            "app_label": "rights",
            "model_name": "legalhold",
            "field_name": "subject",
        },
    )
    assert response.status_code == 200
    assert str(customer.pk) in [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("language", "every_service"), [("en", "Every service"), ("ja", "すべてのサービス")]
)
def test_a_hold_without_a_service_reads_every_service_in_the_form_and_the_filter(
    officer_client, language, every_service
):
    """An empty service means the hold covers every service (LegalHold.service)."""
    ServiceFactory(code="mobile", name="スマイルモバイル", name_en="Smile Mobile")
    officer_client.cookies["django_language"] = language
    form = officer_client.get(ADD).content.decode()
    select = form[
        form.index('<select name="service"') : form.index(
            "</select>", form.index('<select name="service"')
        )
    ]
    assert f'<option value="" selected>{every_service}</option>' in select

    listing = officer_client.get("/admin/rights/legalhold/").content.decode()
    assert f'href="?service__isnull=True">{every_service}</a>' in listing
    assert 'href="?service__isnull=True">-</a>' not in listing


@pytest.mark.parametrize(
    ("language", "every_service", "every_customer"),
    [
        ("en", "Every service", "Every customer of the service"),
        ("ja", "すべてのサービス", "サービスのすべてのお客様"),
    ],
)
def test_a_placed_hold_reads_what_its_empty_customer_or_service_covers(
    officer_client, officer, language, every_service, every_customer
):
    """The list and a placed hold's page say what an empty customer or service covers
    (LegalHold.subject, LegalHold.service) instead of Django's "-"."""
    from rights.retention.holds.services import hold_place

    customer = customer_with_records()
    service = ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")
    of_customer = hold_place(actor=officer, reason="Claim", legal_basis="Court", subject=customer)
    of_service = hold_place(actor=officer, reason="Audit", legal_basis="Order", service=service)
    officer_client.cookies["django_language"] = language

    listing = officer_client.get("/admin/rights/legalhold/").content.decode()
    rows = {
        hold.pk: listing[listing.index(f"/legalhold/{hold.pk}/change/") :].split("</tr>")[0]
        for hold in (of_customer, of_service)
    }
    assert every_service in rows[of_customer.pk] and every_customer not in rows[of_customer.pk]
    assert every_customer in rows[of_service.pk] and every_service not in rows[of_service.pk]

    page = officer_client.get(f"/admin/rights/legalhold/{of_customer.pk}/change/")
    assert every_service in page.content.decode()
    page = officer_client.get(f"/admin/rights/legalhold/{of_service.pk}/change/")
    assert every_customer in page.content.decode()


@pytest.mark.parametrize(
    ("language", "helps"),
    [
        (
            "en",
            [
                "The customer whose data the hold keeps.",
                "The service whose data the hold keeps.",
                "The kinds of data the hold keeps.",
                "The records the hold keeps, as source and number;",
                "Erasures put off because of this hold;",
            ],
        ),
        (
            "ja",
            [
                "この保全でデータを保存するお客様。",
                "この保全でデータを保存するサービス。",
                "この保全で保存するデータの種類。",
                "この保全で保存する記録（データ元と番号）。",
                "この保全のために保留している消去。",
            ],
        ),
    ],
)
def test_a_placed_holds_page_says_what_each_of_its_fields_is(
    officer_client, officer, language, helps
):
    """Each line of a placed hold's page has its help, the customer, the service, the
    kinds of data, the records and the erasures it puts off included."""
    from rights.retention.holds.services import hold_place

    hold = hold_place(
        actor=officer, reason="Claim", legal_basis="Court", subject=customer_with_records()
    )
    officer_client.cookies["django_language"] = language
    page = officer_client.get(f"/admin/rights/legalhold/{hold.pk}/change/").content.decode()
    helps_shown = re.findall(r'<div class="help"[^>]*>\s*<div>(.*?)</div>', page, re.S)
    for help_text in helps:
        assert any(help_text in shown for shown in helps_shown), (help_text, helps_shown)


@pytest.mark.parametrize("today", ["2026-12-05", "2026-11-01"])
def test_a_hold_ending_before_it_starts_is_refused_on_its_end_date(officer_client, today):
    """The end date before the start date is the mistake to name, whether or not that
    end date has passed already; nothing is placed."""
    customer = customer_with_records()
    data = {**_form_data(customer, []), "starts_on": "2026-12-06", "ends_on": "2026-12-01"}
    officer_client.cookies["django_language"] = "en"
    with time_machine.travel(dt.datetime.fromisoformat(f"{today}T12:00:00+09:00"), tick=False):
        response = officer_client.post(ADD, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["ends_on"] == ["The last day cannot be before the first day."]
    assert "ended already" not in response.content.decode()
    assert not LegalHold.objects.exists()
