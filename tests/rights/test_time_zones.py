"""Deadlines count in the requester's time zone; staff read them in their own.

GDPR art. 12(3) (one month from receipt) and CCPA 11 CCR §7021(b) (45 days)
run where the requester is: a request is filed with its regime's zone
(``RIGHTS_REGIME_TIME_ZONES``), keeps it, and the person is told the last day
in it. Staff see every date in the zone of their account (``User.time_zone``).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client

from rights import fees
from rights.choices import PaymentMethod, Regime, Status
from rights.models import RequestNotification, RightsRequest
from rights.notice_text import render_notice
from rights.reminders import requests_remind_due_soon
from rights.requesters.verification import identity_verify
from rights.services import message_post, request_change_regime
from rights.summary import request_summary, summary_of
from tests.conftest import admin_login

from .fee_support import in_review, page_text
from .identity_support import AGENT, confirm, file_public_request, link_in, notice_to

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
# 31 January 23:30 in Berlin: already 1 February 07:30 in Tokyo.
LATE_JANUARY = dt.datetime(2026, 1, 31, 23, 30, tzinfo=BERLIN)


def test_gdpr_art_12_3_request_is_filed_in_berlin_time_and_due_on_28_february(
    customer, file_request, django_capture_on_commit_callbacks
):
    """GDPR art. 12(3): a request received 31 Jan 23:30 CET is due 28 Feb, in CET, and
    the receipt tells the person 28 Feb."""
    customer.language = "en"
    customer.save(update_fields=["language"])
    with (
        time_machine.travel(LATE_JANUARY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request = file_request(customer, regime=Regime.GDPR)
    assert request.time_zone == "Europe/Berlin"
    assert request.due_at == dt.datetime(2026, 2, 28, 23, 59, 59, tzinfo=BERLIN)
    assert request.due_on == dt.date(2026, 2, 28)
    (receipt,) = [m.body for m in mail.outbox if m.to == [customer.email]]
    assert "28 Feb 2026" in receipt and "1 Mar 2026" not in receipt


def test_ccpa_7021_request_is_counted_in_pacific_time_and_moves_with_the_regime(
    customer, officer, file_request
):
    """CCPA §7021(b): 45 days from receipt in California; changing the regime changes
    the zone the deadline counts in."""
    received = dt.datetime(2026, 6, 1, 20, 0, tzinfo=LOS_ANGELES)
    with time_machine.travel(received, tick=False):
        request = file_request(customer, regime=Regime.CCPA)
        assert request.time_zone == "America/Los_Angeles"
        assert request.due_on == dt.date(2026, 7, 16)
        request = request_change_regime(
            request=request, regime=Regime.APPI, reason="Customer lives in Japan", actor=officer
        )
    assert request.time_zone == "Asia/Tokyo"
    assert request.due_on == dt.date(2026, 6, 16)  # 2 June in Tokyo + 14 days


def test_the_regimes_time_zones_are_settings(settings, customer, file_request):
    """GDPR art. 12(3): a company whose requesters are in Ireland counts in Dublin."""
    zones = settings.RIGHTS_REGIME_TIME_ZONES
    settings.RIGHTS_REGIME_TIME_ZONES = {**zones, "gdpr": "Europe/Dublin"}
    request = file_request(customer, regime=Regime.GDPR)
    assert request.time_zone == "Europe/Dublin"


def test_staff_read_deadlines_in_their_own_time_zone(
    officer, officer_client, customer, file_request
):
    """GDPR art. 12(3): a Berlin officer reads the 28 February deadline as 28 February;
    without a zone of their own, staff read the portal's (Tokyo: 1 March, 07:59)."""
    with time_machine.travel(LATE_JANUARY, tick=False):
        request = file_request(customer, regime=Regime.GDPR)
    url = f"/admin/rights/rightsrequest/{request.pk}/change/"
    officer_client.cookies["django_language"] = "en"
    tokyo_page = officer_client.get(url).content.decode()
    assert "1 Mar 2026, 07:59" in tokyo_page
    officer.time_zone = "Europe/Berlin"
    officer.save(update_fields=["time_zone"])
    berlin_page = officer_client.get(url).content.decode()
    assert "28 Feb 2026, 23:59" in berlin_page
    assert "1 Mar 2026" not in berlin_page


def test_the_reminder_to_staff_names_the_deadline_in_their_time_zone(
    officer, customer, file_request
):
    """GDPR art. 12(3): the assignee in Berlin is reminded of 28 February, not 1 March."""
    with time_machine.travel(LATE_JANUARY, tick=False):
        request = file_request(customer, regime=Regime.GDPR)
    officer.time_zone = "Europe/Berlin"
    officer.language = "en"
    officer.save(update_fields=["time_zone", "language"])
    request.assignee = officer
    request.save(update_fields=["assignee"])
    mail.outbox.clear()
    with time_machine.travel(dt.datetime(2026, 2, 26, 9, 0, tzinfo=BERLIN), tick=False):
        assert requests_remind_due_soon() == 1
    (reminder,) = [m.body for m in mail.outbox if m.to == [officer.email]]
    assert "is due on 28 Feb 2026" in reminder


def test_the_summary_before_and_after_filing_states_the_day_in_the_requesters_zone(
    customer, file_request
):
    """GDPR art. 12(3): the form's summary and the filed request's both say 28 February."""
    with time_machine.travel(LATE_JANUARY, tick=False):
        preview = request_summary(kind="disclosure", regime=Regime.GDPR)
        request = file_request(customer, regime=Regime.GDPR)
    assert preview.due_on == summary_of(request).due_on == dt.date(2026, 2, 28)


def test_gdpr_art_12_5_fee_is_payable_until_the_end_of_the_stated_day_in_berlin(
    officer, customer, file_request, stepped_up_client
):
    """GDPR art. 12(5): a fee asked on 5 Dec at 19:30 in Berlin (6 Dec in Tokyo) is due
    by the end of the day the notice states, in Berlin; paying that evening is in time."""
    asked = dt.datetime(2026, 12, 5, 19, 30, tzinfo=BERLIN)
    with time_machine.travel(asked, tick=False):
        request = in_review(file_request, customer, officer, regime=Regime.GDPR)
        fees.request_mark_unfounded(
            request=request, reason="Fifth identical request this month", actor=officer
        )
        payment = fees.fee_request(request=request, actor=officer, amount=2000, reason="Copies")
    assert payment.due_at == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=BERLIN)
    notice = RequestNotification.objects.get(request=request, kind="fee_due")
    assert "Please pay by: 4 Jan 2027" in render_notice(notice, language="en")[1]
    with time_machine.travel(asked, tick=False):
        page = page_text(stepped_up_client, f"/requests/{request.pk}/", "en")
    assert "If it has not arrived by 4 Jan 2027" in page
    with time_machine.travel(dt.datetime(2027, 1, 4, 22, 0, tzinfo=BERLIN), tick=False):
        assert fees.payments_expire_unpaid() == 0
    with time_machine.travel(dt.datetime(2027, 1, 5, 0, 30, tzinfo=BERLIN), tick=False):
        assert fees.payments_expire_unpaid() == 1
    request.refresh_from_db()
    assert request.status == Status.EXPIRED


# 2 February 19:35 in Berlin: already 3 February 03:35 in Tokyo.
BERLIN_EVENING = dt.datetime(2026, 2, 2, 19, 35, tzinfo=BERLIN)


def _gdpr_request_with_a_message(customer, officer, file_request, capture):
    """A GDPR request received 31 Jan 23:30 in Berlin, with a question of staff written
    2 Feb 19:35 in Berlin."""
    with time_machine.travel(LATE_JANUARY, tick=False), capture(execute=True):
        request = file_request(customer, regime=Regime.GDPR)
    with time_machine.travel(BERLIN_EVENING, tick=False), capture(execute=True):
        message_post(request=request, author=officer, body="Which account do you mean?")
    return request


def test_the_request_page_shows_every_time_in_the_requesters_zone(
    customer, officer, file_request, stepped_up_client, django_capture_on_commit_callbacks
):
    """The received time, the notices and the timeline are in Berlin time, as the
    deadline (GDPR art. 12(3)), the fee box and the e-mails are; not in Tokyo time."""
    request = _gdpr_request_with_a_message(
        customer, officer, file_request, django_capture_on_commit_callbacks
    )
    page = page_text(stepped_up_client, f"/requests/{request.pk}/", "en")
    assert "31 Jan 2026, 23:30" in page  # received; the receipt's notice; the timeline
    assert "2 Feb 2026, 19:35" in page  # the question in the thread
    assert "07:30" not in page and "03:35" not in page
    listing = page_text(stepped_up_client, "/requests/", "en")
    assert "31 Jan 2026" in listing and "1 Feb 2026" not in listing


def test_an_appi_request_page_keeps_tokyo_time(
    customer, file_request, stepped_up_client, django_capture_on_commit_callbacks
):
    """APPI: the request's zone is Tokyo, so the page reads as before."""
    with time_machine.travel(LATE_JANUARY, tick=False):
        request = file_request(customer, regime=Regime.APPI)
    assert request.zone == "Asia/Tokyo"
    page = page_text(stepped_up_client, f"/requests/{request.pk}/", "en")
    assert "1 Feb 2026, 07:30" in page and "23:30" not in page


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
def test_the_follow_page_shows_every_time_in_the_requesters_zone(
    officer, django_capture_on_commit_callbacks
):
    """A requester without an account reads the same Berlin times on the follow page."""
    capture = django_capture_on_commit_callbacks
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(LATE_JANUARY, tick=False):
        assert file_public_request(visitor, AGENT, capture).status_code == 302
    request = RightsRequest.objects.get()
    request = request_change_regime(
        request=request, regime=Regime.GDPR, reason="Lives in Germany", actor=officer
    )
    assert request.zone == "Europe/Berlin"
    with capture(execute=True):
        identity_verify(request=request, actor=officer, no_customer=True)
    with time_machine.travel(BERLIN_EVENING, tick=False), capture(execute=True):
        message_post(request=request, author=officer, body="Which account do you mean?")
    url = link_in(notice_to(AGENT, request.reference))
    assert confirm(visitor, url, capture).status_code == 302
    page = visitor.get(url).content.decode()
    assert "31 Jan 2026, 23:30" in page
    assert "2 Feb 2026, 19:35" in page
    assert "07:30" not in page and "03:35" not in page


def test_the_fee_receipt_is_dated_in_the_requesters_zone(
    officer, customer, file_request, stepped_up_client
):
    """GDPR art. 12(5): a fee paid on 5 Dec at 19:30 in Berlin (6 Dec in Tokyo) and
    refunded on 7 Jan at 20:00 (8 Jan in Tokyo) reads 5 Dec and 7 Jan on the receipt, as
    the request's page and the e-mails say, and names the zone of those days."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN), tick=False):
        request = in_review(file_request, customer, officer, regime=Regime.GDPR)
        fees.request_mark_unfounded(
            request=request, reason="Fifth identical request this month", actor=officer
        )
        payment = fees.fee_request(request=request, actor=officer, amount=2000, reason="Copies")
    paid = dt.datetime(2026, 12, 5, 19, 30, tzinfo=BERLIN)
    with time_machine.travel(paid, tick=False):
        fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    with time_machine.travel(dt.datetime(2027, 1, 7, 20, 0, tzinfo=BERLIN), tick=False):
        fees.payment_refund(payment=payment, reason="Charged by mistake", actor=officer)
    page = page_text(stepped_up_client, f"/requests/{request.pk}/receipt/", "en")
    receipt = page[page.index('<article class="receipt') : page.index("</article>")]
    assert "Date of issue 5 Dec 2026 CET" in receipt
    assert "Refunded on 7 Jan 2027 CET." in receipt
    assert "6 Dec 2026" not in receipt and "8 Jan 2027" not in receipt


def test_a_payment_day_typed_by_staff_is_that_day_where_the_requester_is(
    officer, customer, file_request, stepped_up_client
):
    """An officer in Tokyo records money received on 3 Dec for a request from
    California: the receipt, which gives days where the requester is, says 3 Dec
    (noon in Tokyo was still 2 Dec in Los Angeles)."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        request = in_review(file_request, customer, officer, regime=Regime.CCPA)
        fees.request_mark_unfounded(
            request=request, reason="Tenth request this week", actor=officer
        )
        payment = fees.fee_request(request=request, actor=officer, amount=2000, reason="Copies")
    url = f"/admin/rights/rightsrequest/{request.pk}/fee/{payment.pk}/paid/"
    staff = admin_login(Client(), officer)  # the customer's client is another session
    staff.post(url, {"method": "bank_transfer", "paid_on": "2026-12-03", "confirm": "1"})
    payment.refresh_from_db()
    assert payment.status == "paid"
    page = page_text(stepped_up_client, f"/requests/{request.pk}/receipt/", "en")
    receipt = page[page.index('<article class="receipt') : page.index("</article>")]
    assert "Date of issue 3 Dec 2026" in receipt, receipt
