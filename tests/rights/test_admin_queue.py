"""The staff queue in admin: filters, deadlines, constant queries, roles, buttons."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib import messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from portal.kernel.models import AuditEvent
from portal.kernel.roles import SERVICE_HANDLER
from rights import deadlines, services, workflow
from rights.choices import Status
from rights.models import RequestEvent, RightsRequest
from tests.conftest import admin_login
from tests.factories import UserFactory
from tests.rights.conftest import make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights/rightsrequest/"


def _bulk_requests(n, subject, **kwargs):
    now = timezone.now()
    RightsRequest.objects.bulk_create(
        RightsRequest(
            subject=subject,
            requester=subject,
            kind="disclosure",
            received_at=now - dt.timedelta(days=i % 40),
            due_at=deadlines.due_at("appi", now - dt.timedelta(days=i % 40)),
            **kwargs,
        )
        for i in range(n)
    )


def test_changelist_queries_do_not_grow_with_the_number_of_requests(
    still_clock, officer_client, customer
):
    _bulk_requests(20, customer, assignee=None)
    with CaptureQueriesContext(connection) as small:
        assert officer_client.get(CHANGELIST).status_code == 200
    _bulk_requests(1980, customer)
    with CaptureQueriesContext(connection) as large:
        response = officer_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # No unbounded COUNT(*): every count is over a LIMITed subquery.
    counts = [q["sql"] for q in large.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


def test_queue_is_sorted_by_deadline_and_filters_overdue(officer_client, customer, file_request):
    late = file_request(customer)
    RightsRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    soon = file_request(customer)
    RightsRequest.objects.filter(pk=soon.pk).update(due_at=timezone.now() + dt.timedelta(days=3))
    later = file_request(customer)
    response = officer_client.get(CHANGELIST)
    shown = [r.pk for r in response.context["cl"].result_list]
    assert shown == [late.pk, soon.pk, later.pk]
    overdue = officer_client.get(CHANGELIST + "?deadline=overdue").context["cl"].result_list
    assert [r.pk for r in overdue] == [late.pk]
    due7 = officer_client.get(CHANGELIST + "?deadline=due7").context["cl"].result_list
    assert [r.pk for r in due7] == [soon.pk]


def test_detail_offers_exactly_the_allowed_transitions_and_they_work(
    officer_client, officer, customer, file_request
):
    request = file_request(customer)
    url = f"{CHANGELIST}{request.pk}/change/"
    page = officer_client.get(url)
    offered = [status for status, _label in page.context["allowed"]]
    assert offered == [
        Status.AWAITING_VERIFICATION,
        Status.IN_REVIEW,
        Status.REJECTED,
        Status.WITHDRAWN,
    ]
    assert AuditEvent.objects.filter(action="staff.viewed_rightsrequest", actor=officer).exists()

    officer_client.post(f"{CHANGELIST}{request.pk}/transition/", {"to": Status.IN_REVIEW})
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    # A rejection without ground is refused with a message, nothing changes.
    response = officer_client.post(
        f"{CHANGELIST}{request.pk}/transition/",
        {"to": Status.REJECTED, "reason": "no"},
        follow=True,
    )
    shown = list(response.context["messages"])
    assert messages.ERROR in [m.level for m in shown]
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_extension_needs_a_reason_and_respects_the_limit(officer_client, customer, file_request):
    request = file_request(customer, regime="ccpa")
    url = f"{CHANGELIST}{request.pk}/extend/"
    too_far = (request.received_at + dt.timedelta(days=100)).date().isoformat()
    officer_client.post(url, {"new_deadline": too_far, "reason": "volume"})
    request.refresh_from_db()
    assert request.extended_to is None
    fine = (request.received_at + dt.timedelta(days=80)).date().isoformat()
    officer_client.post(url, {"new_deadline": fine, "reason": "Records across five services"})
    request.refresh_from_db()
    assert request.extended_to is not None
    assert request.events.filter(kind="extension").count() == 1
    assert request.notifications.filter(kind="extended").exists()


def test_an_error_on_the_working_page_names_its_field(officer_client, customer, file_request):
    request = file_request(customer, regime="ccpa")
    fine = (request.received_at + dt.timedelta(days=80)).date().isoformat()
    response = officer_client.post(
        f"{CHANGELIST}{request.pk}/extend/",
        {"new_deadline": fine, "reason": ""},
        follow=True,
        headers={"accept-language": "en"},
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "Reason: This field is required." in shown
    response = officer_client.post(
        f"{CHANGELIST}{request.pk}/extend/",
        {"new_deadline": "", "reason": "volume"},
        follow=True,
        headers={"accept-language": "ja"},
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "新しい期限：このフィールドは必須です。" in shown, shown
    request.refresh_from_db()
    assert request.extended_to is None


def test_bulk_assign(officer_client, officer, customer, file_request):
    requests = [file_request(customer) for _ in range(3)]
    response = officer_client.post(
        CHANGELIST,
        {
            "action": "assign_selected",
            "_selected_action": [r.pk for r in requests],
            "assignee": officer.pk,
            "apply": "1",
        },
    )
    assert response.status_code == 302
    assert RightsRequest.objects.filter(assignee=officer).count() == 3
    assert RequestEvent.objects.filter(kind="assignment").count() == 3


def test_service_handler_sees_only_requests_of_their_services(client, handler, customer):
    from portal.kernel.models import Service

    mine = Service.objects.create(code="mine", name="Mine", responsible=handler)
    other = Service.objects.create(
        code="other", name="Other", responsible=UserFactory(is_staff=True)
    )
    mine.handlers.add(handler)
    from rights.services import request_submit

    own = request_submit(subject=customer, requester=customer, kind="deletion", services=[mine])
    foreign = request_submit(
        subject=customer, requester=customer, kind="deletion", services=[other]
    )
    everything = request_submit(subject=customer, requester=customer, kind="deletion")
    # A request naming no service concerns the services the customer is registered with.
    from tests.factories import RegistrationFactory

    RegistrationFactory(user=customer, service=mine)
    stranger = UserFactory()
    RegistrationFactory(user=stranger, service=other)
    strangers = request_submit(subject=stranger, requester=stranger, kind="deletion")
    admin_login(client, handler)
    shown = {r.pk for r in client.get(CHANGELIST).context["cl"].result_list}
    assert shown == {own.pk, everything.pk}
    assert client.get(f"{CHANGELIST}{strangers.pk}/change/").status_code == 404
    assert client.get(f"{CHANGELIST}{foreign.pk}/change/").status_code in (302, 404)
    response = client.post(f"{CHANGELIST}{foreign.pk}/transition/", {"to": Status.IN_REVIEW})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.SUBMITTED


def test_a_handler_keeps_a_deletion_of_everything_after_it_erased_the_registration(
    client, handler, officer, customer, django_capture_on_commit_callbacks
):
    """APPI art. 35, GDPR art. 17 and 19: a request naming no service concerns the
    services the customer was registered with when it was filed. Erasing
    everything removes the registration with the handler's service; the handler
    still finds the request in the queue, opens it and reads its outcome."""
    from portal.kernel.models import Service, ServiceRegistration
    from rights.services import request_submit
    from tests.factories import RegistrationFactory
    from tests.rights.retention_support import approve

    mine = Service.objects.create(code="mine", name="Mine", responsible=handler)
    RegistrationFactory(user=customer, service=mine)
    request = request_submit(
        subject=customer, requester=customer, kind="deletion", scope={"everything": True}
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    assert not ServiceRegistration.objects.filter(user=customer).exists()

    admin_login(client, handler)
    # Completed: among every request, open or closed.
    shown = {r.pk for r in client.get(CHANGELIST + "?state=all").context["cl"].result_list}
    assert shown == {request.pk}
    assert client.get(f"{CHANGELIST}{request.pk}/change/").status_code == 200
    # A handler of a service the customer was never registered with still sees nothing.
    stranger = make_staff(SERVICE_HANDLER)
    Service.objects.create(code="theirs", name="Theirs", responsible=stranger)
    client.logout()
    admin_login(client, stranger)
    assert list(client.get(CHANGELIST + "?state=all").context["cl"].result_list) == []


def test_auditor_reads_but_cannot_move_requests(client, auditor, customer, file_request):
    request = file_request(customer)
    admin_login(client, auditor)
    page = client.get(f"{CHANGELIST}{request.pk}/change/")
    assert page.status_code == 200
    assert page.context["allowed"] == []
    response = client.post(f"{CHANGELIST}{request.pk}/transition/", {"to": Status.IN_REVIEW})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_a_request_is_not_assigned_to_a_handler_who_cannot_open_it(
    officer_client, handler, customer
):
    """The queue's "assigned to me" must hold only requests the assignee can work on."""
    from portal.kernel.models import Service
    from rights.services import request_submit

    mine = Service.objects.create(code="mine", name="Mine", responsible=handler)
    other = Service.objects.create(
        code="other", name="Other", responsible=UserFactory(is_staff=True)
    )
    own = request_submit(subject=customer, requester=customer, kind="deletion", services=[mine])
    foreign = request_submit(
        subject=customer, requester=customer, kind="deletion", services=[other]
    )
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        CHANGELIST,
        {
            "action": "assign_selected",
            "_selected_action": [own.pk, foreign.pk],
            "assignee": handler.pk,
            "apply": "1",
        },
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"cannot open {foreign.reference}" in m for m in shown), shown
    # The address as it is written: the admin's message list capitalises a
    # message's first letter, so a message must not begin with one.
    assert f"{handler.email} cannot open" in response.content.decode()
    assert not RightsRequest.objects.filter(assignee=handler).exists()
    assert not RequestEvent.objects.filter(kind="assignment").exists()

    response = officer_client.post(
        f"/admin/rights/rightsrequest/{own.pk}/assign/", {"assignee": handler.pk}, follow=True
    )
    assert f"Assigned to {handler.email}." in [str(m) for m in response.context["messages"]]
    own.refresh_from_db()
    assert own.assignee == handler


def test_a_request_is_assigned_only_to_staff_who_may_work_on_it(
    officer_client, auditor, customer, file_request
):
    """An auditor reads everything and changes nothing; staff without a role see
    nothing: neither can answer a request, so neither is offered nor accepted."""
    from rights.admin_working_page import AssignForm

    roleless = UserFactory(is_staff=True)
    request = file_request(customer)
    offered = list(AssignForm().fields["assignee"].queryset)
    assert auditor not in offered and roleless not in offered

    officer_client.cookies["django_language"] = "en"
    for who in (auditor, roleless):
        officer_client.post(f"{CHANGELIST}{request.pk}/assign/", {"assignee": who.pk})
        officer_client.post(
            CHANGELIST,
            {
                "action": "assign_selected",
                "_selected_action": [request.pk],
                "assignee": who.pk,
                "apply": "1",
            },
        )
    request.refresh_from_db()
    assert request.assignee is None
    assert not RequestEvent.objects.filter(kind="assignment").exists()


@pytest.mark.parametrize("query", ["deadline=overdue", "deadline=due7", "_facets=True"])
def test_a_handler_filters_their_queue_by_deadline_and_shows_counts(
    client, handler, customer, query
):
    """The dashboard's "overdue" and "due within 7 days" open these addresses."""
    from portal.kernel.models import Service
    from rights.services import request_submit

    mine = Service.objects.create(code="mine", name="Mine", responsible=handler)
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=30)):
        late = request_submit(
            subject=customer, requester=customer, kind="deletion", services=[mine]
        )
    soon = request_submit(subject=customer, requester=customer, kind="deletion", services=[mine])
    RightsRequest.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(days=3))
    admin_login(client, handler)
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    shown = {r.pk for r in response.context["cl"].result_list}
    expected = {"deadline=overdue": {late.pk}, "deadline=due7": {soon.pk}}
    assert shown == expected.get(query, {late.pk, soon.pk})


@pytest.mark.parametrize("typed", ["abc", "99999999999999999999"])
@pytest.mark.parametrize("param", ["assignee", "service"])
def test_a_mistyped_filter_in_the_queue_address_is_not_a_server_error(
    officer_client, officer, customer, file_request, param, typed
):
    from portal.kernel.models import Service

    Service.objects.create(code="mobile", name="Mobile", responsible=officer)
    file_request(customer)
    response = officer_client.get(CHANGELIST, {param: typed})
    # The admin's answer to a filter it cannot apply: the list without it, flagged ?e=1.
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("typed", ["{ref}", "{ref_lower}", "R{pk}", "Ｒ－{padded}", " {ref} "])
def test_the_queue_finds_a_request_by_the_reference_shown_everywhere(
    officer_client, customer, file_request, typed
):
    request, other = file_request(customer), file_request(customer)
    term = typed.format(
        ref=request.reference,
        ref_lower=request.reference.lower(),
        pk=request.pk,
        padded=f"{request.pk:06d}",
    )
    response = officer_client.get(CHANGELIST, {"q": term})
    assert [r.pk for r in response.context["cl"].result_list] == [request.pk]
    assert other.pk != request.pk


def test_the_queue_finds_a_request_by_a_fees_payment_reference(
    officer_client, officer, customer, file_request
):
    from rights import fees
    from tests.rights.fee_support import in_review, publish

    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    file_request(customer)
    response = officer_client.get(CHANGELIST, {"q": payment.reference})
    assert [r.pk for r in response.context["cl"].result_list] == [request.pk]


def test_the_queue_speaks_of_the_person_not_to_them(officer_client, customer, file_request):
    """A status staff and customers both read is worded for both."""
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(CHANGELIST).content.decode()
    assert "Waiting for more information" in page and "from you" not in page


def test_changing_the_regime_on_the_working_page_says_what_it_did(
    officer_client, customer, file_request
):
    request = file_request(customer)
    url = f"/admin/rights/rightsrequest/{request.pk}/regime/"
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        url, {"regime": "gdpr", "reason": "Lives in Berlin"}, follow=True
    )
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "The request is now under" in shown and "its answer is due" in shown
    assert "The requester is told the law and the date." in shown
    response = officer_client.post(url, {"regime": "gdpr", "reason": "Again"}, follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "already under" in shown and "nothing changed" in shown
    assert request.events.filter(kind="regime").count() == 1


def test_the_queue_shows_the_deadline_beside_the_reference_and_status(
    officer_client, customer, file_request
):
    """Beside the admin's navigation and filters, the deadline with the days left under
    it comes right after the reference and the status, before the customer, the
    assignee, the law and the day received."""
    file_request(customer)
    page = officer_client.get(CHANGELIST, headers={"accept-language": "en"}).content.decode()
    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    assert columns == [
        "reference",
        "status",
        "deadline",
        "kind",
        "subject_email",
        "assigned_to",
        "law",
        "received",
    ], columns


@pytest.mark.parametrize(
    ("language", "overdue", "today", "left", "paused"),
    [
        ("en", "2 days overdue", "due today", "3 days left", "paused"),
        ("ja", "2日超過", "本日が期限", "残り3日", "一時停止中"),
    ],
)
def test_the_queue_says_the_days_left_or_overdue_in_words(
    officer_client, officer, customer, file_request, language, overdue, today, left, paused
):
    """Under each deadline: the days overdue (red), due today or within three days
    (amber), the days left, or "paused" while the clock stops; a closed request shows
    its deadline alone. The working page says the same: "2 days overdue", never
    "-2 days left"."""
    now = timezone.now()
    late, due_today, soon, waiting, closed = (file_request(customer) for _ in range(5))
    for request, days in ((late, -2), (due_today, 0), (soon, 3)):
        RightsRequest.objects.filter(pk=request.pk).update(due_at=now + dt.timedelta(days=days))
    workflow.transition(waiting, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(
        waiting, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which address?"
    )
    workflow.transition(closed, to=Status.WITHDRAWN, actor=customer)
    officer_client.cookies["django_language"] = language
    page = officer_client.get(CHANGELIST + "?state=all").content.decode()
    cells = {
        int(ref): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for ref, cell in re.findall(
            r'R-0*(\d+)</a>.*?<td class="field-deadline">(.*?)</td>', page, re.S
        )
    }
    assert cells[late.pk].endswith(overdue), cells
    assert f'<span class="rr-overdue">{overdue}</span>' in page
    assert f'<span class="rr-soon">{today}</span>' in page
    assert f'<span class="rr-soon">{left}</span>' in page
    assert cells[waiting.pk].endswith(paused), cells
    closed_due = date_format(timezone.localtime(closed.due_at), "DATETIME_FORMAT")
    assert cells[closed.pk] == closed_due, cells
    working_page = officer_client.get(f"{CHANGELIST}{late.pk}/change/").content.decode()
    assert overdue in working_page
    assert "-2" not in re.sub(r"\s+", " ", working_page.split('class="rr-summary"')[1][:300])


def test_the_queue_names_the_law_short_with_its_full_name_in_the_title(
    officer_client, customer, file_request
):
    file_request(customer)
    officer_client.cookies["django_language"] = "ja"
    page = officer_client.get(CHANGELIST).content.decode()
    assert '<abbr title="個人情報保護法（日本）">個情法</abbr>' in page


def test_the_queue_wraps_e_mail_addresses_before_their_at_sign_and_dots(
    officer_client, officer, customer, file_request
):
    request = file_request(customer)
    services.request_assign(requests=[request], assignee=officer, actor=officer)
    page = officer_client.get(CHANGELIST).content.decode()

    def marked(address: str) -> str:
        return address.replace("@", "<wbr>@").replace(".", "<wbr>.")

    assert marked(customer.email) in page
    assert f'<td class="field-assigned_to">{marked(officer.email)}</td>' in page
