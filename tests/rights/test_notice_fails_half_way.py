"""A notice task that fails half-way for a reason other than the mail server keeps the
record of what it mailed: its retry finishes the work and never mails anyone twice.

The task mails, in one transaction, this notice and the earlier ones of its request not
e-mailed yet, each to one or more recipients. A notice that cannot be rendered (its
stored context is broken, a template fails, the database errs while reading for it)
stops the task after some mails went out. Those mails stay recorded (``emailed_at``,
the ``sent_to`` digests of a notice to several people), the error still fails the task
and is logged, and no later notice goes before the one that failed. The person is told
each status once and in order (APPI art. 35(7), GDPR art. 12(3)); the person an agent
acted for is told once that a request was made in their name (APPI art. 37, CCPA §7063).
"""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.template import TemplateSyntaxError

from portal.kernel.models import OutboxMessage
from rights import notice_sending, tasks
from rights.choices import Status
from rights.models import RequestNotification
from rights.requesters.models import Capacity, RequestIdentity, VerificationStatus
from tests.factories import UserFactory
from tests.mail_support import deliver_again

from .notice_support import filed, mail_waiting_notices, moved

RECEIVED, IN_REVIEW, REJECTED = "received", "In review", "cannot comply"
# A date that reads as one but is none: parsing it fails as the notice is rendered.
BROKEN_DUE_AT = "2026-02-30T12:00:00+09:00"


def _break(notification):
    """The stored context of ``notification`` no longer renders (written by an older
    release, or edited by hand)."""
    notification.context = {**notification.context, "due_at": BROKEN_DUE_AT}
    notification.save(update_fields=["context"])


def _count(word):
    return sum(word in sent.subject for sent in mail.outbox)


@pytest.mark.django_db
def test_an_earlier_notice_mailed_before_a_later_one_failed_to_render_is_not_mailed_again(
    officer, django_capture_on_commit_callbacks, caplog
):
    capture = django_capture_on_commit_callbacks
    request = filed(capture)
    received = request.notifications.get(kind="received")
    in_review = moved(request, Status.IN_REVIEW, officer, capture)
    _break(in_review)
    mail.outbox.clear()
    with caplog.at_level(logging.ERROR, logger="rights.notice_sending"), pytest.raises(ValueError):
        tasks.send_request_notification.run(in_review.pk)
    assert [_count(RECEIVED), _count(IN_REVIEW)] == [1, 0]
    received.refresh_from_db()
    assert received.emailed_at is not None
    (logged,) = [r for r in caplog.records if r.name == "rights.notice_sending"]
    assert logged.levelno == logging.ERROR and "ValueError" in logged.getMessage()
    # The outbox delivers the message again (and again): the receipt is not sent twice.
    for _retry in range(2):
        with pytest.raises(ValueError):
            tasks.send_request_notification.run(in_review.pk)
    assert [_count(RECEIVED), _count(IN_REVIEW)] == [1, 0]
    # Repaired, the notice goes, once.
    in_review.context = {**in_review.context, "due_at": received.context.get("due_at")}
    in_review.save(update_fields=["context"])
    tasks.send_request_notification.run(in_review.pk)
    tasks.send_request_notification.run(received.pk)
    assert [_count(RECEIVED), _count(IN_REVIEW)] == [1, 1]


@pytest.mark.django_db
def test_a_later_notice_never_goes_before_an_earlier_one_that_fails_to_render(
    officer, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    request = filed(capture)
    received = request.notifications.get(kind="received")
    in_review = moved(request, Status.IN_REVIEW, officer, capture)
    repaired = dict(received.context)
    _break(received)
    mail.outbox.clear()
    with pytest.raises(ValueError):
        tasks.send_request_notification.run(in_review.pk)
    assert mail.outbox == []
    assert RequestNotification.objects.filter(emailed_at__isnull=True).count() == 2
    received.context = repaired
    received.save(update_fields=["context"])
    tasks.send_request_notification.run(in_review.pk)
    subjects = [sent.subject for sent in mail.outbox]
    assert [RECEIVED in subjects[0], IN_REVIEW in subjects[1]] == [True, True], subjects
    assert not RequestNotification.objects.filter(emailed_at__isnull=True).exists()


def _template_error():
    raise TemplateSyntaxError("Invalid block tag on line 3: 'endif'.")


def _database_error():
    # A real error of the database, which on PostgreSQL aborts the transaction it runs in.
    with connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM rights_requestnotification")


def _answer_to_agent_and_person(officer, capture, monkeypatch):
    """A request an appointed agent filed for a person, refused: the refusal goes to the
    agent and a copy to the person (APPI art. 37, CCPA §7063), and the copy fails on its
    way while ``failing["with"]`` is set. (agent, person, refusal, failing)."""
    agent, person = UserFactory(language="en"), UserFactory(language="ja")
    request = filed(capture, requester=agent, subject=person)
    RequestIdentity.objects.create(
        request=request, capacity=Capacity.AGENT, verification=VerificationStatus.VERIFIED
    )
    moved(request, Status.IN_REVIEW, officer, capture)
    mail_waiting_notices()
    rejected = moved(request, Status.REJECTED, officer, capture)
    render = notice_sending.render_notice
    failing = {"with": _template_error}

    def copy_fails(notification, **options):
        if options.get("principal") and failing["with"] is not None:
            failing["with"]()
        return render(notification, **options)

    monkeypatch.setattr(notice_sending, "render_notice", copy_fails)
    return agent, person, rejected, failing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fail", "error"),
    [(_template_error, TemplateSyntaxError), (_database_error, DatabaseError)],
    ids=["template-error", "database-error"],
)
def test_the_agent_mailed_before_the_copy_to_the_person_failed_is_not_mailed_again(
    officer, django_capture_on_commit_callbacks, monkeypatch, fail, error
):
    agent, person, rejected, failing = _answer_to_agent_and_person(
        officer, django_capture_on_commit_callbacks, monkeypatch
    )
    failing["with"] = fail
    with pytest.raises(error):
        tasks.send_request_notification.run(rejected.pk)
    assert [m.to for m in mail.outbox] == [[agent.email]]
    rejected.refresh_from_db()
    assert rejected.emailed_at is None and len(rejected.context["sent_to"]) == 1
    with pytest.raises(error):
        tasks.send_request_notification.run(rejected.pk)  # delivered again, still failing
    failing["with"] = None
    tasks.send_request_notification.run(rejected.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, person.email])
    rejected.refresh_from_db()
    assert rejected.emailed_at is not None


@pytest.mark.django_db
def test_the_outbox_delivers_the_failed_notice_again_and_it_finishes_without_doubling(
    officer, django_capture_on_commit_callbacks, monkeypatch
):
    """Through the outbox: the failed run leaves its message not done, and the message
    delivered again (as the drain does) mails only the person, whom the first run missed."""
    agent, person, rejected, failing = _answer_to_agent_and_person(
        officer, django_capture_on_commit_callbacks, monkeypatch
    )
    (message,) = OutboxMessage.objects.filter(
        task_name="rights.tasks.send_request_notification", args=[rejected.pk]
    )
    with pytest.raises(TemplateSyntaxError):
        deliver_again(message)
    message.refresh_from_db()
    assert message.done_at is None
    assert [m.to for m in mail.outbox] == [[agent.email]]
    failing["with"] = None
    deliver_again(message)
    deliver_again(message)  # a duplicate delivery finds it done
    message.refresh_from_db()
    assert message.done_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, person.email])
