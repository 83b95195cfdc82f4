"""When the person answers "No" on the link that asks whether they appointed the agent
(CCPA §7063, APPI art. 37), staff are told at once: the request's assignee, or, while
nobody holds it, the privacy officers (the privacy office's address when there are
none). The request waits for a decision with its clock paused, so it must not wait for
someone to happen to open it. The alert is queued in the answer's transaction (the
outbox: a crash loses none) and sent once; the queue filters such requests."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.test import Client

from portal.kernel.models import OutboxMessage
from rights.services import request_assign
from tests.mail_support import deliver_again, fail_once

from .identity_support import agent_to_confirm

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

TASK = "rights.tasks.mail_agent_refused"
CHANGELIST = "/admin/rights/rightsrequest/"


@pytest.fixture
def asked(officer, django_capture_on_commit_callbacks):
    """An appointed agent's request, matched, the person asked to confirm the agent."""
    asked = agent_to_confirm(officer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return asked


def _answer(path, capture, answer="no"):
    with capture(execute=True):
        return Client(HTTP_ACCEPT_LANGUAGE="en").post(path, {"answer": answer})


def _alerts():
    return [m for m in mail.outbox if "did not appoint" in m.subject or "代理人" in m.subject]


def test_ccpa_7063_a_refused_agent_is_mailed_to_the_assignee_once(
    asked, officer, django_capture_on_commit_callbacks
):
    from portal.kernel.staff import staff_create

    request, path = asked
    handler, _device, _ = staff_create(email="po2@example.com")
    handler.language, handler.time_zone = "ja", "Asia/Tokyo"
    handler.save(update_fields=["language", "time_zone"])
    with django_capture_on_commit_callbacks(execute=True):
        request_assign(requests=[request], assignee=handler, actor=officer)
    mail.outbox.clear()
    assert _answer(path, django_capture_on_commit_callbacks).status_code == 200
    (alert,) = _alerts()
    assert alert.to == [handler.email]
    assert request.reference in alert.subject and request.reference in alert.body
    assert "代理人" in alert.body
    assert f"/admin/rights/rightsrequest/{request.pk}/change/" in alert.body
    # The person's name stays out of a staff mail: the reference names the request.
    assert "山田" not in alert.body and "山田" not in alert.subject
    # Answered again (another tab): still one alert.
    _answer(path, django_capture_on_commit_callbacks)
    assert len(_alerts()) == 1
    assert OutboxMessage.objects.filter(task_name=TASK).count() == 1


def test_appi_art_37_an_unassigned_refusal_is_mailed_to_the_privacy_officers(
    asked, officer, django_capture_on_commit_callbacks
):
    request, path = asked
    _answer(path, django_capture_on_commit_callbacks)
    (alert,) = _alerts()
    assert alert.to == [officer.email]
    assert request.reference in alert.body


def test_without_officers_the_refusal_goes_to_the_privacy_office(
    asked, officer, settings, django_capture_on_commit_callbacks
):
    request, path = asked
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    _answer(path, django_capture_on_commit_callbacks)
    (alert,) = _alerts()
    assert alert.to == [settings.PRIVACY_OFFICE_EMAIL]


def test_the_alert_is_queued_in_the_answers_transaction(asked, django_capture_on_commit_callbacks):
    """Queued with the answer, before any commit hook runs: a crash after the answer
    is committed still leaves the alert to send."""
    _request, path = asked
    with django_capture_on_commit_callbacks(execute=False):
        Client(HTTP_ACCEPT_LANGUAGE="en").post(path, {"answer": "no"})
    assert OutboxMessage.objects.filter(task_name=TASK).count() == 1


def test_a_confirmed_agent_alerts_nobody(asked, django_capture_on_commit_callbacks):
    _request, path = asked
    _answer(path, django_capture_on_commit_callbacks, answer="yes")
    assert _alerts() == []
    assert not OutboxMessage.objects.filter(task_name=TASK).exists()


def test_the_queue_shows_the_requests_whose_agent_was_refused(
    asked, officer, django_capture_on_commit_callbacks
):
    from tests.conftest import admin_login

    request, path = asked
    from rights.services import request_submit

    other = request_submit(subject=request.subject, requester=request.subject, kind="deletion")
    _answer(path, django_capture_on_commit_callbacks)
    client = admin_login(Client(), officer)
    page = client.get(CHANGELIST, {"agent": "refused"})
    assert page.status_code == 200
    text = page.content.decode()
    # The rows link to their requests (a reference may stand in the search's help).
    assert f"{CHANGELIST}{request.pk}/change/" in text
    assert f"{CHANGELIST}{other.pk}/change/" not in text
    assert "ご本人が代理人を否定" in client.get(CHANGELIST).content.decode()


def test_a_retry_after_a_failed_send_mails_only_the_officers_not_yet_mailed(
    asked, officer, settings, django_capture_on_commit_callbacks
):
    """The mail server fails on the second officer's alert: the retry mails that officer,
    and the first one, already told, is not told again."""
    from portal.kernel.staff import staff_create

    second, _device, _ = staff_create(email="po2@example.com")
    _request, path = asked
    fail_once(settings, at=2)
    with pytest.raises(Retry):  # the failed send, as the worker sees it: retried later
        _answer(path, django_capture_on_commit_callbacks)
    # The retry: the message not done is delivered again.
    for message in OutboxMessage.objects.filter(done_at__isnull=True):
        with django_capture_on_commit_callbacks(execute=True):
            deliver_again(message)
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()
    assert sorted(alert.to[0] for alert in _alerts()) == sorted([officer.email, second.email])
