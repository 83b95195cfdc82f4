"""A staff member's authenticator, added by its owner from a link an officer issues.

The admin's *Authenticator apps › Add* shows a device's key in hexadecimal, to
the officer, and never again: no authenticator app reads it, and its owner never
sees it. Instead a privacy officer issues an enrolment link on the person's page
(a new member, or a lost or replaced phone). Issuing removes the person's
authenticator, so a lost phone's codes stop working at once, and makes an
unconfirmed django-otp ``TOTPDevice``. The person opens the link, gives their
password, scans the QR code of the device's ``config_url`` and enters the first
code; the device is then confirmed and opens the admin.

The link is a token over the pending device's key and the password hash
(Django's password reset tokens): it works for ``PASSWORD_RESET_TIMEOUT``
seconds, once (confirming the device, a newer link or a new password spends it),
and only with the password. Issuing and confirming are audited.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_log

DEVICE_NAME = "authenticator"


def pending_device(user) -> TOTPDevice | None:
    """The device an enrolment link sets up, until its first code confirms it."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


class EnrolmentTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "portal.kernel.staff_enrolment.EnrolmentTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        device = pending_device(user)
        pending = "" if device is None else f"{device.pk}:{device.key}"
        return f"{user.pk}{user.password}{pending}{timestamp}{user.is_active}{user.is_staff}"

    def check_token(self, user, token):
        if user is None or not (user.is_staff and user.is_active):
            return False
        if pending_device(user) is None:
            return False
        return super().check_token(user, token)


enrolment_token = EnrolmentTokenGenerator()


def issue_link(*, request, staff) -> tuple[str, str]:
    """Remove ``staff``'s authenticator, make a pending one; returns (uidb64, token)."""
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
        TOTPDevice.objects.filter(user=staff).delete()
        TOTPDevice.objects.create(user=staff, name=DEVICE_NAME, confirmed=False)
        audit_log(
            action="staff.enrolment_issued",
            actor=request.user,
            target=staff,
            request=request,
            details={"replaced": replaced},
        )
    return urlsafe_base64_encode(force_bytes(staff.pk)), enrolment_token.make_token(staff)


def confirm_device(*, request, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending device with its first code (spends the link)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed:
            return False
        if not device.verify_token((token or "").strip()):
            audit_log(
                action="staff.enrolment_code_failed",
                actor=device.user,
                target=device,
                request=request,
            )
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_log(
            action="staff.enrolment_completed", actor=device.user, target=device, request=request
        )
    return True
