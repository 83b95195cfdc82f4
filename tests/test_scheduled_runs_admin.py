"""The scheduled jobs' runs in the admin: whether a job ran for a period and
finished, for officers and auditors; handlers do not see operations."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from portal.kernel.models import ScheduledRun
from portal.kernel.roles import AUDITOR, SERVICE_HANDLER
from portal.kernel.staff import staff_create
from tests.conftest import PASSWORD, admin_login

pytestmark = pytest.mark.django_db
URL = "/admin/portal/scheduledrun/"
TIMES = ["period_start", "claimed_at", "finished_at", "failed_at"]


@pytest.fixture
def runs():
    morning = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    ScheduledRun.objects.create(
        job="rights-remind-due-soon",
        period_start=morning,
        task_id="t-reminders",
        finished_at=morning + dt.timedelta(minutes=1),
    )
    ScheduledRun.objects.create(
        job="rights-retention-sweep", period_start=morning, task_id="t-sweep"
    )


def _rows(client, query) -> str:
    page = client.get(URL, query).content.decode()
    table = page[page.index('id="result_list"') :]
    return table[: table.index("</table>")]


def test_the_officer_finds_a_run_that_did_not_finish(officer_client, runs):
    officer_client.cookies["django_language"] = "ja"
    page = _rows(officer_client, {"finished": "no"})
    assert "rights-retention-sweep" in page
    assert "rights-remind-due-soon" not in page
    assert "未完了" in page

    page = _rows(officer_client, {"job": "rights-remind-due-soon"})
    assert "rights-remind-due-soon" in page and "rights-retention-sweep" not in page


def test_the_officer_cannot_change_or_delete_a_run(officer_client, runs):
    run = ScheduledRun.objects.get(job="rights-retention-sweep")
    response = officer_client.post(f"{URL}{run.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ScheduledRun.objects.filter(pk=run.pk).exists()


@pytest.mark.parametrize(("role", "status"), [(AUDITOR, 200), (SERVICE_HANDLER, 403)])
def test_auditors_read_the_runs_and_handlers_do_not(runs, role, status):
    user, _device, _ = staff_create(email="staff@example.com", role=role, password=PASSWORD)
    assert admin_login(Client(), user).get(URL).status_code == status


# The rule by the name the rules list shows, its code beside it as there; the data
# source by its label, its registry key in a tooltip.
_SWEPT_JA = '利用履歴（usage-log）：<span title="portal.usagerecord">利用履歴</span> 6件'


def test_a_finished_run_says_what_the_job_did(officer_client):
    """The page said only "finished": whether last night's sweep erased anything, or the
    fee expiry expired a request, the officer could not tell without the worker's log
    (a job that finishes having done nothing looks the same as one that did its work)."""
    from celery.schedules import crontab

    from portal.kernel import jobs
    from rights.tasks import expire_unpaid_fees, retention_sweep
    from tests.rights.retention_support import former_customers

    former_customers(customers=2, each=3)
    now = timezone.now()
    retention_sweep.apply(headers=jobs.beat_headers("rights-retention-sweep", crontab(), now))
    expire_unpaid_fees.apply(headers=jobs.beat_headers("rights-expire-unpaid-fees", crontab(), now))
    sweep = ScheduledRun.objects.get(job="rights-retention-sweep")
    assert sweep.result == {"usage-log": {"portal.usagerecord": 6}}
    assert ScheduledRun.objects.get(job="rights-expire-unpaid-fees").result == 0

    officer_client.cookies["django_language"] = "ja"
    page = _rows(officer_client, {"job": "rights-retention-sweep"})
    assert _SWEPT_JA in page
    page = officer_client.get(f"{URL}{sweep.pk}/change/").content.decode()
    assert _SWEPT_JA in page
    page = _rows(officer_client, {"job": "rights-expire-unpaid-fees"})
    assert "0件" in page


@pytest.mark.parametrize(
    ("language", "expected", "codes"),
    [
        ("ja", ["消去を依頼：2件", "保全中のため保留：1件", "催促：1件"], ["asked", "still_held"]),
        (
            "en",
            ["Asked to erase: 2 items", "Still under a hold: 1 item", "Reminded: 1 item"],
            ["asked ", "still_held"],
        ),
    ],
)
def test_what_a_job_did_reads_in_words_not_codes(officer_client, language, expected, codes):
    """The after-holds and reminder jobs return counts by outcome code; the list and the
    run's page name each outcome in the reader's language (a rule keeps its code, which
    is what the rules list calls it)."""
    morning = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    for job, result in [
        ("rights-connectors-after-holds", {"asked": 2, "still_held": 1}),
        ("rights-connectors-remind", {"reminded": 1, "escalated": 0}),
    ]:
        ScheduledRun.objects.create(
            job=job, period_start=morning, task_id=job, finished_at=morning, result=result
        )
    officer_client.cookies["django_language"] = language
    page = _rows(officer_client, {})
    for line in expected:
        assert line in page
    for code in codes:
        assert code not in page


def test_rules_and_sources_are_named_as_staff_know_them_in_english(officer_client):
    """The sweep's line named a rule and a source by codes (``usage-log:
    portal.usagerecord 6 items``); staff know them by the names the rules list and
    "my data" use."""
    from rights.retention.models import RetentionRule

    RetentionRule.objects.filter(code="usage-log").update(name_en="Usage logs")
    morning = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    ScheduledRun.objects.create(
        job="rights-retention-sweep",
        period_start=morning,
        task_id="t",
        finished_at=morning,
        result={"usage-log": {"portal.usagerecord": 6, "gone.source": 1}, "no-such-rule": {}},
    )
    officer_client.cookies["django_language"] = "en"
    page = _rows(officer_client, {})
    # (PostgreSQL's jsonb keeps the keys in an order of its own.)
    assert "Usage logs (usage-log): " in page
    assert '<span title="portal.usagerecord">Usage history</span> 6 items' in page
    assert "gone.source 1 item" in page
    # A rule or a source no longer declared keeps its code.
    assert "no-such-rule: 0 items" in page


def _failed_runs():
    morning = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    failed = ScheduledRun.objects.create(
        job="rights-retention-sweep",
        period_start=morning,
        task_id="t-sweep",
        failed_at=morning + dt.timedelta(minutes=3),
        failures=2,
        error="RuntimeError",
    )
    running = ScheduledRun.objects.create(
        job="rights-retention-purge", period_start=morning, task_id="t-purge"
    )
    recovered = ScheduledRun.objects.create(
        job="rights-retention-deferred",
        period_start=morning,
        task_id="t-deferred",
        failed_at=morning + dt.timedelta(minutes=1),
        failures=1,
        error="OperationalError",
        finished_at=morning + dt.timedelta(minutes=9),
        result={},
    )
    return failed, running, recovered


def test_a_failed_run_reads_failed_with_its_error_and_a_running_one_not_finished(
    officer_client,
):
    """A failed job read 「未完了」, like one still running, with "the worker's log says
    why". Now it reads 「失敗」 with the error's class; a run with no failure on record
    (running, or its worker killed) still reads 「未完了」."""
    failed, running, recovered = _failed_runs()
    officer_client.cookies["django_language"] = "ja"
    rows = _rows(officer_client, {}).split("<tr")
    (failed_row,) = [row for row in rows if "rights-retention-sweep" in row]
    assert "失敗" in failed_row and "RuntimeError" in failed_row and "2回" in failed_row
    assert "未完了" not in failed_row
    (running_row,) = [row for row in rows if "rights-retention-purge" in row]
    assert "未完了" in running_row and "失敗" not in running_row
    (recovered_row,) = [row for row in rows if "rights-retention-deferred" in row]
    assert "完了" in recovered_row and "1回失敗した後" in recovered_row

    page = _rows(officer_client, {"finished": "failed"})
    assert "rights-retention-sweep" in page
    assert "rights-retention-purge" not in page and "rights-retention-deferred" not in page
    # "Not finished" still lists every run that did not finish, failed or not.
    page = _rows(officer_client, {"finished": "no"})
    assert "rights-retention-sweep" in page and "rights-retention-purge" in page

    page = officer_client.get(f"{URL}{failed.pk}/change/").content.decode()
    assert "RuntimeError" in page and "失敗" in page


def _drains():
    """A day of the outbox drain in miniature: idle runs, one that published, one
    still running, one idle after failing; and a daily job that did nothing."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    for n in range(5):
        at = start + dt.timedelta(seconds=10 * n)
        ScheduledRun.objects.create(
            job="outbox-drain", period_start=at, task_id=f"idle-{n}", finished_at=at, result=0
        )
    at = start + dt.timedelta(minutes=5)
    ScheduledRun.objects.create(
        job="outbox-drain", period_start=at, task_id="published", finished_at=at, result=3
    )
    ScheduledRun.objects.create(
        job="outbox-drain", period_start=at + dt.timedelta(seconds=10), task_id="running"
    )
    ScheduledRun.objects.create(
        job="outbox-drain",
        period_start=at + dt.timedelta(seconds=20),
        task_id="failed-first",
        finished_at=at + dt.timedelta(seconds=25),
        failed_at=at + dt.timedelta(seconds=21),
        failures=1,
        error="OSError",
        result=0,
    )
    ScheduledRun.objects.create(
        job="api-callbacks-retry", period_start=at, task_id="cb-idle", finished_at=at, result=0
    )
    ScheduledRun.objects.create(
        job="rights-connectors-due", period_start=at, task_id="due-idle", finished_at=at, result={}
    )
    ScheduledRun.objects.create(
        job="rights-expire-unpaid-fees", period_start=at, task_id="fees", finished_at=at, result=0
    )


def _task_ids(client, query) -> set[str]:
    from django.contrib.admin.views.main import ChangeList

    response = client.get(URL, query)
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert isinstance(changelist, ChangeList)
    return {run.task_id for run in changelist.result_list}


def test_the_list_leaves_out_idle_runs_of_frequent_jobs_unless_asked(officer_client):
    """The drain runs every 10 seconds (8,640 runs a day), the callback retry and the
    connectors' due tasks every minute: their runs that did nothing buried the night's
    sweep. By default the list leaves those out; a run that did something, did not
    finish or failed before finishing stays, and so does any run of a daily job."""
    _drains()
    shown = _task_ids(officer_client, {})
    assert shown == {"published", "running", "failed-first", "fees"}

    assert len(_task_ids(officer_client, {"runs": "all"})) == 11
    # Choosing a job shows all of its runs: whether it ran is what is asked.
    drains = _task_ids(officer_client, {"job": "outbox-drain"})
    assert {f"idle-{n}" for n in range(5)} <= drains

    officer_client.cookies["django_language"] = "ja"
    page = officer_client.get(URL).content.decode()
    assert "すべての実行" in page
    assert "頻繁なジョブで何もしなかった実行を除く" in page


def test_the_rules_names_are_read_once_per_page(officer_client):
    """Each row that counts by rule asked for the rules' names: a week of sweeps on a
    page read the rules table a week's times over."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rule_queries(sweeps: int) -> int:
        ScheduledRun.objects.all().delete()
        start = timezone.now().replace(minute=0, second=0, microsecond=0)
        for n in range(sweeps):
            at = start - dt.timedelta(days=n)
            ScheduledRun.objects.create(
                job="rights-retention-sweep",
                period_start=at,
                task_id=f"s{n}",
                finished_at=at,
                result={"usage-log": {"portal.usagerecord": n}},
            )
        with CaptureQueriesContext(connection) as queries:
            assert officer_client.get(URL).status_code == 200
        return sum("retentionrule" in query["sql"] for query in queries.captured_queries)

    assert rule_queries(1) == rule_queries(7) == 1


@pytest.mark.parametrize(("language", "zone"), [("ja", "日本時間"), ("en", "JST")])
def test_the_runs_times_name_their_time_zone(officer_client, language, zone):
    """A run's times are the reader's, as on the audit screen: the list's headings and
    the run's page name the zone, so a night run at 02:00 is not read as UTC."""
    night = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    run = ScheduledRun.objects.create(
        job="rights-retention-sweep",
        period_start=night,
        task_id="t-sweep",
        finished_at=night + dt.timedelta(minutes=4),
    )
    officer_client.cookies["django_language"] = language
    page = officer_client.get(URL, {"runs": "all"}).content.decode()
    start = page.index('id="result_list"')
    headings = page[start : page.index("</thead>", start)]
    assert headings.count(zone) == 2, headings
    change = officer_client.get(f"{URL}{run.pk}/change/").content.decode()
    labels = re.findall(r"<label>([^<]*)</label>", change)
    zoned = [text for text in labels if zone in text]
    assert len(zoned) == 4, labels  # period start, claimed, finished, failed
    # The page's title: the period's start at 02:00 in the reader's zone, not 17:00 UTC.
    title = re.search(r"<h2>([^<]*)</h2>", change)[1]
    assert "02:00" in title and zone in title, title
    # Each time keeps its field's help.
    with translation.override(language):
        helps = [str(ScheduledRun._meta.get_field(name).help_text) for name in TIMES]
    for text in helps:
        assert text in change, text  # the admin writes help texts as they are (|safe)
