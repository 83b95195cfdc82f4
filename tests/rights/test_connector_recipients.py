"""Recipients told of an erasure, and systems without an API (GDPR art. 19, issue 23).

A subcontractor without an API gets an e-mail with a signed link its privacy
contact opens when done; a system nobody can reach is settled only by staff
recording why. The request completes only when every one has answered.
"""

import datetime as dt
import re

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from consent.models import ProvisionRecord, Recipient
from portal.kernel.models import OutboxMessage
from rights import correction
from rights.choices import Status
from rights.connectors import notices
from rights.connectors.models import SystemTask
from rights.connectors.summary import customer_summary
from tests.mail_support import deliver_again, fail_once

from .connector_support import recipient_with_email_system
from .fee_support import phone_correction_in_review
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db
State = SystemTask.State


def _links(messages) -> list[str]:
    return [re.search(r"(/connectors/confirm/\S+/)", m.body).group(1) for m in messages]


def _task_mails():
    """The task mails, Sakura's first."""
    messages = [
        m for m in mail.outbox if m.subject.startswith("請求") and "個人情報の依頼" in m.subject
    ]
    return sorted(messages, key=lambda m: m.to[0])


@pytest.fixture
def customer_with_two_recipients(db):
    customer = customer_with_records()
    recipient_with_email_system(customer, "Yamato Delivery", "privacy-yamato")
    recipient_with_email_system(customer, "Sakura Payments", "privacy-sakura")
    return customer


def _delete(customer, officer, capture):
    request = file_deletion(customer, categories=["contact"])
    with capture(execute=True):
        approve(request, officer)
    request.refresh_from_db()
    return request


def test_a_deletion_tells_both_recipients_and_completes_once_both_confirmed(
    client, officer, customer_with_two_recipients, django_capture_on_commit_callbacks
):
    """GDPR art. 19: each recipient the data went to is told; both confirm by their link."""
    request = _delete(customer_with_two_recipients, officer, django_capture_on_commit_callbacks)
    messages = _task_mails()
    assert sorted(m.to[0] for m in messages) == [
        "privacy-sakura@partner.example",
        "privacy-yamato@partner.example",
    ]
    assert customer_with_two_recipients.email in messages[0].body
    # The label, not a Python list; in Japanese punctuation.
    assert messages[0].body.startswith("いつもお世話になっております。\n")
    assert "データの種類：連絡先\n" in messages[0].body
    assert f"対象のお客様：{customer_with_two_recipients.email}（お客様番号 " in messages[0].body
    assert ": " not in messages[0].body.split("\n\n")[2], messages[0].body
    assert request.status == Status.IN_PROGRESS

    first, second = _links(messages)
    before = list(SystemTask.objects.order_by("pk").values_list("state", "outcome", "note"))
    assert client.get(first).status_code == 200
    assert client.head(first).status_code == 200
    # A mail scanner opening the link answers nothing.
    assert list(SystemTask.objects.order_by("pk").values_list("state", "outcome", "note")) == before
    with django_capture_on_commit_callbacks(execute=True):
        client.post(first, {"outcome": "done", "note": "deleted from the delivery system"})
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    # The link works once.
    page = client.post(first, {"outcome": "done"}).content.decode()
    assert "この依頼は回答済みです" in page  # the page speaks Japanese by default

    with django_capture_on_commit_callbacks(execute=True):
        client.post(second, {"outcome": "nothing"})
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    states = dict(SystemTask.objects.values_list("system__name", "state"))
    assert states == {"Sakura Payments": State.DONE, "Yamato Delivery": State.NOT_APPLICABLE}
    notice = request.notifications.order_by("pk").last().context["reason"]
    assert "we told 2 partners" in notice
    assert "Partners we told: Sakura Payments, Yamato Delivery." in notice
    # In Japanese the list is 「A、B」, not 「A, B」.
    with translation.override("ja"):
        lines = customer_summary(request).lines
    assert any("Sakura Payments、Yamato Delivery。" in line for line in lines), lines


def test_a_forged_link_is_not_found(client, officer, customer_with_two_recipients):
    assert client.get("/connectors/confirm/forged:token/").status_code == 404


def test_staff_record_why_one_recipient_cannot_be_told_and_the_request_completes(
    client, officer, customer_with_two_recipients, django_capture_on_commit_callbacks
):
    """GDPR art. 19: "impossible or involves disproportionate effort", recorded by staff."""
    request = _delete(customer_with_two_recipients, officer, django_capture_on_commit_callbacks)
    first, _second = _links(_task_mails())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(first, {"outcome": "done"})
    pending = SystemTask.objects.get(request=request, state=State.PENDING)
    with pytest.raises(ValidationError):
        notices.staff_impossible(task=pending, actor=officer, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        notices.staff_impossible(
            task=pending, actor=officer, reason="The company was dissolved in 2026."
        )
    request.refresh_from_db()
    pending.refresh_from_db()
    assert pending.state == State.IMPOSSIBLE and pending.settled_by == officer
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)
    reason = request.notifications.order_by("pk").last().context["reason"]
    assert "1 could not be reached; we recorded why." in reason


def test_a_recipient_without_a_system_is_a_staff_task_confirmed_with_a_note(
    officer, django_capture_on_commit_callbacks
):
    customer = customer_with_records()
    recipient = Recipient.objects.create(
        name_ja="広告パートナー", name_en="Ad Partner", kind=Recipient.Kind.THIRD_PARTY
    )
    ProvisionRecord.objects.create(
        provided_on=dt.date(2026, 5, 1),
        recipient=recipient,
        subject=customer,
        data_items="e-mail",
        ground=ProvisionRecord.Ground.CONSENT,
    )
    request = _delete(customer, officer, django_capture_on_commit_callbacks)
    task = SystemTask.objects.get(request=request)
    assert (task.mode, task.system, task.recipient) == ("manual", None, recipient)
    assert request.status == Status.IN_PROGRESS
    with pytest.raises(ValidationError):
        notices.staff_confirm(task=task, actor=officer, note="")
    with django_capture_on_commit_callbacks(execute=True):
        notices.staff_confirm(task=task, actor=officer, note="Phoned their DPO on 3 Dec.")
    request.refresh_from_db()
    assert request.status in (Status.COMPLETED, Status.PARTIALLY_COMPLETED)


def test_an_unanswered_e_mail_task_is_reminded_then_escalated_to_the_officers(
    officer, customer_with_two_recipients, django_capture_on_commit_callbacks
):
    request = _delete(customer_with_two_recipients, officer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    assert notices.remind_overdue() == {"reminded": 0, "escalated": 0}
    later = timezone.now() + dt.timedelta(days=8)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert notices.remind_overdue() == {"reminded": 2, "escalated": 0}
        assert notices.remind_overdue() == {"reminded": 0, "escalated": 0}
    # Japanese: the subcontractors are in Japan.
    assert len([m for m in mail.outbox if m.subject.startswith("催促：")]) == 2
    with (
        time_machine.travel(later + dt.timedelta(days=8)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notices.remind_overdue() == {"reminded": 0, "escalated": 2}
    overdue = [m for m in mail.outbox if m.subject.startswith(("Overdue:", "期限超過："))]
    assert {m.to[0] for m in overdue} == {officer.email}
    assert request.reference in overdue[0].subject


def test_a_retried_escalation_mails_only_the_officers_not_yet_mailed(
    officer, customer_with_two_recipients, settings, django_capture_on_commit_callbacks
):
    """The mail server fails on the second officer's overdue alert: its retry mails that
    officer, and the first one, already told, is not told again."""
    from portal.kernel.staff import staff_create

    second, _device, _ = staff_create(email="po2@example.com")
    request = _delete(customer_with_two_recipients, officer, django_capture_on_commit_callbacks)
    later = timezone.now() + dt.timedelta(days=8)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        notices.remind_overdue()
    mail.outbox.clear()
    fail_once(settings, at=2)
    with time_machine.travel(later + dt.timedelta(days=8)):
        with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
            notices.remind_overdue()
        for message in OutboxMessage.objects.filter(done_at__isnull=True):
            with django_capture_on_commit_callbacks(execute=True):
                deliver_again(message)
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()
    overdue = sorted(m.to[0] for m in mail.outbox if request.reference in m.subject)
    # Two partners late, each told to both officers once.
    assert overdue == sorted([officer.email, officer.email, second.email, second.email])


def test_gdpr_art_19_a_correction_mail_names_the_item_in_the_partners_language(
    officer, customer_with_two_recipients, file_request, django_capture_on_commit_callbacks
):
    """A partner told of a correction reads 「次の値に変更してください：」 and
    「- 電話番号：090-…」, not the portal's field name 「phone」."""
    request = phone_correction_in_review(file_request, customer_with_two_recipients, officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        correction.correction_decide(request=request, approve=[0], actor=officer)
    messages = _task_mails()

    assert len(messages) == 2
    for message in messages:
        expected = "次の値に変更してください：\n- 電話番号：090-3333-4444\n"
        assert expected in message.body, message.body
        assert "phone" not in message.body.split("\n\n")[2]


def test_a_partners_link_on_a_refused_request_says_it_is_no_longer_asked(
    client, officer, customer_with_two_recipients, django_capture_on_commit_callbacks
):
    """The request was refused after the partners were asked: the link records nothing,
    says so, and asks them to tell the privacy office if they erased all the same (as a
    system's report through the API is refused); the refused answer is in the trail."""
    from portal.kernel.models import AuditEvent
    from rights.workflow import transition

    request = _delete(customer_with_two_recipients, officer, django_capture_on_commit_callbacks)
    first, _second = _links(_task_mails())
    transition(
        request, to=Status.REJECTED, actor=officer, reason="Needed for a claim.", ground="other"
    )
    page = client.get(first).content.decode()
    assert "もう依頼していません" in page
    assert 'name="outcome"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(first, {"outcome": "done"}).content.decode()
    assert "もう依頼していません" in page and "記録していません" in page
    assert set(SystemTask.objects.values_list("state", flat=True)) == {State.PENDING}
    refused = AuditEvent.objects.get(action="connector.answer_refused")
    assert refused.details["request_status"] == Status.REJECTED
    assert refused.details["answered"] == "done"


def _title_and_heading(page: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", page, re.S)[1].strip()
    heading = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1]).strip()
    return title, heading


@pytest.mark.parametrize(
    ("language", "asked", "no_longer", "instructions"),
    [
        ("ja", "依頼の確認", "もう依頼していません", "依頼内容はお送りしたメール"),
        ("en", "Confirm a privacy task", "no longer asked", "the instructions are in the e-mail"),
    ],
)
def test_a_partners_page_on_a_refused_request_is_named_for_what_it_says(
    client,
    officer,
    customer_with_two_recipients,
    django_capture_on_commit_callbacks,
    settings,
    language,
    asked,
    no_longer,
    instructions,
):
    """GDPR art. 19: the partner opening the link of a refused request reads, from the
    page's title and heading on, that nothing is asked any more: not "Confirm a privacy
    task" over a page with nothing to confirm, nor a pointer to the mail's instructions.
    The privacy office's address is a link. An open request keeps its confirmation."""
    from rights.workflow import transition

    request = _delete(customer_with_two_recipients, officer, django_capture_on_commit_callbacks)
    first, _second = _links(_task_mails())
    client.cookies["django_language"] = language
    page = client.get(first).content.decode()
    assert all(asked in part for part in _title_and_heading(page)), _title_and_heading(page)
    assert instructions in page
    transition(
        request, to=Status.REJECTED, actor=officer, reason="Needed for a claim.", ground="other"
    )
    page = client.get(first).content.decode()
    title, heading = _title_and_heading(page)
    assert no_longer in title and no_longer in heading, (title, heading)
    assert asked not in title and asked not in heading
    assert instructions not in page
    assert f'href="mailto:{settings.PRIVACY_OFFICE_EMAIL}"' in page
