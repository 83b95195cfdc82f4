"""The scheduled runs list and a failed run's page as the officer reads them, at 1280
and 390 pixels, in both languages: failed told from not finished, the rules and
sources by name, the outbox drain's idle runs left out; axe-core finds nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.kernel.models import ScheduledRun
from portal.kernel.staff import staff_create
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/admin/portal/scheduledrun/"
WORDS = {
    "ja": {"failed": "失敗", "running": "未完了", "rule": "利用履歴（usage-log）"},
    "en": {"failed": "Failed", "running": "Not finished", "rule": "Usage history (usage-log)"},
}


def _runs() -> ScheduledRun:
    night = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    for n in range(30):
        at = night + dt.timedelta(seconds=10 * n)
        ScheduledRun.objects.create(
            job="outbox-drain", period_start=at, task_id=f"d{n}", finished_at=at, result=0
        )
    ScheduledRun.objects.create(
        job="rights-retention-sweep",
        period_start=night,
        task_id="sweep",
        finished_at=night + dt.timedelta(minutes=4),
        result={"usage-log": {"portal.usagerecord": 587}},
    )
    ScheduledRun.objects.create(
        job="rights-retention-purge",
        period_start=night + dt.timedelta(minutes=30),
        task_id="purge",
    )
    ScheduledRun.objects.create(
        job="rights-retention-deferred",
        period_start=night - dt.timedelta(minutes=30),
        task_id="deferred",
        failed_at=night - dt.timedelta(minutes=29),
        failures=1,
        error="OperationalError",
        finished_at=night - dt.timedelta(minutes=20),
        result={},
    )
    return ScheduledRun.objects.create(
        job="rights-erasure-ledger-fill",
        period_start=night + dt.timedelta(hours=1),
        task_id="ledger",
        failed_at=night + dt.timedelta(hours=1, seconds=3),
        failures=3,
        error="portal.kernel.jobs.JobError: the ledger file is not writable",
    )


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"scheduled-{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_runs_list_and_a_failed_run_read_clearly_and_pass_axe(
    browser, live_server, axe_check, language
):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    failed = _runs()
    context, page = staff_page(browser, live_server, officer, language)
    words = WORDS[language]
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(URL)
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 4  # the idle drains left out
        ledger = rows.filter(has_text="rights-erasure-ledger-fill")
        assert words["failed"] in ledger.inner_text()
        assert "the ledger file is not writable" in ledger.inner_text()
        purge = rows.filter(has_text="rights-retention-purge")
        assert words["running"] in purge.inner_text()
        assert words["failed"] not in purge.inner_text()
        assert words["rule"] in rows.filter(has_text="rights-retention-sweep").inner_text()
        assert axe_check(page, f"runs list {width} [{language}]") == []
        _shot(page, f"runs-list-{language}-{width}")

        page.goto(f"{URL}?runs=all")
        assert page.locator("#result_list tbody tr").count() == 34
        assert axe_check(page, f"all runs {width} [{language}]") == []

        page.goto(f"{URL}{failed.pk}/change/")
        assert words["failed"] in page.locator("#content").inner_text()
        assert axe_check(page, f"failed run {width} [{language}]") == []
        _shot(page, f"failed-run-{language}-{width}")
    context.close()
