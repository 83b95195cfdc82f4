"""The staff admin site: django-otp's admin site, with login failures audited."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from .audit import audit_log
from .throttle import LoginThrottleMixin


class PortalAdminAuthenticationForm(LoginThrottleMixin, OTPAdminAuthenticationForm):
    """Password and code in one step when the staff member has a single device.

    django-otp asks to pick a device first; a staff member with one
    authenticator (the usual case) is spared that extra round trip. Wrong
    passwords are throttled like the customer login (``portal.throttle``);
    wrong codes by django-otp's own device throttling.
    """

    audit_prefix = "admin"

    def clean_otp(self, user):
        if user is not None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user))
            if len(devices) == 1:
                self.cleaned_data["otp_device"] = devices[0].persistent_id
        try:
            super().clean_otp(user)
        except forms.ValidationError:
            if user is not None and not self.cleaned_data.get("otp_challenge"):
                audit_log(action="admin.otp_failure", actor=None, target=user, request=self.request)
            raise


class PortalAdminSite(OTPAdminSite):
    """Only active staff who passed a one-time-password check get in.

    Apps add pages that belong to no model (reports, dashboards) with
    :meth:`register_view`; they are listed on the index page for staff who
    hold the permission each names.
    """

    site_header = _("Rights Portal — staff")
    site_title = _("Rights Portal staff")
    index_title = _("Requests, data and audit")
    login_form = PortalAdminAuthenticationForm
    index_template = "admin/portal_index.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._extra_views: list[dict] = []

    def register_view(self, route: str, view, *, name: str, title, permission: str, listed=True):
        """Serve ``view`` at /admin/<route> behind the OTP login, as ``admin:<name>``."""
        self._extra_views.append(
            {
                "route": route,
                "view": view,
                "name": name,
                "title": title,
                "permission": permission,
                "listed": listed,
            }
        )

    def get_urls(self):
        from django.urls import path

        extra = [
            path(entry["route"], self.admin_view(entry["view"]), name=entry["name"])
            for entry in self._extra_views
        ]
        return extra + super().get_urls()

    def each_context(self, request):
        from django.urls import reverse

        context = super().each_context(request)
        context["extra_views"] = [
            {"title": entry["title"], "url": reverse(f"{self.name}:{entry['name']}")}
            for entry in self._extra_views
            if entry["listed"] and request.user.has_perm(entry["permission"])
        ]
        return context
