"""What a deletion kept under a legal hold, on the customer's request page and in the
admin, before and after the hold ends (GDPR art. 17(3)(e): kept for a legal claim, then
erased; APPI art. 35(7): the person is told what was done; GDPR art. 12(1): in clear and
plain language, so the page never contradicts itself)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from rights.models import DeferredErasure
from rights.retention import jobs
from rights.retention.holds.services import hold_place, hold_release
from tests.conftest import step_up
from tests.formats_support import shown_date

from .retention_support import (
    IN_COURT,
    approve,
    at,
    customer_with_records,
    file_deletion,
    litigation_hold,
)

pytestmark = pytest.mark.django_db

NO_LAW = "No law requires us to keep any of this data"
NO_LAW_JA = "裁判所や行政機関の命令がない限り、このデータの保存を義務付ける法律はありません"
HELD = "kept under a legal hold (GDPR art. 17(3)(e); litigation) until the hold ends"
RELEASED_ON = at(2026, 8, 3)


@pytest.fixture
def kept_under_hold(officer, django_capture_on_commit_callbacks):
    """A deletion of the usage history (no retention rule keeps it), which a litigation
    hold without an end keeps: the request ends partially completed."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=4, invoices=[])
        hold = litigation_hold(officer, customer, categories=["usage"], reason=IN_COURT)
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    request.refresh_from_db()
    assert request.status == "partially_completed"
    return request, hold


def _summary(client, request) -> str:
    page = client.get(f"/requests/{request.pk}/").content.decode()
    return re.search(
        r'<section class="card" aria-labelledby="summary-title">.*?</section>', page, re.S
    )[0]


def _release_and_run(hold, officer):
    with time_machine.travel(RELEASED_ON, tick=False):
        hold_release(hold=hold, actor=officer, reason="Judgment final; no appeal")
        jobs.run_deferred()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_summary_says_the_hold_keeps_the_data_not_that_no_law_does(
    kept_under_hold, client, django_capture_on_commit_callbacks, language
):
    request, _hold = kept_under_hold
    step_up(client, request.subject, django_capture_on_commit_callbacks, language=language)
    summary = _summary(client, request)
    assert NO_LAW not in summary and NO_LAW_JA not in summary
    assert "GDPR art. 17(3)(e); litigation" in summary
    if language == "en":
        assert HELD in summary and "4 records" in summary


def test_once_the_hold_is_released_and_the_data_erased_the_page_says_so_with_the_day(
    kept_under_hold, officer, client, django_capture_on_commit_callbacks
):
    request, hold = kept_under_hold
    _release_and_run(hold, officer)
    step_up(client, request.subject, django_capture_on_commit_callbacks, language="en")
    summary = _summary(client, request)
    assert HELD not in summary and NO_LAW not in summary
    erased_on = shown_date(dt.date(2026, 8, 3), "en")
    assert f"4 records: kept for a time, as we told you; erased on {erased_on}." in summary


def test_the_erased_line_reads_in_japanese(
    kept_under_hold, officer, client, django_capture_on_commit_callbacks
):
    request, hold = kept_under_hold
    _release_and_run(hold, officer)
    step_up(client, request.subject, django_capture_on_commit_callbacks, language="ja")
    summary = _summary(client, request)
    assert f"{shown_date(dt.date(2026, 8, 3), 'ja')}に消去しました" in summary
    assert "kept for a time" not in summary


def test_the_admin_list_shows_the_day_a_deferred_erasure_was_erased(
    kept_under_hold, officer, officer_client
):
    _request, hold = kept_under_hold
    _release_and_run(hold, officer)
    step = DeferredErasure.objects.get(source="portal.usagerecord")
    assert step.status == DeferredErasure.Status.DONE and step.not_before is None
    listing = officer_client.get("/admin/rights/deferrederasure/").content.decode()
    row = re.search(rf"D-{step.pk:05d}.*?</tr>", listing, re.S)[0]
    assert "2026年8月3日" in row  # the staff pages are in Japanese


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "4 records: kept under a legal hold until the hold ended early on {ended} JST; "
            "erased on {ended}.",
        ),
        (
            "ja",
            "保全が予定より早く{ended}（日本時間）に終了したため、{ended}に消去しました。",
        ),
    ],
)
def test_a_hold_released_before_its_end_date_says_it_ended_early_on_that_day(
    officer, client, django_capture_on_commit_callbacks, language, expected
):
    """The person was told the data is kept until 5 Jan 2027 (APPI art. 35(7)); the
    hold released on 3 Aug 2026 must not read "kept for a time, as we told you"."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=4, invoices=[])
        hold = hold_place(
            actor=officer,
            subject=customer,
            categories=["usage"],
            reason=IN_COURT,
            legal_basis="GDPR art. 17(3)(e); litigation",
            ends_on=dt.date(2027, 1, 5),
        )
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    _release_and_run(hold, officer)
    step_up(client, customer, django_capture_on_commit_callbacks, language=language)
    summary = " ".join(_summary(client, request).split())
    assert expected.format(ended=shown_date(dt.date(2026, 8, 3), language)) in summary, summary
    assert "kept for a time" not in summary and "一定期間" not in summary
