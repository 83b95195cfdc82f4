"""A requester without an account withdraws their request on its follow page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from portal.kernel.models import AuditEvent
from rights import fees
from rights.choices import PaymentStatus, Status
from tests.conftest import last_code

from .fee_support import publish
from .identity_support import AGENT, agents_request_with_fee, followed, link_in, notice_to

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

WITHDRAW_JA = "下記のページでご請求を取り下げることができ"


@pytest.fixture
def fee_asked(officer, django_capture_on_commit_callbacks):
    """An appointed agent's disclosure (no account), verified, with the published fee
    asked (APPI art. 38)."""
    publish()
    request = agents_request_with_fee(officer, django_capture_on_commit_callbacks)
    assert request.status == Status.AWAITING_PAYMENT
    return request


def test_appi_art_38_the_fee_notice_says_where_a_requester_without_an_account_withdraws(
    fee_asked,
):
    from rights.notice_text import render_notice

    notice = fee_asked.notifications.get(kind="fee_due")
    for language, words in (
        ("en", "withdraw it on the page below before paying"),
        ("ja", WITHDRAW_JA),
    ):
        _subject, body = render_notice(notice, language=language, has_account=False)
        assert words in body
    # Customers with an account withdraw on the request's page, as before.
    _subject, body = render_notice(notice, language="en", has_account=True)
    assert "You can withdraw it before paying" in body


def test_appi_art_38_the_requester_withdraws_before_paying_on_the_follow_page(
    fee_asked, django_capture_on_commit_callbacks
):
    client, url = followed(fee_asked, django_capture_on_commit_callbacks)
    page = client.get(url).content.decode()
    withdraw = f"{url}withdraw/"
    assert f'href="{withdraw}"' in page
    confirm_page = client.get(withdraw)
    assert confirm_page.status_code == 200
    assert f'action="{withdraw}"' in confirm_page.content.decode()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw, {"reason": "Found the data myself."})
    assert response.status_code == 302 and response.url == url
    fee_asked.refresh_from_db()
    assert fee_asked.status == Status.WITHDRAWN
    assert fee_asked.payments.get().status == PaymentStatus.CANCELLED  # nothing charged
    event = fee_asked.events.get(to_status=Status.WITHDRAWN)
    assert event.actor is None and event.details == {"by": "requester"}
    assert event.reason == "Found the data myself."
    audit = AuditEvent.objects.filter(action="request.transition").order_by("-pk").first()
    assert audit.actor is None and audit.details["by"] == "requester"
    assert [m.to for m in mail.outbox] == [[AGENT]]  # told it is withdrawn
    # Closed: no control any more, and a second POST changes nothing.
    assert f'href="{withdraw}"' not in client.get(url).content.decode()
    assert client.post(withdraw).status_code == 302
    assert fee_asked.events.filter(to_status=Status.WITHDRAWN).count() == 1


def test_appi_art_38_the_requester_is_told_the_fee_is_cancelled_on_withdrawal(
    fee_asked, django_capture_on_commit_callbacks
):
    """APPI art. 38: withdrawn before paying, nothing is charged; the e-mail says so."""
    client, url = followed(fee_asked, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{url}withdraw/")
    (message,) = mail.outbox
    assert message.to == [AGENT]
    assert "is now: Withdrawn." in message.body
    assert "The fee of ¥1,000 is cancelled: there is nothing to pay." in message.body
    assert f"Payment reference: {fee_asked.payments.get().reference}" in message.body


def test_withdrawing_needs_the_code_and_the_csrf_token(
    fee_asked, django_capture_on_commit_callbacks
):
    url = link_in(notice_to(AGENT, fee_asked.reference))
    stranger = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = stranger.post(f"{url}withdraw/")
    assert response.status_code == 302 and response.url == url  # to the code step
    client, url = followed(fee_asked, django_capture_on_commit_callbacks)
    client.handler.enforce_csrf_checks = True
    assert client.post(f"{url}withdraw/").status_code == 403
    fee_asked.refresh_from_db()
    assert fee_asked.status == Status.AWAITING_PAYMENT


def test_no_withdrawal_once_work_started(fee_asked, officer, django_capture_on_commit_callbacks):
    """The same rule as for a customer: once the fee is settled and work goes on, the
    request is no longer withdrawn by the person."""
    payment = fee_asked.payments.get()
    with django_capture_on_commit_callbacks(execute=True):
        fees.payment_waive(payment=payment, reason="Goodwill.", actor=officer)
    fee_asked.refresh_from_db()
    status = fee_asked.status
    assert status in (Status.IN_PROGRESS, Status.COMPLETED)
    client, url = followed(fee_asked, django_capture_on_commit_callbacks)
    assert f"{url}withdraw/" not in client.get(url).content.decode()
    client.post(f"{url}withdraw/")
    fee_asked.refresh_from_db()
    assert fee_asked.status == status


def test_the_person_an_agent_acted_for_cannot_withdraw(
    fee_asked, officer, django_capture_on_commit_callbacks
):
    person = "hanako@example.com"
    from rights.requesters.follow_links import follow_token

    url = f"/requests/follow/{follow_token(fee_asked, person)}/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"send": "1"})
    assert client.post(url, {"code": last_code()}).status_code == 302
    assert "withdraw/" not in client.get(url).content.decode()
    assert client.post(f"{url}withdraw/").status_code == 404
    fee_asked.refresh_from_db()
    assert fee_asked.status == Status.AWAITING_PAYMENT


def test_the_japanese_fee_notice_names_the_payment_reference_as_its_label_does(fee_asked):
    """The fee notice to a requester without an account calls the reference お支払い番号
    in the sentence that asks for it, as the line above it and the follow page do, and
    says where the ways to pay are in polite Japanese."""
    from rights.notice_text import render_notice

    notice = fee_asked.notifications.get(kind="fee_due")
    for has_account in (False, True):
        _subject, body = render_notice(notice, language="ja", has_account=has_account)
        assert "お支払い番号：" in body
        assert "支払番号" not in body.replace("お支払い番号", "")
        assert "お支払い番号を必ずご記入ください" in body
        assert "こちらに記載しています" not in body
