"""The request log staff export for the privacy office (CCPA regulations §7101): for
each request received in a period its date, kind, manner, response date, outcome and
the basis of a denial; streamed, audited, and only to officers and auditors."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.kernel.models import AuditEvent
from portal.kernel.roles import AUDITOR, SERVICE_HANDLER
from rights.choices import Channel, EventKind, RejectionGround, Status, told_ground
from rights.models import RequestEvent, RightsRequest
from rights.requesters.models import Capacity, RequestIdentity
from tests.conftest import admin_login, staff_logged_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/reports/request-log/"
NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)  # 12:00 in Tokyo
PERIOD = {"start": "2026-10-01", "end": "2026-11-20"}


def _request(subject, *, received, status=Status.SUBMITTED, closed=None, due=None, **fields):
    return RightsRequest.objects.create(
        subject=subject,
        requester=subject,
        status=status,
        received_at=received,
        due_at=due or received + dt.timedelta(days=14),
        closed_at=closed,
        **{"kind": "disclosure", "regime": "ccpa", **fields},
    )


def _decided(request, *, to, reason, ground="", at=None, from_status=Status.IN_REVIEW):
    RequestEvent.objects.create(
        request=request,
        kind=EventKind.TRANSITION,
        from_status=from_status,
        to_status=to,
        reason=reason,
        details={"ground": ground} if ground else {},
        created_at=at or request.closed_at,
    )


def _rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _english(client, user):
    user.language = "en"
    user.save(update_fields=["language"])
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def officer_en(client, officer):
    return _english(admin_login(client, officer), officer)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_log_holds_what_ccpa_7101_asks_and_the_basis_of_a_rejection(
    clock, officer_en, customer
):
    """CCPA regs §7101(a): date of request, nature, manner, date and nature of the
    response, and the basis for a denial in whole or in part."""
    received = dt.datetime(2026, 10, 5, 1, 0, tzinfo=dt.UTC)
    rejected = _request(
        customer,
        received=received,
        status=Status.REJECTED,
        closed=received + dt.timedelta(days=20),
        due=received + dt.timedelta(days=45),
        rejection_ground=RejectionGround.UNFOUNDED,
        channel=Channel.AGENT,
    )
    _decided(rejected, to=Status.REJECTED, reason="Third identical request this month.")
    partial = _request(
        customer,
        received=received,
        kind="deletion",
        status=Status.PARTIALLY_COMPLETED,
        closed=received + dt.timedelta(days=30),
        due=received + dt.timedelta(days=10),
    )
    _decided(
        partial,
        to=Status.PARTIALLY_COMPLETED,
        reason="Invoices are kept for seven years.",
        ground=RejectionGround.OTHER_LAW,
    )
    public = _request(
        None, received=received, kind="correction", regime="gdpr", due=NOW + dt.timedelta(days=1)
    )
    RequestIdentity.objects.create(request=public, capacity=Capacity.SELF)

    response = officer_en.get(URL, PERIOD)

    assert response.status_code == 200
    header, *rows = _rows(response)
    assert header[:2] == ["Reference", "Received on (JST)"]
    by_ref = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_ref) == {rejected.reference, partial.reference, public.reference}
    row = by_ref[rejected.reference]
    assert row["Received on (JST)"] == "2026-10-05"
    assert row["Kind"] == "Disclosure"
    assert row["Manner of the request"] == "Agent (on the person's behalf)"
    assert row["Legal regime"] == "CCPA / CPRA (California)"
    assert row["Response date (JST)"] == "2026-10-25"
    assert row["Outcome"] == "Rejected"
    assert row["Legal ground of the denial"] == told_ground(RejectionGround.UNFOUNDED, "ccpa")
    assert row["Reason given for the denial"] == "Third identical request this month."
    assert row["Deadline met"] == "Yes"
    row = by_ref[partial.reference]
    assert row["Outcome"] == "Partially completed"
    assert row["Legal ground of the denial"] == told_ground(RejectionGround.OTHER_LAW, "ccpa")
    assert row["Reason given for the denial"] == "Invoices are kept for seven years."
    assert row["Deadline met"] == "No"
    row = by_ref[public.reference]
    assert row["Manner of the request"] == "Portal, public form without an account"
    assert row["Response date (JST)"] == row["Reason given for the denial"] == ""
    assert row["Deadline met"] == ""  # open, not yet due


def test_no_personal_data_beyond_what_7101_needs(clock, officer_en, customer):
    _request(customer, received=NOW - dt.timedelta(days=3), details="私の住所は東京都です")
    text = b"".join(officer_en.get(URL, PERIOD).streaming_content).decode()
    assert customer.email not in text
    assert "東京都" not in text


def test_only_requests_received_in_the_period_and_regime(clock, officer_en, customer):
    inside = _request(customer, received=dt.datetime(2026, 10, 1, 0, 0, tzinfo=dt.UTC))
    # 30 September 23:30 in Tokyo: before the period's first day there.
    _request(customer, received=dt.datetime(2026, 9, 30, 14, 30, tzinfo=dt.UTC))
    _request(customer, received=NOW - dt.timedelta(days=1), regime="gdpr")
    _header, *rows = _rows(officer_en.get(URL, {**PERIOD, "regime": "ccpa"}))
    assert [row[0] for row in rows] == [inside.reference]


def test_the_header_is_in_the_readers_language(clock, client, officer, customer):
    officer.language = "ja"
    officer.save(update_fields=["language"])
    client.cookies["django_language"] = "ja"
    admin_login(client, officer)
    header, *_rows_ = _rows(client.get(URL, PERIOD))
    assert header[:2] == ["受付番号", "受付日（日本時間）"]
    assert "期限内の回答" in header


def test_the_export_is_one_audit_event_with_the_range_and_the_row_count(
    clock, officer_en, customer
):
    for days in (1, 2):
        _request(customer, received=NOW - dt.timedelta(days=days))
    _rows(officer_en.get(URL, {**PERIOD, "regime": "ccpa"}))
    event = AuditEvent.objects.get(action="report.request_log_exported")
    assert event.details == {
        "start": "2026-10-01",
        "end": "2026-11-20",
        "regime": "ccpa",
        "rows": 2,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-11-20", "end": "2026-10-01"}, "The end is before the start."),
        ({"start": "2024-10-01", "end": "2026-11-20"}, "at most 24 months"),
        ({"start": "1 October", "end": "2026-11-20"}, "Enter a valid date."),
        ({**PERIOD, "regime": "hipaa"}, "Select a valid choice."),
    ],
)
def test_bad_input_says_why_and_exports_nothing(clock, officer_en, params, message):
    response = officer_en.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="report.request_log_exported").exists()


def test_a_range_of_exactly_24_months_is_exported(clock, officer_en):
    response = officer_en.get(URL, {"start": "2024-11-21", "end": "2026-11-20"})
    assert response["Content-Type"].startswith("text/csv")


def test_the_page_shows_the_form_with_the_last_24_months(clock, officer_en):
    response = officer_en.get(URL)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'value="2024-11-21"' in page and 'value="2026-11-20"' in page


def test_the_requests_list_links_to_the_export(clock, officer_en):
    page = officer_en.get("/admin/rights/rightsrequest/").content.decode()
    assert URL in page and "Export the request log (CSV)" in page


def test_an_auditor_may_export(clock, client, customer):
    client, auditor = staff_logged_in(client, AUDITOR)
    _request(customer, received=NOW - dt.timedelta(days=1))
    _header, *rows = _rows(_english(client, auditor).get(URL, PERIOD))
    assert len(rows) == 1


def test_a_service_handler_may_not_export_nor_sees_the_link(clock, client, customer):
    """The log is the business's record of every request, like the audit trail: the
    privacy office keeps it; a handler works their services' requests in the queue."""
    client, _handler = staff_logged_in(client, SERVICE_HANDLER)
    _request(customer, received=NOW - dt.timedelta(days=1))
    assert client.get(URL, PERIOD).status_code == 403
    assert URL not in client.get("/admin/rights/rightsrequest/").content.decode()
    assert not AuditEvent.objects.filter(action="report.request_log_exported").exists()


def test_queries_do_not_grow_with_the_requests(still_clock, officer_en):
    """Streamed in chunks: the same queries for 1 request as for 200."""
    still_clock.move_to(NOW)
    subject = UserFactory()
    received = NOW - dt.timedelta(days=2)

    def add(n):
        RightsRequest.objects.bulk_create(
            RightsRequest(subject=subject, kind="disclosure", regime="ccpa",
                          received_at=received, due_at=NOW, status=Status.REJECTED,
                          closed_at=NOW, rejection_ground=RejectionGround.OTHER)
            for _ in range(n)
        )  # fmt: skip
        for request in RightsRequest.objects.filter(events__isnull=True):
            _decided(request, to=Status.REJECTED, reason="Reason.")

    def export():
        with CaptureQueriesContext(connection) as queries:
            rows = _rows(officer_en.get(URL, PERIOD))
        return len(queries), len(rows) - 1

    add(1)
    one, rows = export()
    assert rows == 1
    add(199)
    many, rows = export()
    assert rows == 200
    assert many == one


def test_an_open_request_past_its_deadline_has_missed_it_unless_it_waits(
    clock, officer_en, customer
):
    received = NOW - dt.timedelta(days=30)
    late = _request(customer, received=received, status=Status.IN_REVIEW)
    waiting = _request(customer, received=received, status=Status.AWAITING_PAYMENT)
    header, *rows = _rows(officer_en.get(URL, PERIOD))
    met = {row[0]: row[header.index("Deadline met")] for row in rows}
    assert met == {late.reference: "No", waiting.reference: ""}


def test_days_are_the_readers_own_while_the_file_streams(clock, officer_en, officer, customer):
    """A member of staff with their own zone reads the days in it, though the rows are
    written after the middleware has put the zone back."""
    officer.time_zone = "America/Los_Angeles"
    officer.save(update_fields=["time_zone"])
    # 1 October 03:00 UTC is still 30 September in California.
    _request(customer, received=dt.datetime(2026, 10, 1, 3, 0, tzinfo=dt.UTC))
    inside = _request(customer, received=dt.datetime(2026, 10, 2, 3, 0, tzinfo=dt.UTC))
    header, *rows = _rows(officer_en.get(URL, PERIOD))
    assert header[1] == "Received on (PST)"
    assert [row[:2] for row in rows] == [[inside.reference, "2026-10-01"]]


def test_a_reason_that_looks_like_a_formula_is_written_as_text(clock, officer_en, customer):
    received = NOW - dt.timedelta(days=3)
    rejected = _request(
        customer, received=received, status=Status.REJECTED, closed=NOW,
        rejection_ground=RejectionGround.OTHER,
    )  # fmt: skip
    _decided(rejected, to=Status.REJECTED, reason='=HYPERLINK("http://x")')
    header, row = _rows(officer_en.get(URL, PERIOD))
    assert row[header.index("Reason given for the denial")] == '\'=HYPERLINK("http://x")'


def _ended(subject, *, to, from_status, days, reason=""):
    """A request received on 5 October that ended as ``to`` from ``from_status``
    ``days`` later."""
    received = dt.datetime(2026, 10, 5, 1, 0, tzinfo=dt.UTC)
    request = _request(
        subject,
        received=received,
        status=to,
        closed=received + dt.timedelta(days=days),
        due=received + dt.timedelta(days=45),
    )
    _decided(request, to=to, reason=reason, from_status=from_status)
    return request


def test_a_withdrawn_or_expired_request_was_answered_the_day_it_ended(clock, officer_en, customer):
    """CCPA regs §7101(a): a request the person withdrew, or that expired (a fee never
    paid, an identity check or a question never answered), was closed that day, and the
    person was told so: that day is its response date, and its outcome says which and,
    for an expiry, what was never received. Nothing was denied and no deadline missed."""
    ended = {
        # what ended it, how many days after receipt: the day and outcome logged
        (Status.WITHDRAWN, Status.SUBMITTED, 2): ("2026-10-07", "Withdrawn"),
        (Status.EXPIRED, Status.AWAITING_PAYMENT, 40): (
            "2026-11-14",
            "Expired: the fee was not paid",
        ),
        (Status.EXPIRED, Status.AWAITING_VERIFICATION, 30): (
            "2026-11-04",
            "Expired: identity was not confirmed",
        ),
        (Status.EXPIRED, Status.AWAITING_CUSTOMER, 31): (
            "2026-11-05",
            "Expired: the requester did not answer",
        ),
    }
    expected = {
        _ended(customer, to=to, from_status=waited, days=days, reason="Told why.").reference: (
            logged
        )
        for (to, waited, days), logged in ended.items()
    }

    header, *rows = _rows(officer_en.get(URL, PERIOD))

    by_ref = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    for reference, (day, outcome) in expected.items():
        row = by_ref[reference]
        assert (row["Response date (JST)"], row["Outcome"]) == (day, outcome), reference
        assert row["Legal ground of the denial"] == row["Reason given for the denial"] == ""
        assert row["Deadline met"] == ""


def test_an_expiry_is_named_in_japanese(clock, client, officer, customer):
    _ended(customer, to=Status.EXPIRED, from_status=Status.AWAITING_PAYMENT, days=40)
    client = admin_login(client, officer)
    client.cookies["django_language"] = "ja"

    header, row = _rows(client.get(URL, PERIOD))

    assert row[header.index("回答日（日本時間）")] == "2026-11-14"
    assert row[header.index("結果")] == "期限切れ：手数料の未払い"


def test_the_basis_of_a_denial_is_in_the_words_of_the_requests_own_law(clock, officer_en, customer):
    """CCPA regs §7101(a)(4): the basis of a denial, as the person was told it
    (Civ. Code §1798.105(d) for a deletion), not the staff label naming every law."""
    received = dt.datetime(2026, 10, 5, 1, 0, tzinfo=dt.UTC)
    denials = {}
    for regime in ("ccpa", "gdpr"):
        kept = _request(
            customer,
            received=received,
            kind="deletion",
            regime=regime,
            status=Status.REJECTED,
            closed=received + dt.timedelta(days=20),
            rejection_ground=RejectionGround.RETENTION,
        )
        _decided(kept, to=Status.REJECTED, reason="Invoices are kept for seven years.")
        denials[regime] = kept.reference

    header, *rows = _rows(officer_en.get(URL, PERIOD))
    grounds = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    ccpa = grounds[denials["ccpa"]]["Legal ground of the denial"]
    gdpr = grounds[denials["gdpr"]]["Legal ground of the denial"]
    assert "§1798.105(d)" in ccpa and "GDPR" not in ccpa
    assert "GDPR 17(3)" in gdpr and "CCPA" not in gdpr and "APPI" not in gdpr
