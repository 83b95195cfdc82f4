"""Mailing the notices of a request: each in order after the earlier ones not yet mailed,
to each of its recipients once (the body of ``rights.tasks.send_request_notification``).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .choices import Kind
from .models import RequestNotification
from .notice_overrides import note_set_aside
from .notice_text import edited_text, follow_url, notice_mail, render_notice
from .notifications import downloads_left, recipients_of, request_url, superseded
from .retention import deletion

logger = logging.getLogger(__name__)

# After these a deletion that closed the account erases the address they went to, once
# none of the person's requests is open: each closing notice of one may be the last.
FINAL_NOTICES = ("completed", "partially_completed", "rejected", "withdrawn", "expired")


def mail_notice(subject: str, body: str, to: list[str]) -> None:
    """Send one notice. Notices invite an answer: a reply reaches the privacy office,
    whatever address (perhaps a no-reply one) the portal sends from."""
    EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, to, reply_to=[settings.PRIVACY_OFFICE_EMAIL]
    ).send()


def notice_send(*, notification_id: int) -> None:
    """Mail a notice, after the earlier notices of its request not e-mailed yet: the
    person never reads an older status after a newer one, whatever the reason the
    earlier one is still unsent: the worker took the tasks in another order, its
    message waits in the outbox (a broker outage, a busy worker), or its send failed
    and waits for its retry (a mail server outage). A status-change notice that a
    later one overtook (``notifications.superseded``) is dropped; the others go first,
    in order, and while one still cannot be mailed this one waits and is retried with
    it (an outage; one the mail server refuses for good does not hold it back). The
    earlier notice's own task, coming afterwards, finds it mailed (or dropped) and
    sends nothing: both lock its row, and the second reads it once the first is done.

    An error that is not the mail server's (a notice that cannot be rendered, a
    database error) stops the run where it happened, as a failed send does: what was
    mailed before it is committed, then the error is raised; the outbox delivers the
    message again, and that run mails only what is left, in order."""
    broken = None
    with transaction.atomic():
        request_id = (
            RequestNotification.objects.filter(pk=notification_id, emailed_at__isnull=True)
            .values_list("request_id", flat=True)
            .first()
        )
        # This notice and the earlier ones of its request not yet mailed, locked oldest
        # first: an earlier one being mailed right now goes first, and every task of the
        # request takes the locks in the same order, so three in flight at once cannot
        # deadlock.
        pending = list(
            # Only the notification rows: PostgreSQL refuses FOR UPDATE on the
            # nullable side of the outer joins to the subject and requester.
            RequestNotification.objects.select_for_update(of=("self",))
            .select_related("request__subject", "request__requester")
            .filter(request_id=request_id, pk__lte=notification_id, emailed_at__isnull=True)
            .order_by("pk")
        )
        if not pending or pending[-1].pk != notification_id:
            return
        mailed, failed = [], None
        for index, notice in enumerate(pending):
            if notice.context.get("superseded"):
                continue
            try:
                # A savepoint: a database error here leaves the transaction able to
                # commit what the notices before this one mailed.
                with transaction.atomic():
                    overtaken = superseded(
                        notice, overtaken_by=[later.kind for later in pending[index + 1 :]]
                    )
                    if overtaken:
                        # A later notice went first, or goes now: this one is old news.
                        notice.context = {**notice.context, "superseded": True}
                        notice.save(update_fields=["context"])
                        logger.info("notice %s not e-mailed: a later one goes first", notice.pk)
                if overtaken:
                    continue
                failed = mail_request_notice(notice)
            except Exception as error:  # not the mail server's: raised after the commit
                broken = error
                break
            if failed is not None and notice.pk != notification_id and refused_for_good(failed):
                # No retry changes a refusal (5xx): waiting for it would hold every later
                # notice back for ever. Its own task goes on trying it.
                failed = None
                continue
            if failed is not None:
                # Nothing later goes before it: this one is tried again with it.
                break
            mailed.append(notice)
    for notice in mailed:
        logger.info(
            "request %s: notice %s (%s) e-mailed", notice.request.reference, notice.kind, notice.pk
        )
    if broken is not None:
        logger.error(
            "request %s: notice %s not e-mailed: %s while mailing notice %s; "
            "what was mailed before is recorded, the rest goes when the task runs again",
            pending[-1].request.reference,
            notification_id,
            broken.__class__.__name__,
            notice.pk,
        )
        raise broken
    if failed is not None:
        logger.warning(
            "request %s: notice %s not e-mailed yet: %s; tried again later",
            pending[-1].request.reference,
            notification_id,
            failed.__class__.__name__,
        )
        raise failed  # retried with back-off (MAIL_RETRY)
    if any(notice.kind in FINAL_NOTICES for notice in mailed):
        # The final answer has gone out; a closed account's address may go now.
        deletion.erase_after_notice(pending[-1].request)


def refused_for_good(error: OSError) -> bool:
    """Whether the mail server refused a notice with a permanent (5xx) answer, for every
    recipient or for the message: a retry would be refused the same way (RFC 5321
    §4.2.1), unlike an outage."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def mail_request_notice(notification: RequestNotification) -> OSError | None:
    """Mail one notice to its recipients (in the caller's transaction, its row locked);
    the error if a send failed, the notice then left unsent. A notice nobody receives
    is left as it is.

    Any other error (the notice cannot be rendered for a recipient, the database errs)
    ends it at that recipient: those mailed before are recorded, then it is raised. Each
    recipient's rendering and send run in a savepoint, so after a database error the
    caller's transaction can still commit that record."""
    recipients = recipients_of(notification.request, notification.kind)
    if not recipients:
        return None
    # With several recipients, those already mailed are remembered (as digests,
    # never addresses), so a retry after one failed mails only the others.
    sent = set(notification.context.get("sent_to", []))
    failed = broken = None
    digests = [hashlib.sha256(r.email.lower().encode()).hexdigest()[:16] for r in recipients]
    for recipient, digest in zip(recipients, digests, strict=True):
        if digest in sent:
            continue
        try:
            with transaction.atomic():
                _mail_to(notification, recipient)
        except OSError as error:
            failed = error
            continue
        except Exception as error:  # not the mail server's: raised once the mails are noted
            broken = error
            break
        sent.add(digest)
        try:
            with transaction.atomic():
                _in_use, set_aside = edited_text(notification, recipient.language)
                if set_aside is not None:
                    note_set_aside(notification, set_aside)
        except Exception as error:  # the mail went: it is recorded all the same
            broken = error
            break
    if len(recipients) > 1:
        notification.context = {**notification.context, "sent_to": sorted(sent)}
    if sent.issuperset(digests):
        notification.emailed_at = timezone.now()
    with transaction.atomic():  # failing, it leaves the caller's transaction usable
        notification.save(update_fields=["emailed_at", "context"])
    if broken is not None:
        raise broken
    if failed is not None:
        logger.warning(
            "request %s: notice %s (%s) not e-mailed yet: %s",
            notification.request.reference,
            notification.kind,
            notification.pk,
            failed.__class__.__name__,
        )
    return failed


def _mail_to(notification: RequestNotification, recipient) -> None:
    """Render the notice for one recipient and mail it."""
    subject, body = render_notice(
        notification,
        language=recipient.language,
        # A closed account's address is written to as one without an account;
        # the deletion that closed it points to no page (the address goes next).
        has_account=not recipient.follows_by_link,
        signs_in=not recipient.closed_by_it,
        follow_url=follow_url(notification.request, recipient.email)
        if recipient.follows_by_link
        else "",
        request_url=""
        if recipient.follows_by_link or recipient.closed_by_it
        else request_url(notification.request),
        principal=recipient.principal,
        downloads=closing_downloads(notification, recipient),
    )
    mail_notice(subject, notice_mail(body, language=recipient.language), [recipient.email])


def closing_downloads(notification: RequestNotification, recipient) -> list[dict]:
    """The copies still to download that the final notice of the deletion that closed the
    account gives the follow link of: their download no longer goes through the account,
    and the notice of each said "log in" (``notice_text.render_notice``). A copy whose
    downloads are used up is kept only for its one new link (``may_renew``): the notice
    gives the day it was last downloaded, and the follow page offers that new link."""
    if not recipient.closed_by_it or notification.kind not in ("completed", "partially_completed"):
        return []
    return [
        {
            "reference": package.request.reference,
            "purposes": package.kind == Kind.PURPOSE_NOTICE,
            "expires_at": package.expires_at,
            "downloaded_at": package.last_downloaded_at if package.may_renew() else None,
            "url": follow_url(package.request, recipient.email),
        }
        for package in downloads_left(notification.request, recipient.email)
    ]
