"""A handler is told by e-mail when someone else assigns them a request."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from portal.kernel.models import OutboxMessage, Service
from rights.choices import Regime
from rights.models import RightsRequest
from rights.services import request_assign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights/rightsrequest/"
TASK = "rights.tasks.mail_assignment"
# 31 January 23:30 in Berlin: a GDPR request is due 28 February 23:59 CET, which is
# already 1 March 07:59 in Tokyo.
LATE_JANUARY = dt.datetime(2026, 1, 31, 23, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def service(handler):
    service = Service.objects.create(code="mine", name="Mine", responsible=UserFactory())
    service.handlers.add(handler)
    return service


@pytest.fixture
def submit(customer, service):
    from rights.services import request_submit

    def make(**kwargs):
        with time_machine.travel(LATE_JANUARY, tick=False):
            return request_submit(
                subject=customer,
                requester=customer,
                kind="deletion",
                services=[service],
                regime=Regime.GDPR,
                **kwargs,
            )

    return make


def _speaks(user, language, zone):
    user.language = language
    user.time_zone = zone
    user.save(update_fields=["language", "time_zone"])


def _mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_the_working_page_assignment_mails_the_handler_once(
    officer_client, officer, handler, customer, submit, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.com"
    _speaks(handler, "en", "Europe/Berlin")
    request = submit()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            f"{CHANGELIST}{request.pk}/assign/", {"assignee": handler.pk}
        )
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(task_name=TASK).count() == 1
    (message,) = _mails_to(handler)
    assert request.reference in message.subject
    body = message.body
    assert request.reference in body
    assert "Deletion" in body or "deletion" in body
    # The handler's own zone, named: 28 February in Berlin, not 1 March in Tokyo.
    assert "28 Feb 2026" in body and "CET" in body
    assert "1 Mar 2026" not in body
    assert officer.email in body
    assert f"https://portal.example.com/admin/rights/rightsrequest/{request.pk}/change/" in body
    # No personal data of the customer, only the reference.
    profile = customer.profile
    for personal in (customer.email, profile.full_name, profile.full_name_kana, profile.phone):
        assert not personal or (personal not in body and personal not in message.subject)


def test_a_bulk_assignment_is_one_mail_listing_the_references(
    officer_client, officer, handler, submit, django_capture_on_commit_callbacks
):
    _speaks(handler, "en", "Europe/Berlin")
    requests = [submit() for _ in range(3)]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            CHANGELIST,
            {
                "action": "assign_selected",
                "_selected_action": [r.pk for r in requests],
                "assignee": handler.pk,
                "apply": "1",
            },
        )
    assert RightsRequest.objects.filter(assignee=handler).count() == 3
    (message,) = _mails_to(handler)
    assert "3" in message.subject
    for request in requests:
        assert request.reference in message.body
        assert f"/admin/rights/rightsrequest/{request.pk}/change/" in message.body


def test_staff_assigning_themselves_get_no_mail(
    handler, submit, django_capture_on_commit_callbacks
):
    request = submit()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert request_assign(requests=[request], assignee=handler, actor=handler) == 1
    assert not OutboxMessage.objects.filter(task_name=TASK).exists()
    assert _mails_to(handler) == []


def _mail_for(handler, language, zone, *, officer, submit, capture):
    """The mail ``handler``, reading ``language`` in ``zone``, gets when ``officer``
    assigns them a request."""
    _speaks(handler, language, zone)
    request = submit()
    mail.outbox.clear()
    with capture(execute=True):
        request_assign(requests=[request], assignee=handler, actor=officer)
    (message,) = _mails_to(handler)
    assert request.reference in message.body
    return message


def test_a_japanese_handler_reads_the_mail_in_japanese_with_tokyo_time(
    officer, handler, submit, django_capture_on_commit_callbacks
):
    message = _mail_for(
        handler,
        "ja",
        "Asia/Tokyo",
        officer=officer,
        submit=submit,
        capture=django_capture_on_commit_callbacks,
    )
    assert "担当" in message.subject
    assert "2026年3月1日" in message.body and "日本時間" in message.body
    assert "担当" in message.body
    assert "assigned" not in message.body


def test_an_english_handler_in_los_angeles_reads_pacific_time(
    officer, handler, submit, django_capture_on_commit_callbacks
):
    message = _mail_for(
        handler,
        "en",
        "America/Los_Angeles",
        officer=officer,
        submit=submit,
        capture=django_capture_on_commit_callbacks,
    )
    # 28 Feb 23:59 in Berlin is 28 Feb 14:59 in Los Angeles.
    assert "28 Feb 2026" in message.body and "PST" in message.body


# -- the previous assignee is told when a request is taken from them ------------------

UNASSIGNED_TASK = "rights.tasks.mail_unassignment"


@pytest.fixture
def colleague(service):
    from portal.kernel.roles import SERVICE_HANDLER
    from tests.rights.conftest import make_staff

    colleague = make_staff(SERVICE_HANDLER)
    service.handlers.add(colleague)
    return colleague


def _assigned_to(user, requests, *, officer, capture):
    with capture(execute=True):
        request_assign(requests=requests, assignee=user, actor=officer)
    mail.outbox.clear()


def test_reassigning_tells_the_previous_handler_once_in_their_zone(
    officer, handler, colleague, customer, submit, django_capture_on_commit_callbacks
):
    _speaks(handler, "en", "Europe/Berlin")
    _speaks(colleague, "en", "Europe/Berlin")
    requests = [submit() for _ in range(2)]
    _assigned_to(handler, requests, officer=officer, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request_assign(requests=requests, assignee=colleague, actor=officer)
    assert OutboxMessage.objects.filter(task_name=UNASSIGNED_TASK).count() == 1
    (message,) = _mails_to(handler)
    assert "2" in message.subject and "no longer" in message.subject.lower()
    body = message.body
    for request in requests:
        assert request.reference in body
    assert "Deletion" in body or "deletion" in body
    assert "28 Feb 2026" in body and "CET" in body
    assert officer.email in body and colleague.email in body
    profile = customer.profile
    for personal in (customer.email, profile.full_name, profile.full_name_kana, profile.phone):
        assert not personal or (personal not in body and personal not in message.subject)
    # The new handler gets their own assignment mail, not this one.
    (theirs,) = _mails_to(colleague)
    assert "Assigned to you" in theirs.subject


def test_unassigning_tells_the_previous_handler(
    officer_client, officer, handler, submit, django_capture_on_commit_callbacks
):
    _speaks(handler, "en", "Europe/Berlin")
    request = submit()
    _assigned_to(handler, [request], officer=officer, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(f"{CHANGELIST}{request.pk}/assign/", {"assignee": ""})
    assert response.status_code == 302
    assert RightsRequest.objects.get(pk=request.pk).assignee is None
    (message,) = _mails_to(handler)
    assert request.reference in message.subject
    assert request.reference in message.body
    assert "unassigned" in message.body.lower()
    assert f"/admin/rights/rightsrequest/{request.pk}/change/" not in message.body


def test_a_bulk_reassignment_from_two_handlers_is_one_mail_each(
    officer, handler, colleague, submit, django_capture_on_commit_callbacks
):
    third = UserFactory()
    mine, theirs = [submit(), submit()], [submit()]
    _assigned_to(handler, mine, officer=officer, capture=django_capture_on_commit_callbacks)
    _assigned_to(colleague, theirs, officer=officer, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request_assign(requests=mine + theirs, assignee=None, actor=officer)
    (to_handler,) = _mails_to(handler)
    (to_colleague,) = _mails_to(colleague)
    assert all(r.reference in to_handler.body for r in mine)
    assert theirs[0].reference not in to_handler.body
    assert theirs[0].reference in to_colleague.body
    assert _mails_to(third) == []


def test_handlers_giving_up_a_request_themselves_get_no_mail(
    officer, handler, colleague, submit, django_capture_on_commit_callbacks
):
    request = submit()
    _assigned_to(handler, [request], officer=officer, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request_assign(requests=[request], assignee=colleague, actor=handler)
    assert not OutboxMessage.objects.filter(task_name=UNASSIGNED_TASK).exists()
    assert _mails_to(handler) == []


def test_a_request_given_back_before_the_mail_is_sent_is_not_listed(
    officer, handler, colleague, submit, django_capture_on_commit_callbacks
):
    from rights.assignment_mail import unassignment_mail_send

    request = submit()
    _assigned_to(handler, [request], officer=officer, capture=django_capture_on_commit_callbacks)
    request_assign(requests=[request], assignee=colleague, actor=officer)
    request_assign(requests=[request], assignee=handler, actor=officer)
    assert not unassignment_mail_send(
        previous_id=handler.pk, actor_id=officer.pk, request_ids=[request.pk]
    )
    assert _mails_to(handler) == []


def test_a_japanese_handler_reads_the_unassignment_in_japanese_with_tokyo_time(
    officer, handler, colleague, submit, django_capture_on_commit_callbacks
):
    _speaks(handler, "ja", "Asia/Tokyo")
    request = submit()
    _assigned_to(handler, [request], officer=officer, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request_assign(requests=[request], assignee=colleague, actor=officer)
    (message,) = _mails_to(handler)
    assert "担当" in message.subject and request.reference in message.subject
    assert "2026年3月1日" in message.body and "日本時間" in message.body
    assert "担当から外れ" in message.body
    assert "assigned" not in message.body and "no longer" not in message.body
