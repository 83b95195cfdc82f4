"""Creating staff accounts with their authenticator device."""

from __future__ import annotations

import base64
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_log
from .roles import PRIVACY_OFFICER

User = get_user_model()


def staff_create(
    *, email: str, role: str = PRIVACY_OFFICER, password: str | None = None, services=()
) -> tuple[User, TOTPDevice, str | None]:
    """Create (or find) a staff member with a role and a confirmed TOTP device.

    ``services`` (for a service handler) are the services whose handlers the
    member joins. Returns the user, the device, and the password when one was
    generated for a new account (None for an existing account, whose password
    is left alone). Repeating the call changes nothing; a role or service an
    existing account is given is audited as ``staff.access_granted``.
    """
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        generated = None
        if user is None:
            chosen = password or secrets.token_urlsafe(12)
            generated = None if password else chosen
            user = User.objects.create_user(
                email=email,
                password=chosen,
                is_staff=True,
                email_verified_at=timezone.now(),
            )
            audit_log(
                action="staff.created",
                target=user,
                details={"role": role, "services": sorted(s.code for s in services)},
            )
        else:
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            added = [s.code for s in services if not s.handlers.filter(pk=user.pk).exists()]
            if added or not user.groups.filter(name=role).exists():
                audit_log(
                    action="staff.access_granted",
                    target=user,
                    details={"role": role, "services": sorted(added)},
                )
        user.groups.add(Group.objects.get(name=role))
        for service in services:
            service.handlers.add(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user, device, generated


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret an authenticator app expects."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")
