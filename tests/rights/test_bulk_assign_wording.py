"""The queue's "Assign selected requests" action: its message counts in words that
agree with the number, and a selection with no request the member of staff may work
on (another service's, posted by hand, or gone from their queue) is refused plainly
instead of offering to "Assign 0 requests"."""

import pytest

from portal.kernel.models import Service
from rights.models import RequestEvent, RightsRequest
from rights.services import request_submit
from tests.conftest import admin_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights/rightsrequest/"


def _assign(client, requests, assignee, **extra):
    data = {"action": "assign_selected", "_selected_action": [r.pk for r in requests]}
    if assignee is not None:
        data |= {"assignee": assignee.pk, "apply": "1"}
    return client.post(CHANGELIST, data | extra, follow=True)


def test_one_request_assigned_is_said_in_the_singular(
    officer_client, officer, customer, file_request
):
    request = file_request(customer)
    officer_client.cookies["django_language"] = "en"
    response = _assign(officer_client, [request], officer)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["1 request assigned."]
    officer_client.cookies["django_language"] = "ja"
    other = file_request(customer)
    response = _assign(officer_client, [other], officer)
    assert [str(m) for m in response.context["messages"]] == ["1件の請求に担当者を割り当てました。"]


def test_a_handler_selecting_only_another_services_request_is_told_nothing_changes(
    client, handler, customer
):
    """A handler sees only requests of their services (APPI art. 23: access to personal
    data limited to those who need it): a selection of another service's request gave
    a page "Assign 0 requests to:" and a button that did nothing."""
    other = Service.objects.create(
        code="other", name="Other", responsible=UserFactory(is_staff=True)
    )
    foreign = request_submit(
        subject=customer, requester=customer, kind="deletion", services=[other]
    )
    client.cookies["django_language"] = "en"
    admin_login(client, handler)

    response = _assign(client, [foreign], None)
    page = response.content.decode()
    assert "Assign 0 requests" not in page
    assert [str(m) for m in response.context["messages"]] == [
        "None of the selected requests is in your queue: nothing was changed."
    ]
    # Not in the list (the search box's help names an example reference, which may
    # be this one's).
    assert f">{foreign.reference}<" not in page
    response = _assign(client, [foreign], handler)
    assert "0 requests assigned." not in [str(m) for m in response.context["messages"]]
    assert not RightsRequest.objects.filter(assignee=handler).exists()
    assert not RequestEvent.objects.filter(kind="assignment").exists()
