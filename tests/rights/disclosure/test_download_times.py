"""A disclosure's download page and its package state times in the requester's zone.

GDPR art. 12(3), 15(3): a request from Berlin is answered, and its notices, request
page and e-mails dated, in Berlin time (``RightsRequest.time_zone``); the page the
e-mail's link opens and the files in the zip must say the same day and hour, not the
portal's (Tokyo).
"""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consent import services as consent_services
from consent.models import ProcessingRestriction
from rights import workflow
from rights.choices import Regime, Status
from rights.disclosure.models import DisclosurePackage
from rights.disclosure.package import iter_report_html, write_package, write_purpose_notice
from rights.disclosure.services import download_path
from rights.services import request_submit
from tests.conftest import step_up
from tests.rights.disclosure_support import customer_with_data, unzip

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# 5 December 19:30 in Berlin: already 6 December 03:30 in Tokyo.
BERLIN_EVENING = dt.datetime(2026, 12, 5, 19, 30, tzinfo=BERLIN)


@pytest.fixture
def subject(db):
    """The customer and their records made on the same Berlin evening: a record made
    when the test runs (after 23:00 UTC, already 6 December in Berlin) would show a
    day the assertions below cannot tell from Tokyo's."""
    with time_machine.travel(BERLIN_EVENING, tick=False):
        return customer_with_data(language="en")


@pytest.fixture
def answered(subject, officer, django_capture_on_commit_callbacks):
    """A GDPR disclosure filed and answered on a Berlin evening; the task builds it."""
    with (
        time_machine.travel(BERLIN_EVENING, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request = request_submit(
            subject=subject,
            requester=subject,
            kind="disclosure",
            delivery_method="electronic",
            regime=Regime.GDPR,
        )
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED and request.zone == "Europe/Berlin"
    return request


def test_the_download_page_dates_the_file_and_the_link_in_berlin(
    answered, subject, client, django_capture_on_commit_callbacks
):
    package = DisclosurePackage.objects.get(request=answered)
    with time_machine.travel(BERLIN_EVENING + dt.timedelta(hours=1), tick=False):
        step_up(client, subject, django_capture_on_commit_callbacks, "en")
        page = client.get(download_path(package)).content.decode()
    assert "5 Dec 2026, 19:30" in page  # prepared on
    assert "19 Dec 2026, 19:30" in page  # the link works until (14 days)
    assert "03:30" not in page


def test_the_expired_link_page_names_the_day_it_expired_in_berlin(
    answered, subject, client, django_capture_on_commit_callbacks
):
    package = DisclosurePackage.objects.get(request=answered)
    with time_machine.travel(package.expires_at + dt.timedelta(hours=1), tick=False):
        step_up(client, subject, django_capture_on_commit_callbacks, "en")
        page = client.get(download_path(package)).content.decode()
    assert "The link expired on 19 Dec 2026, 19:30" in page
    assert "20 Dec 2026" not in page


def test_the_package_readme_report_and_tables_are_in_berlin_time(answered, subject):
    package = DisclosurePackage.objects.get(request=answered)
    with time_machine.travel(BERLIN_EVENING, tick=False):
        files = _package_files(answered)
    readme = files["README.txt"].decode()
    report = files["report.html"].decode()
    assert "Prepared on 5 Dec 2026, 19:30 CET." in readme
    assert "prepared on 5 Dec 2026, 19:30 CET" in report
    assert "6 Dec 2026" not in readme + report
    # The request itself, a record of the package, as the person filed it.
    assert b"2026-12-05 19:30:00" in files["csv/requests.csv"]
    assert package.created_at == BERLIN_EVENING


def test_the_printable_report_is_in_berlin_time(answered):
    with time_machine.travel(BERLIN_EVENING, tick=False):
        report = "".join(iter_report_html(answered))
    assert "prepared on 5 Dec 2026, 19:30 CET" in report
    assert "6 Dec 2026" not in report


def _package_files(request) -> dict[str, bytes]:
    buffer = io.BytesIO()
    write_package(request, buffer)
    return unzip(buffer.getvalue())


def _purpose_notice(subject) -> tuple[str, str]:
    """A GDPR notice of purposes filed and written on the Berlin evening: its file's
    HTML and its printable view."""
    with time_machine.travel(BERLIN_EVENING, tick=False):
        request = request_submit(
            subject=subject,
            requester=subject,
            kind="purpose_notice",
            delivery_method="electronic",
            regime=Regime.GDPR,
        )
        buffer = io.BytesIO()
        write_purpose_notice(request, buffer)
        printable = "".join(iter_report_html(request))
    return unzip(buffer.getvalue())["notice.html"].decode(), printable


def test_the_notice_of_purposes_is_dated_in_berlin(subject):
    """The notice's date, in its file and printable view, is the requester's day."""
    notice, printable = _purpose_notice(subject)
    for text in (notice, printable):
        assert "5 Dec 2026" in text and "6 Dec 2026" not in text


def test_the_reports_tables_write_times_as_the_pages_do_with_their_zone(answered):
    """The readable report's tables (the requests, their steps, consent records) give
    a time as the pages and the report's own dates do, "5 Dec 2026, 19:30 CET", not
    as the machine-readable files do: "2026-12-05 19:30:00" names no zone, and a
    person in Berlin cannot tell it from Tokyo time (docs/development.md, Dates)."""
    with time_machine.travel(BERLIN_EVENING, tick=False):
        report = "".join(iter_report_html(answered))
    tables = report[report.index('<table class="dr-table">') :]
    assert "2026-12-05 19:30" not in tables
    assert "<td>5 Dec 2026, 19:30 CET</td>" in tables


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


#: A day of 5 December that does not name its zone (a time of it names CET after it).
BARE_DAY = re.compile(r"5 Dec 2026(?!,? (?:\d\d:\d\d )?CET)")


def test_the_report_names_the_zone_of_the_day_the_request_was_received(answered):
    with time_machine.travel(BERLIN_EVENING, tick=False):
        report = _words(_package_files(answered)["report.html"].decode())
    assert "Request received on 5 Dec 2026 CET" in report


def test_the_notice_of_purposes_names_the_zone_of_its_days(subject):
    """The day received, and the days of the choices and stops its reasons give."""
    with time_machine.travel(BERLIN_EVENING, tick=False):
        consent_services.restriction_create(
            subject=subject,
            scope=ProcessingRestriction.Scope.USE,
            source=ProcessingRestriction.Source.STAFF,
        )
    notice = _words(_purpose_notice(subject)[0])
    assert "Request received on 5 Dec 2026 CET" in notice
    assert "since 5 Dec 2026 CET" in notice
    assert not BARE_DAY.search(notice), BARE_DAY.search(notice)
