"""The customer's thread shows what was told to them, not staff's own notes.

Staff's reason for moving a request to another law ("Lives in Germany") is for staff:
the person is told the law and the new date in a notice of its own, which leaves the
reason out. The thread still showed it under "Legal regime changed". Who a request is
assigned to is staff's working step."""

import pytest

from rights import services
from rights.choices import Regime

pytestmark = pytest.mark.django_db


def _thread(client, request) -> str:
    client.cookies["django_language"] = "en"
    page = client.get(f"/requests/{request.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    return " ".join(html[html.index('id="thread"') :].split())


def test_staffs_reason_for_a_change_of_law_stays_with_staff(
    customer, officer, file_request, stepped_up_client
):
    """GDPR art. 12(1): the person reads the law that now applies, not staff's note."""
    request = file_request(customer)
    services.request_change_regime(
        request=request, regime=Regime.GDPR, reason="Lives in Germany", actor=officer
    )
    thread = _thread(stepped_up_client, request)
    assert "Legal regime changed" in thread
    assert "Lives in Germany" not in thread


def test_an_assignment_is_not_in_the_customers_thread(
    customer, officer, file_request, stepped_up_client
):
    request = file_request(customer)
    services.request_assign(requests=[request], assignee=officer, actor=officer)
    thread = _thread(stepped_up_client, request)
    assert "Assignment" not in thread
    assert officer.email not in thread
