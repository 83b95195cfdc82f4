"""Writes for customer accounts and one-time-password verification.

Views call these; each does its write and its audit event in one transaction
and queues e-mail after commit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device

from consent.services import SignupConsent, consent_record_signup

from . import outbox
from .audit import audit_log
from .models import CustomerEmailDevice, CustomerTOTPDevice, Profile, SessionsEndedReason
from .tasks import send_account_exists_email, send_verification_email
from .tokens import email_verification_token

User = get_user_model()

STEP_UP_SESSION_KEY = "portal_step_up_at"


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
    """Mail a fresh link to an unverified account; silent for anything else."""
    user = User.objects.filter(email__iexact=email, email_verified_at__isnull=True).first()
    if user is not None and user.is_active:
        outbox.enqueue(send_verification_email, user.pk)


def user_verify_email(*, user: User | None, token: str, request=None) -> User | None:
    """Mark the address verified and give the customer an e-mail code device.

    Returns the user, or None when the link is invalid, expired or used.
    """
    if user is None or not email_verification_token.check_token(user, token):
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


def email_device_for(user: User) -> CustomerEmailDevice:
    """The customer's e-mail code device, created on first use."""
    device, _created = CustomerEmailDevice.objects.get_or_create(
        user=user, name="email", defaults={"confirmed": True}
    )
    return device


def step_up_devices(user: User) -> list[Device]:
    """Devices a customer may use for step-up: e-mail always, TOTP if confirmed."""
    devices: list[Device] = [email_device_for(user)]
    devices.extend(CustomerTOTPDevice.objects.filter(user=user, confirmed=True))
    return devices


@dataclass
class CodeResult:
    ok: bool
    message: str = ""


def otp_send_code(*, user: User, device: CustomerEmailDevice) -> CodeResult:
    """Generate and mail a new code unless the cooldown is still running."""
    allowed, info = device.generate_is_allowed()
    if not allowed:
        wait = max(1, int((info["next_generation_at"] - timezone.now()).total_seconds()))
        return CodeResult(
            False,
            _("Please wait %(seconds)d seconds before asking for a new code.") % {"seconds": wait},
        )
    with transaction.atomic():
        device.generate_challenge()
    return CodeResult(True, _("We sent a code to %(email)s.") % {"email": user.email})


def otp_verify(*, request, device: Device, token: str) -> CodeResult:
    """Check a code against one device; on success the session is stepped up
    under a new session key.

    Goes through :func:`django_otp.verify_token`, which locks the device row, so
    two concurrent guesses cannot both slip past the throttle.
    """
    user = request.user
    token = (token or "").strip()
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            audit_log(
                action="otp.throttled",
                actor=user,
                target=device,
                request=request,
                details={"failures": info.get("failure_count")},
            )
            wait = 0
            if info.get("locked_until"):
                wait = math.ceil((info["locked_until"] - timezone.now()).total_seconds())
            return CodeResult(
                False,
                _("Too many wrong codes. Try again in %(seconds)d seconds.")
                % {"seconds": max(wait, 1)},
            )
    verified = django_otp.verify_token(user, device.persistent_id, token) if token else None
    if verified is None:
        audit_log(action="otp.failure", actor=user, target=device, request=request)
        return CodeResult(False, _("That code is not correct or has expired."))
    django_otp.login(request, verified)
    # A new session key, as at login: a key planted or read before the code
    # must not carry the stepped-up session.
    request.session.cycle_key()
    request.session[STEP_UP_SESSION_KEY] = time.time()
    audit_log(action="otp.success", actor=user, target=verified, request=request)
    return CodeResult(True)


def step_up_is_fresh(request) -> bool:
    """True when the session passed a code check within STEP_UP_MAX_AGE seconds."""
    at = request.session.get(STEP_UP_SESSION_KEY)
    if at is None or not request.user.is_authenticated or not request.user.is_verified():
        return False
    return time.time() - float(at) <= settings.STEP_UP_MAX_AGE


def totp_device_start(*, user: User) -> CustomerTOTPDevice:
    """An unconfirmed authenticator device to show as a QR code (replaces older ones)."""
    with transaction.atomic():
        CustomerTOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return CustomerTOTPDevice.objects.create(user=user, name="app", confirmed=False)


def totp_device_confirm(*, request, device: CustomerTOTPDevice, token: str) -> CodeResult:
    """Confirm a new authenticator device with its first code."""
    with transaction.atomic():
        device = CustomerTOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token((token or "").strip()):
            return CodeResult(False, _("That code is not correct. Check your device's clock."))
        CustomerTOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_log(action="otp.totp_added", actor=request.user, target=device, request=request)
    return CodeResult(True, _("Your authenticator app is set up."))


def totp_device_remove(*, request, user: User) -> None:
    with transaction.atomic():
        deleted, _rows = CustomerTOTPDevice.objects.filter(user=user).delete()
        if deleted:
            audit_log(action="otp.totp_removed", actor=user, target=user, request=request)


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
