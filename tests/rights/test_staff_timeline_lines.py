"""Staff's timeline of a request says what each event changed: a fee's amount and
status, who was assigned, the regime before and after (it said only "Fee",
"Assignment" and "Legal regime changed")."""

import pytest

from rights import fees, services
from rights.choices import PaymentMethod, Regime

from .fee_support import in_review, publish

pytestmark = pytest.mark.django_db


def test_the_timeline_says_what_each_event_changed(officer_client, officer, customer, file_request):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    services.request_assign(requests=[request], assignee=officer, actor=officer)
    fees.fee_request(request=request, actor=officer)
    fees.payment_record(
        payment=request.payments.get(), method=PaymentMethod.BANK_TRANSFER, actor=officer
    )
    other = file_request(customer, kind="deletion", scope={"everything": True})
    services.request_change_regime(
        request=other, regime=Regime.GDPR, reason="Lives in Berlin", actor=officer
    )
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    text = " ".join(page.content.decode().split())
    assert f"Assigned to {officer.email}." in text
    assert "Fee of ¥1,000: Paid" in text
    page = officer_client.get(f"/admin/rights/rightsrequest/{other.pk}/change/")
    text = " ".join(page.content.decode().split())
    assert "APPI (Japan) → GDPR (EU)" in text


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_working_page_names_no_setting(officer_client, customer, file_request, language):
    """The time zone's help said "(RIGHTS_REGIME_TIME_ZONES)": a name for operators."""
    import re

    request = file_request(customer)
    officer_client.cookies["django_language"] = language
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", page.content.decode(), flags=re.S)
    assert not re.search(r"\b[A-Z]+(?:_[A-Z]+){2,}\b", text), re.findall(
        r"\b[A-Z]+(?:_[A-Z]+){2,}\b", text
    )
