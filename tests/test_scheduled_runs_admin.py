"""The scheduled jobs' runs in the admin: whether a job ran for a period and
finished, for officers and auditors; handlers do not see operations."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from portal.kernel.models import ScheduledRun
from portal.kernel.roles import AUDITOR, SERVICE_HANDLER
from portal.kernel.staff import staff_create
from tests.conftest import PASSWORD, admin_login

pytestmark = pytest.mark.django_db
URL = "/admin/portal/scheduledrun/"


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
    assert "完了していません" in page

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
    assert "usage-log：portal.usagerecord 6件" in page
    page = officer_client.get(f"{URL}{sweep.pk}/change/").content.decode()
    assert "usage-log：portal.usagerecord 6件" in page
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
