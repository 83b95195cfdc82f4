"""Changing the login e-mail address: the request page and the link mailed to the new address.

The request needs a fresh code check and the current password; the change is
made when the link is opened by the same customer, logged in (a link alone,
forwarded or read over a shoulder, changes nothing), and confirmed with a
button, so a mail program that opens links to scan them changes nothing either.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.kernel.decorators import step_up_required
from portal.kernel.rates import wait_minutes
from portal.kernel.tokens import email_change_token
from portal.kernel.typed_text import form_refuses_control_characters

from . import services
from .forms import EmailChangeForm
from .throttle import count_attempt

User = get_user_model()

# (counter, setting of its rate): every request for a link counts, per account
# (someone in a customer's session guessing the password) and per network address.
_RATES = (
    ("user", "ACCOUNT_EMAIL_CHANGE_RATE_ACCOUNT"),
    ("ip", "ACCOUNT_EMAIL_CHANGE_RATE_IP"),
)


def _throttled(request) -> str | None:
    """Count one request for a link; the rate exceeded, or None.

    Counted by django-ratelimit in the cache, as the public request pages are;
    while the cache cannot be reached the request goes through uncounted.
    """
    counters = [
        (f"portal.accounts.email_change.{key}", key, getattr(settings, setting))
        for key, setting in _RATES
    ]
    return count_attempt(request, counters, what="E-mail change")


@form_refuses_control_characters
@never_cache
@step_up_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_change(request):
    if request.user.is_staff:
        # A member of staff's address is their admin login: the admin manages it.
        raise PermissionDenied
    form = EmailChangeForm(request.POST or None, user=request.user)
    status, throttled = 200, ""
    if request.method == "POST":
        exceeded = _throttled(request)
        if exceeded is not None:
            minutes = wait_minutes(exceeded)
            form = EmailChangeForm(user=request.user)
            throttled = ngettext(
                "You asked for too many changes of address. For your security, "
                "wait a while: try again in %(minutes)d minute.",
                "You asked for too many changes of address. For your security, "
                "wait a while: try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
            status = 429
        elif form.is_valid():
            services.email_change_request(
                user=request.user, new_email=form.cleaned_data["new_email"], request=request
            )
            messages.success(
                request,
                _(
                    "We sent a message to %(email)s. Open the link in it while logged in "
                    "to finish the change. Until then you log in with your current address."
                )
                % {"email": request.user.email_change_to},
            )
            return redirect("portal:email_change")
    response = render(
        request,
        "portal/email_change.html",
        {
            "form": form,
            "form_refused": throttled,
            "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
        },
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(wait_minutes(exceeded) * 60)
    return response


def _link_owner(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_change_confirm(request, uidb64, token):
    """GET: what the link would change, and a button; POST: the change."""
    owner = _link_owner(uidb64)
    if owner is not None and owner != request.user.pk:
        return render(request, "portal/email_change_confirm.html", {"refused": "other"}, status=403)
    user = User.objects.get(pk=request.user.pk)
    if owner is None or not email_change_token.check_token(user, token):
        return render(request, "portal/email_change_confirm.html", {"refused": "link"}, status=400)
    if request.method == "POST":
        try:
            services.email_change_confirm(user=request.user, token=token, request=request)
        except services.EmailChangeRefused as refusal:
            return render(
                request,
                "portal/email_change_confirm.html",
                {"refused": refusal.reason},
                status=400,
            )
        messages.success(
            request,
            _(
                "Your login e-mail address is now %(email)s. Use it the next time you log "
                "in; our e-mails and one-time codes go there from now on."
            )
            % {"email": request.user.email},
        )
        return redirect("portal:account")
    return render(request, "portal/email_change_confirm.html", {"new_email": user.email_change_to})
