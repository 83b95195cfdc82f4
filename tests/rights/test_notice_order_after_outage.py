"""Notices of one request after the mail server was unreachable for a while.

A notice whose send failed is retried with back-off (MAIL_RETRY); a later notice of
the same request, queued meanwhile, may be taken while the mail server is back and
before that retry. The person still reads them in order: the later one's task mails
the earlier ones still unsent first (or drops those it makes old news), and waits
with them while the mail server refuses them.
"""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from rights import tasks
from rights.choices import Status
from rights.models import RequestNotification

from .notice_support import filed, moved

RECEIVED, IN_REVIEW, REJECTED = "received", "In review", "cannot comply"


class UnreachableBackend(LocmemBackend):
    """The SMTP server down: every send fails as smtplib's would."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


OUTAGE = "tests.rights.test_notice_order_after_outage.UnreachableBackend"


# The later notices: "in review", or the final answer after it.
LATER_NOTICES = pytest.mark.parametrize(
    ("moves", "later_word"),
    [([Status.IN_REVIEW], IN_REVIEW), ([Status.IN_REVIEW, Status.REJECTED], REJECTED)],
    ids=["in-review", "final"],
)


def _fails_while_down(settings, notification):
    settings.EMAIL_BACKEND = OUTAGE
    with pytest.raises(OSError):
        tasks.send_request_notification.run(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None


def _mailed(subjects, *words):
    return [next((word for word in words if word in subject), subject) for subject in subjects]


@pytest.mark.django_db
@LATER_NOTICES
def test_the_receipt_whose_send_failed_goes_before_a_later_notice(
    settings, officer, django_capture_on_commit_callbacks, moves, later_word
):
    request = filed(django_capture_on_commit_callbacks)
    received = request.notifications.get(kind="received")
    _fails_while_down(settings, received)
    for to in moves:
        request.refresh_from_db()
        later = moved(request, to, officer, django_capture_on_commit_callbacks)
    # The mail server is back; the later notice's task runs before the receipt's retry.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    tasks.send_request_notification.run(later.pk)
    tasks.send_request_notification.run(received.pk)  # the retry
    subjects = [sent.subject for sent in mail.outbox]
    assert _mailed(subjects, RECEIVED, later_word) == [RECEIVED, later_word], subjects
    assert not RequestNotification.objects.filter(
        pk__in=[received.pk, later.pk], emailed_at__isnull=True
    ).exists()


@pytest.mark.django_db
def test_a_later_notice_waits_while_the_earlier_one_still_cannot_be_mailed(
    settings, officer, django_capture_on_commit_callbacks
):
    request = filed(django_capture_on_commit_callbacks)
    received = request.notifications.get(kind="received")
    _fails_while_down(settings, received)
    in_review = moved(request, Status.IN_REVIEW, officer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with pytest.raises(OSError):  # still down: retried later, in order
        tasks.send_request_notification.run(in_review.pk)
    unsent = RequestNotification.objects.filter(emailed_at__isnull=True)
    assert unsent.filter(pk__in=[received.pk, in_review.pk]).count() == 2
    assert mail.outbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.send_request_notification.run(in_review.pk)
    tasks.send_request_notification.run(received.pk)
    subjects = [sent.subject for sent in mail.outbox]
    assert _mailed(subjects, RECEIVED, IN_REVIEW) == [RECEIVED, IN_REVIEW], subjects


@pytest.mark.django_db
@pytest.mark.parametrize("tried", [True, False], ids=["send-failed", "never-tried"])
def test_an_in_progress_notice_overtaken_by_the_final_one_is_dropped(
    settings, officer, django_capture_on_commit_callbacks, tried
):
    """The old status is still not mailed after the newer one (superseded()), whether
    its send failed or its message is still on its way."""
    request = filed(django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.send_request_notification.run(request.notifications.get(kind="received").pk)
    request.refresh_from_db()
    in_review = moved(request, Status.IN_REVIEW, officer, django_capture_on_commit_callbacks)
    if tried:
        _fails_while_down(settings, in_review)
    request.refresh_from_db()
    final = moved(request, Status.REJECTED, officer, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    tasks.send_request_notification.run(final.pk)
    tasks.send_request_notification.run(in_review.pk)
    subjects = [sent.subject for sent in mail.outbox]
    assert len(subjects) == 1 and REJECTED in subjects[0], subjects
    in_review.refresh_from_db()
    assert in_review.emailed_at is None and in_review.context["superseded"] is True


class RefusingBackend(LocmemBackend):
    """The mail server up, refusing for good (a 5xx answer) the receipt: a refusal no
    retry changes, as a mailbox that does not exist or a content filter gives."""

    def send_messages(self, messages):
        for message in messages:
            if RECEIVED in message.subject:
                raise smtplib.SMTPDataError(554, b"Message refused")
        return super().send_messages(messages)


@pytest.mark.django_db
def test_an_earlier_notice_refused_for_good_does_not_hold_back_the_later_ones(
    settings, officer, django_capture_on_commit_callbacks
):
    """A permanent refusal is not an outage: waiting for it would hold every later
    notice of the request back for ever. The receipt stays unsent (its own retries go
    on); "In review" goes out."""
    request = filed(django_capture_on_commit_callbacks)
    received = request.notifications.get(kind="received")
    settings.EMAIL_BACKEND = "tests.rights.test_notice_order_after_outage.RefusingBackend"
    with pytest.raises(OSError):
        tasks.send_request_notification.run(received.pk)
    in_review = moved(request, Status.IN_REVIEW, officer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    tasks.send_request_notification.run(in_review.pk)
    subjects = [sent.subject for sent in mail.outbox]
    assert _mailed(subjects, RECEIVED, IN_REVIEW) == [IN_REVIEW], subjects
    received.refresh_from_db()
    in_review.refresh_from_db()
    assert received.emailed_at is None and in_review.emailed_at is not None


# -- earlier notices never tried yet: their message still on its way (a broker outage,
# a slow worker) when the later notice's task runs.


@pytest.mark.django_db
@LATER_NOTICES
def test_a_receipt_never_tried_goes_before_a_later_notice_and_only_once(
    officer, django_capture_on_commit_callbacks, moves, later_word
):
    request = filed(django_capture_on_commit_callbacks)
    received = request.notifications.get(kind="received")
    for to in moves:
        request.refresh_from_db()
        later = moved(request, to, officer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    tasks.send_request_notification.run(later.pk)
    # The receipt's own message arrives afterwards, and every other one queued with it.
    for notice in request.notifications.order_by("pk"):
        tasks.send_request_notification.run(notice.pk)
    subjects = [sent.subject for sent in mail.outbox]
    assert _mailed(subjects, RECEIVED, later_word) == [RECEIVED, later_word], subjects
    received.refresh_from_db()
    assert received.emailed_at is not None


@pytest.mark.django_db
def test_a_receipt_never_tried_and_refused_for_good_does_not_hold_back_the_later_one(
    settings, officer, django_capture_on_commit_callbacks
):
    request = filed(django_capture_on_commit_callbacks)
    received = request.notifications.get(kind="received")
    in_review = moved(request, Status.IN_REVIEW, officer, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "tests.rights.test_notice_order_after_outage.RefusingBackend"
    mail.outbox.clear()
    tasks.send_request_notification.run(in_review.pk)
    assert _mailed([sent.subject for sent in mail.outbox], RECEIVED, IN_REVIEW) == [IN_REVIEW]
    with pytest.raises(OSError):  # its own task goes on trying it
        tasks.send_request_notification.run(received.pk)
    received.refresh_from_db()
    in_review.refresh_from_db()
    assert received.emailed_at is None and in_review.emailed_at is not None
    assert len(mail.outbox) == 1
