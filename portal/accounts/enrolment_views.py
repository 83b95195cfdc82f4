"""The page where a member of staff sets up their authenticator from the link a
privacy officer issued (portal.kernel.staff_enrolment).

The link alone shows nothing: its owner's password comes first (counted by the
login throttle, a wrong one audited, a throttled one answered 429 as the staff
login does), then the QR code and the key, then the app's first code, which
confirms the device and spends the link. The session key changes once the
password is given, as at a login: a key planted before it carries nothing; the
password is asked again after a staff session's idle time. Codes refused for a
while after wrong ones (django-otp) are answered 429 with the seconds left.
"""

from __future__ import annotations

import base64
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from portal.kernel.audit import audit_log
from portal.kernel.staff_enrolment import confirm_device, enrolment_token, pending_device
from portal.kernel.stepup import lock_seconds
from portal.kernel.throttle import login_failed, login_succeeded, login_wait

from .forms import TOTPConfirmForm
from .views import _qr_svg_data_uri

User = get_user_model()

#: The session remembers which pending device's owner gave their password, and when.
PASSWORD_GIVEN = "staff_enrolment_device"


def _password_given(request, device) -> bool:
    """Whether this session gave the password for ``device`` within a staff session's
    idle time (``STAFF_SESSION_IDLE_TIMEOUT``): a page left open on a shared computer
    does not show the key from the browser's history for the rest of the day."""
    given = request.session.get(PASSWORD_GIVEN)
    if not isinstance(given, list) or len(given) != 2 or given[0] != device.pk:
        return False
    limit = settings.STAFF_SESSION_IDLE_TIMEOUT
    return not limit or time.time() - float(given[1]) <= limit


class EnrolmentPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Enter your password.")},
    )

    #: Set when the login throttle refused the password (``portal.kernel.throttle.Wait``).
    throttled = None

    def __init__(self, *args, request, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.request, self.user = request, user

    def clean_password(self):
        password = self.cleaned_data["password"]
        wait = login_wait(self.request, self.user.email)
        if wait is not None:
            self.throttled = wait
            self._audit("staff.enrolment_throttled", {"scope": wait.scope})
            raise forms.ValidationError(_("Too many wrong passwords. Try again later."))
        # Without the user's setter: an outdated hash upgraded here would change the
        # password hash the link's token is made of, and spend the link at once. The
        # next login upgrades it.
        if not check_password(password, self.user.password):
            login_failed(self.request, self.user.email)
            self._audit("staff.enrolment_password_failed")
            raise forms.ValidationError(_("That password is not correct."))
        login_succeeded(self.request, self.user.email)
        return password

    def _audit(self, action: str, details: dict | None = None) -> None:
        audit_log(
            action=action, actor=None, target=self.user, request=self.request, details=details
        )


def _staff(uidb64: str, token: str):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if enrolment_token.check_token(user, token) else None


@never_cache
@sensitive_post_parameters("password", "token")
@require_http_methods(["GET", "HEAD", "POST"])
def staff_enrol(request, uidb64, token):
    user = _staff(uidb64, token)
    if user is None:
        return render(request, "portal/staff_enrol_invalid.html", status=404)
    device = pending_device(user)
    if not _password_given(request, device):
        form = EnrolmentPasswordForm(
            request.POST if request.method == "POST" else None, request=request, user=user
        )
        if request.method == "POST" and form.is_valid():
            request.session.cycle_key()
            request.session[PASSWORD_GIVEN] = [device.pk, time.time()]
            return redirect(request.path)
        response = render(
            request,
            "portal/staff_enrol_password.html",
            {"form": form, "staff": user},
            status=200 if form.throttled is None else 429,
        )
        if form.throttled is not None:
            response["Retry-After"] = str(form.throttled.seconds)
        return response
    form = TOTPConfirmForm(request.POST if request.method == "POST" else None)
    # django-otp refuses every code for a while after wrong ones: said so, as the staff
    # login does (429), rather than calling the right code wrong.
    allowed, info = device.verify_is_allowed()
    wait = lock_seconds(info)
    locked = request.method == "POST" and form.is_valid() and not allowed
    if locked:
        form.add_error(
            "token",
            _("Too many wrong codes. Try again in %(seconds)d seconds.") % {"seconds": wait or 1},
        )
    elif request.method == "POST" and form.is_valid():
        if confirm_device(request=request, device=device, token=form.cleaned_data["token"]):
            request.session.pop(PASSWORD_GIVEN, None)
            messages.success(
                request, _("Your authenticator app is set up. Log in with a code from it.")
            )
            return redirect("admin:login")
        form.add_error("token", _("That code is not correct. Check your device's clock."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    response = render(
        request,
        "portal/staff_enrol.html",
        {"form": form, "qr": _qr_svg_data_uri(device.config_url), "secret": secret},
        status=429 if locked else 200,
    )
    if locked and wait:
        response["Retry-After"] = str(wait)
    return response
