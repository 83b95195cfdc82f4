"""Audit of logins and logouts, and the start of a session, wired in PortalConfig.ready()."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.urls import reverse

from .audit import audit_log
from .middleware import session_started


def _is_admin_request(request) -> bool:
    return request is not None and request.path.startswith(reverse("admin:index"))


def on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_started(request)
    if _is_admin_request(request):
        # The admin login form checks the password and the one-time code together.
        device = getattr(user, "otp_device", None)
        audit_log(
            action="admin.login",
            actor=user,
            target=user,
            request=request,
            details={"device": device.persistent_id if device else None},
        )
    else:
        audit_log(action="auth.login", actor=user, target=user, request=request)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action="auth.logout", actor=user, target=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Only whether the account exists is recorded, never the typed value.
    email = credentials.get("username") or credentials.get("email") or ""
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    audit_log(
        action="admin.login_failed" if _is_admin_request(request) else "auth.login_failed",
        target=user,
        request=request,
        details={"known_account": user is not None},
    )


def connect():
    user_logged_in.connect(on_logged_in, dispatch_uid="portal.kernel.audit.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="portal.kernel.audit.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="portal.kernel.audit.login_failed")
