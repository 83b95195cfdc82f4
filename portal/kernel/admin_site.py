"""The staff admin site: django-otp's admin site, opened by a staff authenticator only,
with login failures audited."""

import functools

from django import forms
from django.apps import apps
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import BLANK_CHOICE_DASH
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import StaffAccessMixin
from .admin_query import CheckedQueryMixin
from .audit import audit_log
from .codes import normalize_code
from .otp_admin import OTPDeviceLabelsMixin
from .readonly_values import YesNoColumnsMixin
from .roles import staff_role
from .service_choices import ServicesByNameAdminMixin
from .stepup import lock_seconds
from .throttle import LoginThrottleMixin


def is_staff_device(device) -> bool:
    """Whether ``device`` opens the admin: a staff authenticator (django-otp's TOTP
    device), never the e-mailed code every account has on the customer pages nor
    those pages' own view of a device. An e-mailed code and a password reset go to
    the same mailbox: together they would be one factor, not two."""
    return type(device) is TOTPDevice


def staff_devices(user) -> list:
    return [device for device in devices_for_user(user) if is_staff_device(device)]


class PortalAdminAuthenticationForm(LoginThrottleMixin, OTPAdminAuthenticationForm):
    """Password and code in one step when the staff member has a single device.

    django-otp asks to pick a device first; a staff member with one
    authenticator (the usual case) is spared that extra round trip. The code
    may be typed in full-width digits or in groups (``portal.kernel.codes``). Wrong
    passwords are throttled like the customer login (``portal.kernel.throttle``);
    wrong codes by django-otp's own device throttling.
    """

    audit_prefix = "admin"
    #: django-otp has no Japanese catalogue: the messages staff read, in ours.
    otp_error_messages = dict(
        OTPAdminAuthenticationForm.otp_error_messages,
        token_required=_("Enter the 6-digit code from your authenticator app."),
        invalid_token=_("The code is not correct. Check it and try again."),
        n_failed_attempts=ngettext_lazy(
            "Codes are refused for a while after %(failure_count)d wrong code. Try again soon.",
            "Codes are refused for a while after %(failure_count)d wrong codes. Try again soon.",
            "failure_count",
        ),
        verification_not_allowed=_("Codes are refused for a while. Try again soon."),
        device_required=_("Choose your authenticator device."),
        no_authenticator=_("This account has no authenticator yet. Ask a privacy officer for one."),
    )

    #: Set when the device refused the code as locked after wrong ones (django-otp's
    #: throttling): the login answers 429, with Retry-After when ``otp_retry_after``.
    otp_locked = False
    otp_retry_after: int | None = None

    def _verify_token(self, user, token, device=None):
        if device is not None:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                self.otp_locked, self.otp_retry_after = True, lock_seconds(info)
        return super()._verify_token(user, token, device)

    def clean_otp_token(self):
        # django-otp's devices compare ASCII digits; anything else still goes
        # to the device and is refused (and counted) there, as before.
        return normalize_code(self.cleaned_data.get("otp_token"))

    @staticmethod
    def device_choices(user):
        return BLANK_CHOICE_DASH + [(d.persistent_id, d.name) for d in staff_devices(user)]

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        return device if is_staff_device(device) else None

    def clean_otp(self, user):
        devices = [] if user is None else staff_devices(user)
        if len(devices) == 1 and not self.cleaned_data.get("otp_device"):
            self.cleaned_data["otp_device"] = devices[0].persistent_id
        try:
            if user is not None and not devices:
                # Only the account's password gets this far (``user`` is None otherwise).
                raise forms.ValidationError(
                    self.otp_error_messages["no_authenticator"], code="no_authenticator"
                )
            super().clean_otp(user)
        except forms.ValidationError:
            if user is not None and not self.cleaned_data.get("otp_challenge"):
                audit_log(action="admin.otp_failure", actor=None, target=user, request=self.request)
            raise


def _may_open(user, permission: str, allowed) -> bool:
    return (
        staff_role(user) is not None
        and user.has_perm(permission)
        and (allowed is None or allowed(user))
    )


def _requires_role_and_permission(view, permission: str, allowed=None):
    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if not _may_open(request.user, permission, allowed):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def _with_mixin(admin_class: type, mixin: type) -> type:
    """``admin_class`` itself when it already uses ``mixin``, else a subclass that does."""
    if issubclass(admin_class, mixin):
        return admin_class
    return type(
        admin_class.__name__,
        (mixin, admin_class),
        {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
    )


def _placed_first(placed: list[str], model) -> int:
    """The place of ``model`` among ``placed``; after them all when it is not there
    (a stable sort keeps the others in the order they had)."""
    name = model._meta.model_name
    return placed.index(name) if name in placed else len(placed)


class PortalAdminSite(OTPAdminSite):
    """Only active staff who passed their authenticator's code at its login get in.

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

    def login(self, request, extra_context=None):
        """Django's login page; too many requests (429) while wrong passwords are
        throttled (as on the customer login) or the authenticator is locked after
        wrong codes, with the seconds left when known (Retry-After)."""
        if request.method == "HEAD" and self.has_permission(request):
            # As Django answers a GET: the signed-in member goes to the index.
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        throttled = getattr(form, "throttled", None)
        if throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(throttled.seconds)
        elif getattr(form, "otp_locked", False):
            response.status_code = 429
            if form.otp_retry_after:
                response["Retry-After"] = str(form.otp_retry_after)
        return response

    def has_permission(self, request):
        """django-otp's check (active staff, verified), and verified by a staff
        authenticator at the admin's login: a session that passed the customer pages'
        code check is not let in."""
        return super().has_permission(request) and is_staff_device(
            getattr(request.user, "otp_device", None)
        )

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as Django does, with the staff access rules added to ``admin_class``.

        Every ModelAdmin (ours, django-otp's, django.contrib.auth's) is scoped
        by :class:`portal.kernel.access.StaffAccessMixin`; one registered later
        by another app gets the same rules without doing anything. django-otp's
        device pages are named in the reader's language
        (:mod:`portal.kernel.otp_admin`). Pages
        take from their query string only values their fields accept
        (:mod:`portal.kernel.admin_query`), offer services by name
        (:mod:`portal.kernel.service_choices`), and write a yes/no column in words
        (:mod:`portal.kernel.readonly_values`).
        """
        admin_class = admin_class or ModelAdmin
        if admin_class.__module__.startswith("django_otp."):
            admin_class = _with_mixin(admin_class, OTPDeviceLabelsMixin)
        for mixin in (
            StaffAccessMixin,
            CheckedQueryMixin,
            ServicesByNameAdminMixin,
            YesNoColumnsMixin,
        ):
            admin_class = _with_mixin(admin_class, mixin)
        return super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        """The apps and their models in the order of the work, on the index and beside
        every page: an AppConfig's ``admin_position`` places the app (lower first,
        100 when it has none) and its ``admin_models`` (model names) the models it
        lists first. The rest keep Django's order, by name in the reader's language.
        """
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            placed = list(getattr(apps.get_app_config(app["app_label"]), "admin_models", ()))
            app["models"].sort(key=lambda entry: _placed_first(placed, entry["model"]))
        app_list.sort(
            key=lambda app: getattr(apps.get_app_config(app["app_label"]), "admin_position", 100)
        )
        return app_list

    def register_view(
        self, route: str, view, *, name: str, title, permission: str, listed=True, allowed=None
    ):
        """Serve ``view`` at /admin/<route> behind the OTP login, as ``admin:<name>``.

        Only staff with a role who hold ``permission`` (and for whom ``allowed(user)``,
        when given, is true) reach it and see its link; others get a 403, whether
        or not the link is listed. The view itself narrows what it shows to the
        staff member's services.
        """
        self._extra_views.append(
            {
                "route": route,
                "view": _requires_role_and_permission(view, permission, allowed),
                "name": name,
                "title": title,
                "permission": permission,
                "listed": listed,
                "allowed": allowed,
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
            if entry["listed"] and _may_open(request.user, entry["permission"], entry["allowed"])
        ]
        return context
