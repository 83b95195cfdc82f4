"""Fees in the staff admin: the schedule, confirming a fee, recording, waiving, refunding."""

import pytest
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights.choices import Kind, PaymentStatus, Regime, Status
from rights.models import FeeSchedule, Payment
from tests.conftest import admin_login
from tests.rights.fee_support import SINCE, confirming_post, in_review, publish

pytestmark = pytest.mark.django_db

CHANGE = "/admin/rights/rightsrequest/{}/change/"


#: The admin form of a published APPI disclosure fee of ¥1,000.
FEE_FORM = {
    "kind": Kind.DISCLOSURE,
    "regime": Regime.APPI,
    "basis": "published",
    "delivery_method": "",
    "amount": "1000",
    "effective_from": SINCE.isoformat(),
    "note": "",
}


@pytest.fixture(autouse=True)
def _english(client):
    """The messages checked below are the English ones."""
    client.cookies["django_language"] = "en"


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_officer_publishes_a_fee_but_not_for_a_free_kind(officer_client):
    """APPI art. 38: correction, stop-use and deletion cannot be given a fee."""
    add = "/admin/rights/feeschedule/add/"
    form = dict(FEE_FORM)
    assert officer_client.post(add, form).status_code == 302
    assert FeeSchedule.objects.get().amount == 1000
    assert AuditEvent.objects.filter(action="fee.schedule_saved").count() == 1
    # Correction is not even offered, and posting it is refused.
    page = officer_client.get(add).content.decode()
    assert 'value="correction"' not in page
    response = officer_client.post(add, {**form, "kind": Kind.CORRECTION})
    assert response.status_code == 200
    assert FeeSchedule.objects.count() == 1


def test_only_privacy_officers_change_the_schedule(client, handler, auditor):
    publish()
    for user in (handler, auditor):
        client.logout()
        admin_login(client, user)
        assert client.get("/admin/rights/feeschedule/add/").status_code == 403


def test_staff_confirm_the_fee_and_the_request_waits_for_payment(
    officer_client, officer, customer, file_request
):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    page = officer_client.get(CHANGE.format(request.pk))
    assert page.context["fee_may_ask"] and page.context["fee_schedule"].amount == 1000
    assert 'name="confirm_fee"' in page.content.decode()
    # Awaiting payment is reached through the fee form, not a bare status button.
    assert Status.AWAITING_PAYMENT not in [s for s, _label in page.context["allowed"]]

    # APPI art. 38: the page shows the published amount, with nothing to type it over,
    # and an amount other than the published one is refused, whatever the reason.
    assert 'name="amount"' not in page.content.decode()
    assert "¥1,000" in page.content.decode()
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/fee/",
        {"amount": "5000", "reason": "Large file"},
        follow=True,
    )
    assert "published one" in _messages(response)
    assert not Payment.objects.exists()

    officer_client.post(f"/admin/rights/rightsrequest/{request.pk}/fee/", {"amount": "1000"})
    request.refresh_from_db()
    payment = Payment.objects.get()
    assert request.status == Status.AWAITING_PAYMENT and payment.amount == 1000
    page = officer_client.get(CHANGE.format(request.pk))
    assert page.context["fee_pending"] == payment
    assert Status.IN_PROGRESS not in [s for s, _label in page.context["allowed"]]
    assert payment.reference in page.content.decode()


def test_staff_record_a_bank_transfer_on_the_working_page(
    officer_client, officer, customer, file_request
):
    publish()
    request = in_review(file_request, customer, officer)
    officer_client.post(f"/admin/rights/rightsrequest/{request.pk}/fee/", {"amount": "1000"})
    payment = Payment.objects.get()
    url = f"/admin/rights/rightsrequest/{request.pk}/fee/{payment.pk}/"
    today = timezone.localdate().isoformat()

    response = officer_client.post(url + "waive/", {"reason": ""}, follow=True)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING  # waiving needs a reason

    # Confirmed (tests/rights/test_fee_actions_confirmed.py).
    officer_client.post(
        url + "paid/", {"method": "bank_transfer", "paid_on": today, "confirm": "1"}
    )
    payment.refresh_from_db()
    request.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.confirmed_by == officer
    assert request.status == Status.IN_PROGRESS

    response = officer_client.post(
        url + "refund/", {"reason": "Charged in error", "confirm": "1"}, follow=True
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert "refund" in _messages(response).lower()


def test_unfounded_mark_on_a_gdpr_request_opens_the_fee(
    officer_client, officer, customer, file_request
):
    """GDPR 12(5): a fee only for a manifestly unfounded or excessive request, with a reason."""
    request = in_review(file_request, customer, officer, regime=Regime.GDPR)
    page = officer_client.get(CHANGE.format(request.pk))
    assert page.context["fee_may_mark_unfounded"] and page.context["fee_basis_label"] == ""
    officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/unfounded/",
        {"unfounded": "1", "reason": "Sixth copy of the same data this month"},
    )
    request.refresh_from_db()
    assert request.unfounded
    officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/fee/",
        {"amount": "1500", "reason": "Cost of a sixth copy"},
    )
    assert Payment.objects.get().basis == "unfounded"


def test_payment_admin_records_several_transfers_at_once(
    officer_client, officer, customer, file_request
):
    from rights import fees

    publish()
    payments = [
        fees.fee_request(request=in_review(file_request, customer, officer), actor=officer)
        for _ in range(2)
    ]
    page = officer_client.post(
        "/admin/rights/payment/",
        {
            "action": "record_paid",
            "_selected_action": [p.pk for p in payments],
            "method": "postal_order",
            "paid_on": timezone.localdate().isoformat(),
            "apply": "1",
        },
    )
    # Sent from the confirmation page (test_fee_bulk_confirmed).
    response = confirming_post(officer_client, page.content.decode())
    assert response.status_code == 302
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.PAID}
    assert set(Payment.objects.values_list("method", flat=True)) == {"postal_order"}


def test_auditor_sees_the_fee_but_cannot_act(client, auditor, officer, customer, file_request):
    from rights import fees

    publish()
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    admin_login(client, auditor)
    page = client.get(CHANGE.format(request.pk))
    assert payment.reference in page.content.decode()
    assert "record_payment" not in page.content.decode()
    response = client.post(
        f"/admin/rights/rightsrequest/{request.pk}/fee/{payment.pk}/waive/", {"reason": "x"}
    )
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "0"}, "greater than or equal to 1."),
        ({"amount": "-100"}, "greater than or equal to 1."),
    ],
)
def test_a_fee_staff_cannot_mean_is_refused_in_words(officer_client, changes, message):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post("/admin/rights/feeschedule/add/", {**FEE_FORM, **changes})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "is violated" not in page
    assert not FeeSchedule.objects.exists()


@pytest.mark.parametrize("amount", ["1" + "0" * 30, "9223372036854775808", "2147483648"])
def test_a_fee_too_large_to_record_is_refused_in_words(
    officer_client, officer, customer, file_request, amount
):
    """An amount past what the column holds is a message, not a server error."""
    request = in_review(file_request, customer, officer, regime=Regime.GDPR)
    officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/unfounded/",
        {"unfounded": "1", "reason": "Sixth copy of the same data this month"},
    )
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/fee/",
        {"amount": amount, "reason": "Cost of a sixth copy"},
        follow=True,
    )
    assert response.status_code == 200
    assert "less than or equal to 2147483647" in _messages(response)
    assert not Payment.objects.exists()
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_asking_a_fee_again_says_that_nothing_changed(
    officer_client, officer, customer, file_request
):
    """A second click, or a page left open, while the first fee awaits payment: the fee
    asked first stands, and the message says so rather than that a fee was asked."""
    request = in_review(file_request, customer, officer, regime=Regime.GDPR)
    officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/unfounded/",
        {"unfounded": "1", "reason": "Sixth copy of the same data this month"},
    )
    url = f"/admin/rights/rightsrequest/{request.pk}/fee/"
    officer_client.post(url, {"amount": "1500", "reason": "Cost of a sixth copy"})
    response = officer_client.post(url, {"amount": "9000", "reason": "More"}, follow=True)
    last = [str(m) for m in response.context["messages"]][-1]
    assert "nothing changed" in last and "The fee is asked" not in last
    assert Payment.objects.get().amount == 1500


def test_a_post_to_a_fee_s_change_form_writes_nothing(
    officer_client, officer, customer, file_request
):
    """A fee's page has nothing to edit: its status moves only through the fee actions
    (and the provider's webhook, which a stale full-row save could undo)."""
    from django.contrib.admin.models import LogEntry

    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    officer_client.post(f"/admin/rights/rightsrequest/{request.pk}/fee/", {"amount": "1000"})
    payment = Payment.objects.get()
    response = officer_client.post(f"/admin/rights/payment/{payment.pk}/change/", {"_save": "1"})
    assert response.status_code == 302
    assert not LogEntry.objects.exists()
