"""The staff admin site: django-otp's admin site, with login failures audited."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from .audit import audit_log


class PortalAdminAuthenticationForm(OTPAdminAuthenticationForm):
    """Password and code in one step when the staff member has a single device.

    django-otp asks to pick a device first; a staff member with one
    authenticator (the usual case) is spared that extra round trip.
    """

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
    """Only active staff who passed a one-time-password check get in."""

    site_header = _("Rights Portal — staff")
    site_title = _("Rights Portal staff")
    index_title = _("Requests, data and audit")
    login_form = PortalAdminAuthenticationForm
