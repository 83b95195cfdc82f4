"""A time or a deadline day the reader sees says its time zone: a request counts in
its own zone (Tokyo for APPI, Berlin for GDPR), so one list may hold several, and
neither "6 Dec 2026, 09:33" nor 「2026年12月6日 09:33」 says which. A table states
the zone once in a column heading when its rows share it, in a cell when not."""

import datetime as dt
import re

import pytest
from django.core import mail

from rights.choices import Kind, Regime
from rights.services import request_submit

pytestmark = pytest.mark.django_db

# 00:33 UTC on 6 December: 09:33 in Tokyo, 01:33 in Berlin.
RECEIVED = dt.datetime(2026, 12, 6, 0, 33, tzinfo=dt.UTC)


def _file(customer, regime, capture):
    with capture(execute=True):
        return request_submit(
            subject=customer,
            requester=customer,
            kind=Kind.DISCLOSURE,
            delivery_method="paper",
            regime=regime,
            received_at=RECEIVED,
        )


def _main(client, url, language):
    client.cookies["django_language"] = language
    page = client.get(url).content.decode()
    return re.sub(r"\s+", " ", page.split("<main", 1)[1])


def _status(client, request, language):
    main = _main(client, f"/requests/{request.pk}/", language)
    return main[main.index('id="status-title"') : main.index("</section>")]


def test_the_request_page_gives_received_and_due_with_the_zone_in_english(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    request = _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    status = _status(stepped_up_client, request, "en")
    assert "6 Dec 2026, 09:33 JST" in status
    assert f"{request.due_on.day} {request.due_on:%b %Y} JST" in status


def test_the_request_page_gives_received_and_due_with_the_zone_in_japanese(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    request = _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    status = _status(stepped_up_client, request, "ja")
    assert "2026年12月6日 09:33（日本時間）" in status
    due = request.due_on
    assert f"{due.year}年{due.month}月{due.day}日（日本時間）" in status


def test_a_gdpr_request_is_shown_in_berlin_time_with_its_zone(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    request = _file(customer, Regime.GDPR, django_capture_on_commit_callbacks)
    assert "6 Dec 2026, 01:33 CET" in _status(stepped_up_client, request, "en")
    assert "2026年12月6日 01:33（欧州中部時間）" in _status(stepped_up_client, request, "ja")


def test_the_list_names_a_shared_zone_once_in_its_headings(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    main = _main(stepped_up_client, "/requests/", "en")
    assert "Received on (JST)</th>" in main
    assert "Answer due (JST)</th>" in main
    assert ">6 Dec 2026</td>" in main
    ja = _main(stepped_up_client, "/requests/", "ja")
    assert "（日本時間）</th>" in ja


def test_a_list_of_requests_in_different_zones_names_each_cells_zone(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    _file(customer, Regime.GDPR, django_capture_on_commit_callbacks)
    main = _main(stepped_up_client, "/requests/", "en")
    assert ">6 Dec 2026 JST</td>" in main
    assert ">6 Dec 2026 CET</td>" in main
    assert "Received on</th>" in main


@pytest.mark.parametrize(("language", "zone"), [("en", " JST"), ("ja", "（日本時間）")])
def test_the_receipt_states_the_deadline_with_its_zone(
    customer, language, zone, django_capture_on_commit_callbacks
):
    customer.language = language
    customer.save(update_fields=["language"])
    mail.outbox.clear()
    request = _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    from django.utils import formats, translation

    with translation.override(language):
        due = formats.date_format(request.due_on, "DATE_FORMAT")
    assert f"{due}{zone}" in mail.outbox[-1].body


def test_the_queue_names_the_staff_members_zone_in_its_heading(
    officer_client, customer, django_capture_on_commit_callbacks
):
    _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    page = officer_client.get("/admin/rights/rightsrequest/", HTTP_ACCEPT_LANGUAGE="en")
    text = re.sub(r"\s+", " ", page.content.decode())
    assert re.search(r"due at \(JST\)", text, re.I), "no zone in the queue's heading"


def test_the_audit_list_names_the_zone_of_its_times(officer_client, customer):
    from portal.kernel.audit import audit_log

    audit_log(action="staff.viewed_request", actor=None, target=customer, subject=customer)
    page = officer_client.get("/admin/portal/auditevent/", HTTP_ACCEPT_LANGUAGE="en")
    assert re.search(r"time \(JST\)", page.content.decode(), re.I)


def test_the_consent_history_names_its_zone_in_the_heading_and_on_a_phone_card(
    stepped_up_client, customer
):
    """On a phone the table's headings are hidden and each row is a card whose lines
    name their column: the time's line names the zone too."""
    from consent import services
    from consent.models import ConsentRecord
    from tests.consent_support import purpose

    services.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    main = _main(stepped_up_client, "/consent/", "en")
    assert ">When (JST)</th>" in main
    assert '<td role="cell" data-label="When (JST)">' in main


def _consent_at(customer, moments):
    """Consent records written at each of ``moments``: the times "my data" lists."""
    import time_machine

    from consent import services
    from consent.models import ConsentRecord
    from tests.consent_support import purpose

    for index, moment in enumerate(moments):
        with time_machine.travel(moment, tick=False):
            services.consent_update(
                subject=customer,
                choices={purpose("marketing"): index % 2 == 0},
                method=ConsentRecord.Method.DASHBOARD,
            )


def _consent_table(client, language):
    main = _main(client, "/my-data/", language)
    start = main.index('id="consent-consentrecord')
    return main[start : main.index("</table>", start)]


@pytest.mark.parametrize(
    ("language", "heading", "cell"),
    [
        ("en", "Time (JST)</th>", "<span>6 Dec 2026,</span> <span>09:33</span></td>"),
        ("ja", "日時（日本時間）</th>", "<span>2026年12月6日</span> <span>09:33</span></td>"),
    ],
)
def test_my_data_names_a_shared_zone_once_in_the_column_heading(
    stepped_up_client, customer, language, heading, cell
):
    """The records' times on "my data" (APPI art. 33, GDPR art. 15) are all in the
    customers' zone: its heading says which, the cells say only the time."""
    _consent_at(customer, [RECEIVED, RECEIVED + dt.timedelta(days=1)])
    table = _consent_table(stepped_up_client, language)
    assert heading in table
    assert cell in table


def test_my_data_names_each_times_zone_when_summer_and_winter_differ(
    stepped_up_client, customer, settings
):
    settings.CUSTOMER_TIME_ZONE = "Europe/Berlin"
    _consent_at(customer, [RECEIVED, dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)])
    table = _consent_table(stepped_up_client, "en")
    assert "Time</th>" in table
    assert "<span>6 Dec 2026,</span> <span>01:33 CET</span></td>" in table
    assert "<span>1 Jul 2026,</span> <span>10:00 CEST</span></td>" in table
    ja = _consent_table(stepped_up_client, "ja")
    assert "<span>2026年12月6日</span> <span>01:33（欧州中部時間）</span></td>" in ja


def _working_page(client, request, language):
    client.cookies["django_language"] = language
    page = client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    return re.sub(r"\s+", " ", page)


def _timeline(page):
    start = page.index('<ol class="rr-timeline">')
    return page[start : page.index("</ol>", start)]


@pytest.mark.parametrize(
    ("language", "heading", "zone"),
    [
        ("en", "Timeline and messages (JST)</h2>", " JST"),
        ("ja", "経過とメッセージ（日本時間）</h2>", "（日本時間）"),
    ],
)
def test_the_working_page_names_the_readers_zone_over_its_timeline(
    officer_client, customer, language, heading, zone, django_capture_on_commit_callbacks
):
    request = _file(customer, Regime.APPI, django_capture_on_commit_callbacks)
    page = _working_page(officer_client, request, language)
    assert heading in page
    timeline = _timeline(page)
    assert "09:33</time>" in timeline
    assert f"09:33{zone}</time>" not in timeline


def test_a_summer_time_in_the_timeline_read_in_winter_names_its_zone(
    officer_client, officer, customer, django_capture_on_commit_callbacks
):
    """A member of staff in Berlin reads in winter (CET) a request filed in summer."""
    import time_machine

    officer.time_zone = "Europe/Berlin"
    officer.save(update_fields=["time_zone"])
    summer = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(summer, tick=False), django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            subject=customer,
            requester=customer,
            kind=Kind.DISCLOSURE,
            delivery_method="paper",
            regime=Regime.GDPR,
        )
    page = _working_page(officer_client, request, "en")
    assert "Timeline and messages (CET)</h2>" in page
    assert "1 Jul 2026, 10:00 CEST</time>" in _timeline(page)


def test_the_identity_section_names_the_zone_of_its_times(
    officer_client, officer, customer, django_capture_on_commit_callbacks
):
    from rights.requesters.models import RequestIdentity
    from tests.rights.staff_entry_support import entered_from_a_letter

    with django_capture_on_commit_callbacks(execute=True):
        request = entered_from_a_letter(customer, officer)
    RequestIdentity.objects.filter(request=request).update(decided_at=RECEIVED)
    page = _working_page(officer_client, request, "en")
    assert "— 6 Dec 2026, 09:33 JST" in page
    assert "2026年12月6日 09:33（日本時間）" in _working_page(officer_client, request, "ja")
