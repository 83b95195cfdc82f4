"""Writes for customer accounts: sign-up, e-mail verification, profile, sessions,
and the change of the login address.

Views call these; each does its write and its audit event in one transaction
and queues e-mail after commit.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.services import SignupConsent, consent_record_signup
from portal.kernel import outbox
from portal.kernel.audit import audit_log
from portal.kernel.encryption import keyed_hash
from portal.kernel.models import (
    CustomerEmailDevice,
    Profile,
    SessionsEndedReason,
)
from portal.kernel.stepup import email_device_for
from portal.kernel.tasks import (
    send_account_exists_email,
    send_email_change_link,
    send_email_changed_notice,
    send_verification_email,
    send_verification_email_to,
)
from portal.kernel.tokens import email_change_token, email_verification_token

User = get_user_model()


def user_signup(
    *,
    email: str,
    password: str,
    full_name: str,
    language: str,
    consent: SignupConsent | None = None,
    request=None,
) -> User | None:
    """Create an unverified customer and mail the verification link.

    When the address is already registered nothing is created and the owner of
    that account is told by mail instead, so the sign-up page reveals nothing
    about which addresses have accounts. ``consent`` (the policy accepted and
    the optional purposes chosen) is recorded in the same transaction as the
    account. Returns the new user, or None.
    """
    with transaction.atomic():
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            # Hash the password anyway, so both answers take about as long:
            # hashing is most of the work of creating an account.
            make_password(password)
            outbox.enqueue(send_account_exists_email, existing.pk)
            return None
        user = User.objects.create_user(email=email, password=password, language=language)
        Profile.objects.create(user=user, full_name=full_name)
        audit_log(action="account.signup", actor=user, target=user, subject=user, request=request)
        if consent is not None:
            consent_record_signup(subject=user, consent=consent, request=request)
        outbox.enqueue(send_verification_email, user.pk)
    return user


def user_resend_verification(*, email: str) -> None:
    """Mail a fresh link to an unverified account; silent for anything else.

    Queued whatever the address, so a known one takes no longer to answer.
    """
    outbox.enqueue(send_verification_email_to, email)


def email_verification_link_works(*, user: User | None, token: str) -> bool:
    """Whether a sign-up confirmation link may still confirm ``user``'s address."""
    return user is not None and email_verification_token.check_token(user, token)


def user_verify_email(*, user: User | None, token: str, request=None) -> User | None:
    """Mark the address verified and give the customer an e-mail code device.

    Returns the user, or None when the link is invalid, expired or used.
    """
    if not email_verification_link_works(user=user, token=token):
        return None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            audit_log(
                action="account.email_verified",
                actor=user,
                target=user,
                subject=user,
                request=request,
            )
        email_device_for(user)
    return user


def profile_update(*, request, profile: Profile, data: dict) -> Profile:
    """Save the customer's own profile changes; the audit names the fields only."""
    changed = [name for name, value in data.items() if getattr(profile, name) != value]
    if not changed:
        return profile
    with transaction.atomic():
        for name in changed:
            setattr(profile, name, data[name])
        profile.full_clean()
        profile.save()
        audit_log(
            action="account.profile_updated",
            actor=request.user,
            target=profile,
            subject=profile.user,
            request=request,
            details={"fields": changed},
        )
    return profile


def sessions_end_all(*, user: User, reason: SessionsEndedReason, request=None) -> User:
    """End every session of ``user`` at once, wherever it was opened.

    Raises the user's session epoch, which is part of the value each session
    is checked against on every request (``User.get_session_auth_hash``), so
    all sessions made before fail their next check, and records why, which
    those sessions then tell the person. The caller decides about the
    session of ``request``: keep it (``update_session_auth_hash``, after a
    password change) or end it too (``logout``, "log out everywhere").
    Updates ``user`` in place and returns it.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.session_epoch += 1
        locked.sessions_ended_at = timezone.now()
        locked.sessions_ended_reason = reason
        locked.save(update_fields=["session_epoch", "sessions_ended_at", "sessions_ended_reason"])
        audit_log(
            action="auth.sessions_ended",
            actor=request.user if request is not None else None,
            target=locked,
            subject=None if locked.is_staff else locked,
            request=request,
            details={"reason": str(reason)},
        )
    user.session_epoch = locked.session_epoch
    user.sessions_ended_at = locked.sessions_ended_at
    user.sessions_ended_reason = locked.sessions_ended_reason
    return user


def _address_hash(address: str) -> str:
    """What the audit trail keeps of an address: a keyed hash, never the address.

    Staff who are given an address can recompute it to find the events, as they
    find a customer by phone number (``portal.kernel.encryption.keyed_hash``).
    """
    return keyed_hash("email", address.strip().lower())


def email_change_request(*, user: User, new_email: str, request=None) -> None:
    """Record ``new_email`` as the pending login address and mail it a link.

    Nothing changes until the link is opened (:func:`email_change_confirm`). A
    newer request replaces the pending one and voids its link. The address is
    recorded and a message queued whether or not another account has it; the
    worker decides what the mailbox is told (``send_email_change_link``), so
    the answer here reveals nothing about which addresses have accounts.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.email_change_to = User.objects.normalize_email(new_email)
        locked.email_change_requested_at = timezone.now()
        locked.save(update_fields=["email_change_to", "email_change_requested_at"])
        audit_log(
            action="account.email_change_requested",
            actor=user,
            target=locked,
            subject=locked,
            request=request,
            details={"to": _address_hash(locked.email_change_to)},
        )
        outbox.enqueue(send_email_change_link, locked.pk)
    user.email_change_to = locked.email_change_to
    user.email_change_requested_at = locked.email_change_requested_at


class EmailChangeRefused(Exception):
    """The link cannot change the login; ``reason`` is ``"link"`` or ``"taken"``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def email_change_confirm(*, user: User, token: str, request=None) -> User:
    """Make the pending address the login of ``user``, if ``token`` is its link.

    In one transaction: the login changes and counts as verified (the link
    reached it), a code mailed to the old address stops working (the e-mail
    device then mails the new one), the event is audited and the old address
    is told. Raises :class:`EmailChangeRefused` and changes nothing when the
    link is expired, used, replaced or altered (``"link"``), or when another
    account has taken the address since the link was sent (``"taken"``).
    """
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            if not email_change_token.check_token(locked, token):
                raise EmailChangeRefused("link")
            new, old = locked.email_change_to, locked.email
            if User.objects.filter(email__iexact=new).exclude(pk=locked.pk).exists():
                raise EmailChangeRefused("taken")
            locked.email = new
            locked.email_verified_at = timezone.now()
            locked.email_change_to = ""
            locked.email_change_requested_at = None
            locked.save(
                update_fields=[
                    "email",
                    "email_verified_at",
                    "email_change_to",
                    "email_change_requested_at",
                ]
            )
            # A code mailed to the old address must not pass the check any more.
            CustomerEmailDevice.objects.filter(user=locked).update(
                token=None, valid_until=timezone.now(), email=None
            )
            audit_log(
                action="account.email_changed",
                actor=user,
                target=locked,
                subject=locked,
                request=request,
                details={"from": _address_hash(old), "to": _address_hash(new)},
            )
            outbox.enqueue(send_email_changed_notice, locked.pk, old)
    except IntegrityError:
        # Signed up with the address between the check and the write.
        raise EmailChangeRefused("taken") from None
    user.email = locked.email
    user.email_verified_at = locked.email_verified_at
    user.email_change_to = ""
    user.email_change_requested_at = None
    return user
