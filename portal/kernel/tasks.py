"""Celery entry points of the kernel: fetch by id, call, nothing else.

Task names stay ``portal.tasks.<name>``: queued messages and the outbox store
them, so they do not follow the module when it moves.

Mail tasks are queued through the outbox (portal.kernel.outbox) and retry on delivery
errors with back-off. Late acknowledgement means a worker lost mid-task leaves
the task to be redone, and the outbox publishes a message again when its task
has not finished in time; ``OutboxTask`` makes a redone mail task that had
already finished do nothing. Beat jobs claim their period (portal.kernel.jobs).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from . import audit, jobs, outbox
from .api import callbacks
from .codes import email_code_minutes, link_valid_hours
from .company import CompanyContact
from .emails import send_templated_email
from .jobs import ScheduledJob
from .models import CustomerEmailDevice
from .outbox import OutboxTask
from .tokens import email_change_token, email_verification_token

logger = logging.getLogger(__name__)

MAIL_RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "max_retries": 8,
}


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_otp_email")
def send_otp_email(device_id: int) -> None:
    device = CustomerEmailDevice.objects.select_related("user").filter(pk=device_id).first()
    if device is None or not device.token:
        return
    if device.valid_until is not None and device.valid_until <= timezone.now():
        # Queued while the broker was down and sent only now: the code has
        # expired, and mailing it would only confuse; the customer asks again.
        return
    send_templated_email(
        to=device.email or device.user.email,
        template="otp_code",
        context={"token": device.token, "valid_minutes": email_code_minutes()},
        language=device.user.language,
    )


def _mail_token_link(user, *, view: str, token_generator, template: str) -> None:
    """Mail ``user`` a link to ``view`` carrying their id and a fresh token.

    The token is made here in the worker, so it never travels through the broker.
    """
    path = reverse(
        view,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token_generator.make_token(user),
        },
    )
    send_templated_email(
        to=user.email,
        template=template,
        context={"path": path, "valid_hours": link_valid_hours()},
        language=user.language,
    )


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_verification_email")
def send_verification_email(user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is not None:
        _mail_token_link(
            user,
            view="portal:verify_email",
            token_generator=email_verification_token,
            template="verify_email",
        )


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_verification_email_to")
def send_verification_email_to(address: str) -> None:
    """A fresh verification link for an unverified account with this address, if any.

    The page that asks for it queues this for every address typed, so a known
    and an unknown address cost the request the same; the lookup happens here.
    """
    user = (
        get_user_model()
        .objects.filter(email__iexact=address, email_verified_at__isnull=True, is_active=True)
        .first()
    )
    if user is not None:
        send_verification_email(user.pk)


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_account_exists_email")
def send_account_exists_email(user_id: int) -> None:
    """Someone signed up with the address of an account. If the account still waits
    for its address to be confirmed, it gets a fresh confirmation link instead: told
    to log in, its owner would meet a login that refuses unconfirmed addresses."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return
    if user.is_active and not user.is_staff and not user.email_verified:
        send_verification_email(user.pk)
        return
    send_templated_email(
        to=user.email,
        template="account_exists",
        context={
            "login_path": reverse("portal:login"),
            "reset_path": reverse("portal:password_reset"),
        },
        language=user.language,
    )


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_password_reset_email")
def send_password_reset_email(user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        _mail_token_link(
            user,
            view="portal:password_reset_confirm",
            token_generator=default_token_generator,
            template="password_reset",
        )


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_email_change_link")
def send_email_change_link(user_id: int) -> None:
    """The link that confirms a pending change of login address, to the new address.

    When the new address is another account's login, that mailbox is told so
    instead, as sign-up tells it: the page that asked answers the same either
    way, so it reveals no more about which addresses have accounts than sign-up.
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email_change_to:
        return
    address = user.email_change_to
    taken = get_user_model().objects.filter(email__iexact=address).exclude(pk=user.pk).exists()
    if taken:
        send_templated_email(
            to=address,
            template="email_change_in_use",
            context={
                "login_path": reverse("portal:login"),
                "reset_path": reverse("portal:password_reset"),
            },
            language=user.language,
        )
        return
    path = reverse(
        "portal:email_change_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": email_change_token.make_token(user),
        },
    )
    send_templated_email(
        to=address,
        template="email_change_link",
        context={"path": path, "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)},
        language=user.language,
    )


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_email_changed_notice")
def send_email_changed_notice(user_id: int, old_address: str) -> None:
    """Tell the former login address that the login changed, with no link in it.

    A link that undid the change could be used by whoever holds the old mailbox
    now; the notice says whom to contact instead. The new address is masked.
    """
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return
    send_templated_email(
        to=old_address,
        template="email_changed",
        context={"new_address": masked_address(user.email), "contact": CompanyContact()},
        language=user.language,
    )


def masked_address(address: str) -> str:
    """``h***@example.org``: enough for the owner to recognise, not to write to."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


@shared_task(base=ScheduledJob, name="portal.tasks.verify_audit_chain")
def verify_audit_chain() -> dict:
    """Beat, nightly: the whole chain against every checkpoint of the file."""
    checked, broken = audit.verify_chain()
    if broken is not None:
        logger.error("audit chain broken at event %s: %s", broken.event_id, broken.problem)
    return {"checked": checked, "broken_at": broken.event_id if broken else None}


@shared_task(base=ScheduledJob, name="portal.tasks.audit_checkpoint")
def audit_checkpoint() -> dict:
    """Beat, hourly: check the rows since the last checkpoint, then checkpoint the head."""
    made, broken = audit.checkpoint()
    if broken is not None:
        logger.error(
            "audit chain broken at event %s: %s; no checkpoint written",
            broken.event_id,
            broken.problem,
        )
        return {"checkpoint": None, "broken_at": broken.event_id}
    return {"checkpoint": made.last_id, "count": made.count}


@shared_task(base=ScheduledJob, ignore_result=True, name="portal.tasks.outbox_drain")
def outbox_drain() -> int:
    """Beat, every few seconds: publish what could not be published after its commit,
    and again what was published but not done in time."""
    return outbox.drain()


@shared_task(base=ScheduledJob, ignore_result=True, name="portal.tasks.outbox_purge")
def outbox_purge() -> int:
    """Beat, daily: delete messages done more than OUTBOX_KEEP_DAYS ago."""
    return outbox.purge(older_than=timedelta(days=settings.OUTBOX_KEEP_DAYS))


@shared_task(base=ScheduledJob, ignore_result=True, name="portal.tasks.scheduled_runs_purge")
def scheduled_runs_purge() -> int:
    """Beat, daily: delete the period claims of the beat jobs older than a week."""
    return jobs.purge()


@shared_task(base=OutboxTask, **MAIL_RETRY, name="portal.tasks.send_password_reset_email_to")
def send_password_reset_email_to(address: str) -> None:
    """A reset link to each active account with this address, if any.

    Queued for every address typed on the reset page (see
    ``send_verification_email_to``): the request does the same work either way.
    """
    users = get_user_model().objects.filter(email__iexact=address, is_active=True)
    for user_id in users.values_list("pk", flat=True):
        send_password_reset_email(user_id)


@shared_task(base=OutboxTask, ignore_result=True, name="portal.tasks.api_callback_deliver")
def api_callback_deliver(delivery_id: int, replayed_by_id: int | None = None) -> bool:
    """POST one API callback once; a failure is tried again by ``api_callbacks_retry``."""
    return callbacks.deliver(delivery_id, replayed_by_id=replayed_by_id)


@shared_task(base=ScheduledJob, ignore_result=True, name="portal.tasks.api_callbacks_retry")
def api_callbacks_retry() -> int:
    """Beat, every minute: queue the API callbacks whose next attempt is due."""
    return callbacks.retry_due()
