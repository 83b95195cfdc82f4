"""Step-up: the one-time-password check a customer passes before sensitive pages.

The e-mail code device every customer has, an optional authenticator app, the
code check that marks the session as stepped up (under a new session key), and
the freshness test :func:`portal.kernel.decorators.step_up_required` asks.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device

from . import encryption
from .audit import audit_log
from .models import CustomerEmailDevice, CustomerTOTPDevice, User

STEP_UP_SESSION_KEY = "portal_step_up_at"
KEPT_FORM_SESSION_KEY = "portal_kept_form"
#: Whose session ended for inactivity (set by the session middleware): a form that
#: session sends afterwards is kept for that customer only.
IDLE_ENDED_USER_KEY = "portal_idle_ended_user"
#: A form kept across the code check is given back within this many seconds.
KEPT_FORM_MAX_AGE = 60 * 60


def email_device_for(user: User) -> CustomerEmailDevice:
    """The customer's e-mail code device, created on first use."""
    device, _created = CustomerEmailDevice.objects.get_or_create(
        user=user, name="e-mail", defaults={"confirmed": True}
    )
    return device


def step_up_devices(user: User) -> list[Device]:
    """Devices a customer may use for step-up: e-mail always, TOTP if confirmed."""
    devices: list[Device] = [email_device_for(user)]
    devices.extend(CustomerTOTPDevice.objects.filter(user=user, confirmed=True))
    return devices


def expected_device(devices: list[Device]) -> Device:
    """Of :func:`step_up_devices`, the one whose code the customer most likely types
    next: the e-mail while a mailed code is still valid, else the authenticator app.

    The code page tells an app's user to skip the e-mail step and type the app's
    code; were the e-mail chosen for them, that code would be checked against the
    e-mail device and refused as wrong."""
    email, *apps = devices
    mailed = email.token and email.valid_until and email.valid_until > timezone.now()
    return email if mailed or not apps else apps[0]


@dataclass
class CodeResult:
    ok: bool
    message: str = ""
    #: The device refuses codes for now (too many wrong ones): the page answers 429.
    locked: bool = False
    #: Seconds until it takes codes again, when known (the Retry-After header).
    retry_after: int | None = None


def lock_seconds(info: dict | None) -> int | None:
    """Seconds until a device that refused a code (``verify_is_allowed``'s ``info``)
    takes codes again; None when django-otp does not say."""
    until = (info or {}).get("locked_until")
    if until is None:
        return None
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def _refused_for_now(*, request, device: Device) -> CodeResult | None:
    """The answer while ``device`` refuses every code after wrong ones (audited), so
    a right code typed then is not called wrong; None while it takes codes."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    audit_log(
        action="otp.throttled",
        actor=request.user,
        target=device,
        request=request,
        details={"failures": info.get("failure_count")},
    )
    wait = lock_seconds(info)
    return CodeResult(
        False,
        _("Too many wrong codes. Try again in %(seconds)d seconds.") % {"seconds": wait or 1},
        locked=True,
        retry_after=wait,
    )


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
        refused = _refused_for_now(request=request, device=locked)
        if refused is not None:
            return refused
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
    """Confirm a new authenticator device with its first code; while the device
    refuses codes after wrong ones, nothing is confirmed and the result is ``locked``."""
    with transaction.atomic():
        device = CustomerTOTPDevice.objects.select_for_update().get(pk=device.pk)
        refused = _refused_for_now(request=request, device=device)
        if refused is not None:
            return refused
        if not device.verify_token((token or "").strip()):
            audit_log(
                action="otp.totp_add_failed", actor=request.user, target=device, request=request
            )
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


def keep_form(request, *, owner: int | None = None) -> None:
    """Keep what a POST sent (not its files) for the same page after the code check.

    A customer whose check ran out while typing would otherwise find the form
    empty. Sealed with the field encryption key, as it may hold personal data
    and sessions are stored in the database. ``owner``: the id of the customer it is
    given back to (by default the one logged in).
    """
    data = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
    request.session[KEPT_FORM_SESSION_KEY] = {
        "path": request.path,
        "at": time.time(),
        "owner": owner if owner is not None else request.user.pk,
        "data": encryption.encrypt(json.dumps(data)),
    }


def kept_form(request) -> QueryDict | None:
    """What :func:`keep_form` kept for this page, given back once; None otherwise."""
    kept = request.session.get(KEPT_FORM_SESSION_KEY)
    if not kept or kept.get("path") != request.path:
        return None
    del request.session[KEPT_FORM_SESSION_KEY]
    if time.time() - float(kept.get("at", 0)) > KEPT_FORM_MAX_AGE:
        return None
    if kept.get("owner", request.user.pk) != request.user.pk:
        return None  # kept across a logout, and someone else logged in
    data = QueryDict(mutable=True)
    for key, values in json.loads(encryption.decrypt(kept["data"])).items():
        data.setlist(key, values)
    return data
