"""Mails read as their recipient reads them, produced through the code that sends them:
a customer's final answer, a partner told to keep data, an officer told a partner is late."""

import re

import pytest
from django.core import mail

from rights import workflow
from rights.choices import Kind, Status
from rights.connectors import notices
from rights.connectors.models import SystemTask
from rights.services import request_submit
from tests.rights.connector_support import recipient_with_email_system
from tests.rights.identity_support import parents_request
from tests.rights.notice_support import mail_waiting_notices
from tests.rights.retention_support import (
    approve,
    customer_with_records,
    file_deletion,
    litigation_hold,
)

pytestmark = pytest.mark.django_db

BLANK_LINE_RUN = re.compile(r"\n[ \t]*\n[ \t]*\n")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_rejection_to_a_customer_has_no_run_of_blank_lines(
    customer, officer, language, django_capture_on_commit_callbacks
):
    """The rejection and partial answers ended the complaint paragraph with two blank
    lines before the link to the request: a gap that reads like the end of the mail."""
    customer.language = language
    customer.save(update_fields=["language"])
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
    )
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    mail_waiting_notices()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            request, to=Status.REJECTED, actor=officer, reason="Kept by law.", ground="no_ground"
        )
    (sent,) = mail.outbox
    assert "/requests/" in sent.body and "Kept by law." in sent.body
    assert not BLANK_LINE_RUN.search(sent.body), sent.body


def _parents_request_rejected(officer, capture, *, language="en"):
    """A parent's request for their child, rejected: (the request, the last mail sent)."""
    from rights.requesters.verification import identity_verify

    request = parents_request(language=language)
    identity_verify(request=request, actor=officer, no_customer=True)
    request.refresh_from_db()
    mail.outbox.clear()
    with capture(execute=True):
        workflow.transition(
            request, to=Status.REJECTED, actor=officer, reason="Harmful.", ground="harm"
        )
    return request, mail.outbox[-1]


def test_a_rejection_to_a_parent_has_no_run_of_blank_lines(
    officer, django_capture_on_commit_callbacks
):
    _request, sent = _parents_request_rejected(officer, django_capture_on_commit_callbacks)
    assert sent.to == ["parent@example.com"] and "/requests/follow/" in sent.body
    assert not BLANK_LINE_RUN.search(sent.body), sent.body


@pytest.mark.parametrize(
    ("language", "theirs", "yours"),
    [
        ("en", "you made for the person you represent", "your request"),
        ("ja", "ご本人のためにいただいたご請求", "お客様のご請求"),
    ],
)
def test_a_rejection_to_a_parent_speaks_of_the_request_made_for_the_child(
    officer, language, theirs, yours, django_capture_on_commit_callbacks
):
    """A parent read "we cannot comply with your request" while the other notices to
    them speak of the person they represent (rights/notice_outcome.txt)."""
    request, sent = _parents_request_rejected(
        officer, django_capture_on_commit_callbacks, language=language
    )
    assert sent.to == ["parent@example.com"]
    assert theirs in sent.body, sent.body
    assert yours not in sent.body.lower()
    assert request.reference in sent.body


@pytest.fixture
def partner_erasing(officer, django_capture_on_commit_callbacks):
    """A deletion a partner reached by e-mail was asked to carry out: its task."""
    customer = customer_with_records(language="ja")
    recipient_with_email_system(customer, "Acme Logistics", "privacy")
    request = file_deletion(customer, scope={"everything": True})
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    return customer, SystemTask.objects.get(request=request)


@pytest.mark.parametrize(("country", "kept"), [("US", "Kinds of data to keep"), ("JP", "保存")])
def test_a_partner_told_to_keep_data_can_reach_the_privacy_office(
    officer, partner_erasing, settings, country, kept, django_capture_on_commit_callbacks
):
    """The hold notice asked the partner to "tell our privacy office at once" if it had
    already erased what it must keep, gave no address, and said not to reply."""
    settings.PRIVACY_OFFICE_EMAIL = "office@rights-portal.example"
    customer, task = partner_erasing
    task.system.recipient.country = country
    task.system.recipient.save(update_fields=["country"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        litigation_hold(officer, customer, categories=["contact"])
    (sent,) = [m for m in mail.outbox if m.to == ["privacy@partner.example"]]
    assert kept in sent.body
    assert "office@rights-portal.example" in sent.body, sent.body


def test_an_officer_told_a_partner_is_late_reads_a_colleagues_greeting_and_their_own_zone(
    officer, partner_erasing
):
    """The overdue alert to a Japanese-speaking officer greeted them as a customer ("thank
    you for using the portal") and gave the due date in the portal's zone, not theirs."""
    officer.language = "ja"
    officer.time_zone = "Europe/Berlin"
    officer.save(update_fields=["language", "time_zone"])
    _customer, task = partner_erasing
    mail.outbox.clear()
    assert notices.escalation_send(task.pk, officer.pk) is True
    (sent,) = mail.outbox
    assert sent.to == [officer.email]
    assert "ご利用いただき" not in sent.body
    assert "欧州中部時間" in sent.body and "日本時間" not in sent.body, sent.body


@pytest.mark.parametrize(
    ("language", "yours", "persons"),
    [("en", "your data", "the data of the person"), ("ja", "お客様のデータ", "ご本人のデータ")],
)
def test_a_parent_told_a_stop_is_done_reads_of_the_childs_data(
    customer, officer, language, yours, persons, django_capture_on_commit_callbacks
):
    """A parent who stopped the use of their child's data was told "we have stopped
    using your data" and sent to "your consent page", which is the child's account."""
    from rights import stop_decisions
    from rights.requesters.filing import Person, Requester, Upload, identity_request_file
    from rights.requesters.models import DocumentKind
    from rights.requesters.verification import identity_match_subject, identity_verify
    from tests.rights.identity_support import pdf

    request = identity_request_file(
        kind=Kind.STOP_USE,
        requester=Requester(capacity="parent", email="parent@example.com", language=language),
        person=Person(name="Kenta Yamada", email=customer.email),
        uploads=[
            Upload(DocumentKind.REQUESTER_ID, pdf("id.pdf"), "application/pdf"),
            Upload(DocumentKind.FAMILY_REGISTER, pdf("koseki.pdf"), "application/pdf"),
        ],
        scope={"everything": True},
    )
    identity_match_subject(
        request=request, subject=customer, actor=officer, reason="Family register shows it."
    )
    identity_verify(request=request, actor=officer)
    request.refresh_from_db()
    if request.status != Status.IN_REVIEW:
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    mail_waiting_notices()
    with django_capture_on_commit_callbacks(execute=True):
        stop_decisions.stop_decide(request=request, decisions={"all": "stop"}, actor=officer)
    (sent,) = [m for m in mail.outbox if m.to == ["parent@example.com"]]
    assert persons in sent.body, sent.body
    assert yours not in sent.body
    assert "/consent/" not in sent.body


def test_a_reply_to_a_notice_reaches_the_privacy_office(
    customer, settings, django_capture_on_commit_callbacks
):
    """Notices invite the person to write to the privacy office and do not say "do not
    reply"; sent from a no-reply sender (DEFAULT_FROM_EMAIL), a reply went nowhere."""
    settings.DEFAULT_FROM_EMAIL = "no-reply@rights-portal.example"
    settings.PRIVACY_OFFICE_EMAIL = "office@rights-portal.example"
    with django_capture_on_commit_callbacks(execute=True):
        request_submit(
            subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
        )
    (sent,) = mail.outbox
    assert sent.from_email == "no-reply@rights-portal.example"
    assert sent.reply_to == ["office@rights-portal.example"]
