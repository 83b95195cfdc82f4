"""Notices to customers in the admin: during a mail outage the officer sees which
notices are not yet e-mailed (and why, when the outbox recorded an error); read-only,
for officers and auditors; handlers do not see operations."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.kernel.models import OutboxMessage
from portal.kernel.roles import AUDITOR, SERVICE_HANDLER
from portal.kernel.staff import staff_create
from rights.models import RequestNotification
from rights.notifications import SEND_NOTIFICATION_TASK
from tests.conftest import PASSWORD, admin_login

pytestmark = pytest.mark.django_db
URL = "/admin/rights/requestnotification/"


def _notice(request, kind, *, emailed=False, error=""):
    notice = RequestNotification.objects.create(
        request=request, kind=kind, emailed_at=timezone.now() if emailed else None
    )
    OutboxMessage.objects.create(
        task_name=SEND_NOTIFICATION_TASK,
        args=[notice.pk],
        attempts=3 if error else 1,
        last_error=error,
        done_at=timezone.now() if emailed else None,
    )
    return notice


def _rows(client, query=None) -> str:
    page = client.get(URL, query or {}).content.decode()
    table = page[page.index('id="result_list"') :]
    return table[: table.index("</table>")]


@pytest.fixture
def request_(customer, file_request):
    request = file_request(customer)
    RequestNotification.objects.filter(request=request).delete()
    return request


def test_the_officer_finds_the_notices_not_emailed(officer_client, request_):
    _notice(request_, "fee_due", error="SMTPServerDisconnected: Connection unexpectedly closed")
    _notice(request_, "completed", emailed=True)

    officer_client.cookies["django_language"] = "en"
    rows = _rows(officer_client, {"emailed": "no"})
    assert request_.reference in rows
    assert "Fee due" in rows
    assert "SMTPServerDisconnected" in rows
    assert "Completed" not in rows
    # The reference opens the request; the notice's own link is its kind (a link in
    # a link left an empty one, nameless for a screen reader).
    assert "</a></a>" not in rows
    opens = f'<a href="/admin/rights/rightsrequest/{request_.pk}/change/">{request_.reference}'
    assert opens in rows

    officer_client.cookies["django_language"] = "ja"
    assert "手数料のお支払いのお願い" in _rows(officer_client, {"emailed": "no"})


def test_nothing_is_changed_or_deleted(officer_client, request_):
    notice = _notice(request_, "fee_due")
    assert officer_client.get(f"{URL}add/").status_code == 403
    response = officer_client.post(f"{URL}{notice.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert RequestNotification.objects.filter(pk=notice.pk).exists()


@pytest.mark.parametrize(("role", "status"), [(AUDITOR, 200), (SERVICE_HANDLER, 403)])
def test_auditors_read_the_notices_and_handlers_do_not(role, status):
    user, _device, _ = staff_create(email="staff@example.com", role=role, password=PASSWORD)
    assert admin_login(Client(), user).get(URL).status_code == status


def test_the_list_reads_the_same_number_of_queries_for_1_and_20_rows(officer_client, request_):
    _notice(request_, "fee_due", error="refused")
    officer_client.get(URL, {"emailed": "no"})  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert officer_client.get(URL, {"emailed": "no"}).status_code == 200
    for _ in range(19):
        _notice(request_, "message", error="refused")
    with CaptureQueriesContext(connection) as twenty:
        page = _rows(officer_client, {"emailed": "no"})
    assert page.count("refused") == 20
    assert len(twenty) == len(one)
