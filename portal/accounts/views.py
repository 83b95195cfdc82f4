"""Customer account pages: sign-up, login, codes, settings, and the health check."""

import base64
import functools
from io import BytesIO
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from consent import selectors as consent_selectors
from portal.kernel import outbox, stepup
from portal.kernel.audit import audit_log
from portal.kernel.codes import email_code_minutes, link_valid_hours
from portal.kernel.decorators import StepUpRequiredMixin, step_up_required
from portal.kernel.models import (
    CustomerTOTPDevice,
    Profile,
    ServiceRegistration,
    SessionsEndedReason,
)
from portal.kernel.registry import registry
from portal.kernel.subject_view import personal_data_html
from portal.kernel.typed_text import form_refuses_control_characters
from rights.disclosure.secrets import held_here

from . import services
from .forms import (
    AccountLanguageForm,
    CodeForm,
    LoginForm,
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    ProfileForm,
    ResendVerificationForm,
    SignupForm,
    TOTPConfirmForm,
)
from .throttle import mail_throttled, too_many

User = get_user_model()


def home(request):
    return render(request, "portal/home.html")


@form_refuses_control_characters
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        exceeded = mail_throttled(request, form.cleaned_data["email"])
        if exceeded:
            return too_many(request, exceeded)
        services.user_signup(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
            language=get_language() or settings.LANGUAGE_CODE,
            consent=form.signup_consent(),
            request=request,
        )
        # The same page whether or not the address already had an account.
        return redirect("portal:signup_done")
    return render(request, "portal/signup.html", {"form": form})


def signup_done(request):
    return render(request, "portal/signup_done.html", {"valid_hours": link_valid_hours()})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_email(request, uidb64, token):
    """GET: the address and a button; POST: the address confirmed.

    Mail scanners and link previewers open the links in a mail before its reader
    does, so opening the link confirms nothing; the token is checked on both.
    """
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        user = None
    if request.method != "POST":
        if not services.email_verification_link_works(user=user, token=token):
            return render(request, "portal/verify_email_invalid.html", status=400)
        return render(request, "portal/verify_email.html", {"email": user.email})
    if services.user_verify_email(user=user, token=token, request=request) is None:
        return render(request, "portal/verify_email_invalid.html", status=400)
    messages.success(request, _("Your e-mail address is confirmed. You can log in now."))
    return redirect("portal:login")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def resend_verification(request):
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        exceeded = mail_throttled(request, form.cleaned_data["email"])
        if exceeded:
            return too_many(request, exceeded)
        services.user_resend_verification(email=form.cleaned_data["email"])
        messages.info(
            request,
            _("If that address has an account waiting for confirmation, a new link is on its way."),
        )
        return redirect("portal:login")
    return render(request, "portal/resend_verification.html", {"form": form})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "throttled", None) is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.seconds)
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You are logged out."))
        return response


@login_required
@require_POST
def logout_everywhere(request):
    """End every session of the person, on every device, this one included."""
    services.sessions_end_all(
        user=request.user, reason=SessionsEndedReason.LOGOUT_EVERYWHERE, request=request
    )
    logout(request)
    messages.success(
        request,
        _("You are logged out on every device and browser. Log in again to continue."),
    )
    return redirect("portal:login")


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def step_up(request):
    """The code page: send an e-mail code or type one from an app, then go back."""
    next_url = _safe_next(request, reverse("portal:account"))
    devices = stepup.step_up_devices(request.user)
    if request.method == "POST" and "send" in request.POST:
        # "Send a code by e-mail" always means the e-mail device, whatever the code
        # box holds: a customer who mistyped a code and asks for a fresh one gets it.
        device = stepup.email_device_for(request.user)
        result = stepup.otp_send_code(user=request.user, device=device)
        (messages.success if result.ok else messages.error)(request, result.message)
        # Once a code is on its way, the page comes back with the focus in the code box.
        query = {"next": next_url, **({"sent": "1"} if result.ok else {})}
        return redirect(f"{reverse('portal:step_up')}?{urlencode(query)}")
    form = CodeForm(request.POST or None, devices=devices)
    if request.method != "POST" and request.GET.get("sent") == "1":
        form.fields["token"].widget.attrs["autofocus"] = True
    locked = None
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["token"]:
            form.add_error("token", _("Enter the 6-digit code."))
        else:
            result = stepup.otp_verify(
                request=request,
                device=form.cleaned_data["device"],
                token=form.cleaned_data["token"],
            )
            if result.ok:
                return redirect(next_url)
            form.add_error("token", result.message)
            locked = result if result.locked else None
    response = render(
        request,
        "portal/step_up.html",
        {
            "form": form,
            "next": next_url,
            "devices": devices,
            "email": request.user.email,
            "valid_minutes": email_code_minutes(),
        },
        # A device locked after too many wrong codes: too many requests, for a while.
        status=429 if locked else 200,
    )
    if locked and locked.retry_after:
        response["Retry-After"] = str(locked.retry_after)
    return response


@form_refuses_control_characters
@never_cache
@step_up_required(keeps_form=True)
@require_http_methods(["GET", "HEAD", "POST"])
def account(request):
    profile, _created = Profile.objects.get_or_create(user=request.user)
    # On a GET, what the customer typed before their code check ran out, if anything.
    data = request.POST if request.method == "POST" else stepup.kept_form(request) or {}
    profile_form = ProfileForm(data if "save_profile" in data else None, instance=profile)
    language_form = AccountLanguageForm(
        data if "save_language" in data else None, instance=request.user
    )
    if request.method == "POST":
        if "save_profile" in request.POST and profile_form.is_valid():
            services.profile_update(
                request=request,
                profile=Profile.objects.get(pk=profile.pk),
                data=profile_form.cleaned_data,
            )
            messages.success(request, _("Your details are saved."))
            return redirect("portal:account")
        if "save_language" in request.POST and language_form.is_valid():
            language_form.save()
            messages.success(request, _("Your e-mail language is saved."))
            return redirect("portal:account")
    has_totp = CustomerTOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    return render(
        request,
        "portal/account.html",
        {
            "profile_form": profile_form,
            "language_form": language_form,
            "has_totp": has_totp,
            "idle_minutes": max(1, settings.SESSION_IDLE_TIMEOUT // 60),
        },
    )


@never_cache
@step_up_required
@require_safe
def my_data(request):
    """Everything registered about the customer, grouped by service and category.

    The registry pages each long history on its own (``?p.<source>.<service>=N``)
    and runs a fixed number of queries however many records there are; a
    reload while nothing changed is served from the cache (``personal_data_html``).
    """
    census = registry.census(request.user)
    personal_data = personal_data_html(
        request,
        request.user,
        empty_message=_("We hold no personal data about you."),
        census=census,
    )
    # The pages of the services the customer is registered with: from the same census.
    registered = census.services(ServiceRegistration._meta.label_lower)
    return render(
        request,
        "portal/my_data.html",
        {
            "personal_data": personal_data,
            "services_with_pages": consent_selectors.services_with_pages(registered),
            # CCPA regs §7024(d): each kind held, never its value.
            "held": held_here(request.user, regime=None),
        },
    )


def _qr_svg_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _refuse_staff(request) -> None:
    """A staff member's authenticator is their admin login's second factor, and the
    same row as the customer pages' one: only the admin manages it, so an e-mailed
    code here can neither remove it nor put another in its place."""
    if request.user.is_staff:
        raise PermissionDenied


@never_cache
@step_up_required
@require_http_methods(["GET", "HEAD", "POST"])
def totp_setup(request):
    _refuse_staff(request)
    device = CustomerTOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if request.method == "HEAD" and device is None:
        # A HEAD shows no QR code: the headers of the page, and no device kept for it.
        device = CustomerTOTPDevice(user=request.user, name="app", confirmed=False)
    elif device is None or (request.method == "GET" and "restart" in request.GET):
        device = stepup.totp_device_start(user=request.user)
    form = TOTPConfirmForm(request.POST or None)
    locked = None
    if request.method == "POST" and form.is_valid():
        result = stepup.totp_device_confirm(
            request=request, device=device, token=form.cleaned_data["token"]
        )
        if result.ok:
            messages.success(request, result.message)
            return redirect("portal:account")
        form.add_error("token", result.message)
        locked = result if result.locked else None
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    response = render(
        request,
        "portal/totp_setup.html",
        {"form": form, "qr": _qr_svg_data_uri(device.config_url), "secret": secret},
        # Refusing codes for a while after wrong ones: too many requests, as the code page.
        status=429 if locked else 200,
    )
    if locked and locked.retry_after:
        response["Retry-After"] = str(locked.retry_after)
    return response


@step_up_required
@require_POST
def totp_remove(request):
    _refuse_staff(request)
    stepup.totp_device_remove(request=request, user=request.user)
    messages.success(request, _("The authenticator app was removed."))
    return redirect("portal:account")


class PasswordChangeView(StepUpRequiredMixin, auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(
            action="account.password_changed",
            actor=self.request.user,
            target=self.request.user,
            request=self.request,
        )
        # The new password already fails every other session's check; the
        # epoch records why, and this session is kept.
        services.sessions_end_all(
            user=form.user, reason=SessionsEndedReason.PASSWORD_CHANGED, request=self.request
        )
        update_session_auth_hash(self.request, form.user)
        messages.success(
            self.request,
            _("Your password is changed. Your other devices and browsers were logged out."),
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    template_name = "portal/password_reset.html"
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form):
        exceeded = mail_throttled(self.request, form.cleaned_data["email"])
        if exceeded:
            return too_many(self.request, exceeded)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(
            action="account.password_reset",
            actor=form.user,
            target=form.user,
            request=self.request,
        )
        services.sessions_end_all(
            user=form.user, reason=SessionsEndedReason.PASSWORD_RESET, request=self.request
        )
        messages.success(
            self.request,
            _(
                "Your password is set, and every session with the old one has ended. "
                "You can log in now."
            ),
        )
        return response


@require_safe
def healthz(request):
    """Database, broker, cache and static files status, and the outbox backlog; 200
    only when all four are usable (the cache holds the login throttle's and rate
    limits' counts; without collectstatic's manifest every page answers 500).
    HEAD too (``curl -I``, a load balancer's probe): the same status, no body."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # any failure means "not usable"
        status["database"] = f"error: {exc.__class__.__name__}"
    status["broker"] = _broker_status()
    try:
        cache.get("portal:healthz")
        status["cache"] = "ok"
    except Exception as exc:  # any failure means "not usable"
        status["cache"] = f"error: {exc.__class__.__name__}"
    status["static"] = _static_status()
    if status["database"] == "ok":
        # Counts only, for the monitor: messages the broker has not taken, and
        # those it took whose task has not finished (see portal.kernel.outbox.backlog).
        status["outbox"] = outbox.backlog()
    healthy = (
        status["database"] == "ok"
        and status["broker"] in {"ok", "in-process"}
        and status["cache"] == "ok"
        and status["static"] == "ok"
    )
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=200 if healthy else 503)


def _static_status() -> str:
    """Production's storage names each static file from collectstatic's manifest, read
    once per process; development serves the source files and needs none."""
    if not hasattr(staticfiles_storage, "manifest_name"):
        return "ok"
    if staticfiles_storage.hashed_files:
        return "ok"
    return "error: no manifest of the static files (run collectstatic)"


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        _broker_client(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


@functools.lru_cache(maxsize=4)
def _broker_client(url: str) -> redis.Redis:
    """One client (and its connection pool) per process: a monitor probing every few
    seconds reuses its connection instead of opening one per probe; a broken one
    is dropped by the pool and the next probe connects again."""
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
