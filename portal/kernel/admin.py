import copy

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .admin_columns import day
from .admin_lists import CappedCountPaginator, DateRangeFilter
from .audit import audit_staff_view
from .enrolment_admin import enrolment_view
from .models import Profile, Service, ServiceRegistration, User
from .registry import registry
from .role_admin import RoleChoicesMixin, RoleFilter
from .selectors import staff_service_scope
from .subject_view import subject_view


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """The password's summary without Django's button to the page that sets it: for
    staff who may read an account but not change it (the page would refuse them)."""

    def render(self, name, value, attrs=None, renderer=None):
        summary = self.get_context(name, value, attrs)["summary"]
        return format_html(
            "<div><p>{}</p></div>",
            format_html_join(
                " ",
                "<strong>{}</strong>{}",
                (
                    (entry["label"], format_html(": <bdi>{}</bdi>", entry["value"]))
                    if entry.get("value")
                    else (entry["label"], "")
                    for entry in summary
                ),
            ),
        )


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(RoleChoicesMixin, DjangoUserAdmin):
    class Media:
        # Beside the navigation and the filters: days without their time of day.
        css = {"all": ["css/admin-lists.css"]}

    ordering = ["email"]
    list_display = ["email", "verified_on", "is_staff", "is_active", "joined_on"]
    list_filter = [
        "is_staff",
        "is_active",
        RoleFilter,
        "language",
        ("date_joined", DateRangeFilter),
    ]
    search_fields = ["email", "profile__full_name", "profile__full_name_kana"]
    # Every customer is a row: the list never counts the whole table.
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = ["last_login", "date_joined", "email_verified_at"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "language"]}),
        (
            _("Status"),
            {"fields": ["is_active", "email_verified_at", "last_login", "date_joined"]},
        ),
        (_("Staff"), {"fields": ["is_staff", "is_superuser", "groups", "time_zone"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        password = form.base_fields.get("password")
        if password is not None and not self.has_change_permission(request, obj):
            # A copy: the field is the one UserChangeForm declares for every page.
            password = copy.copy(password)
            password.widget = PasswordSummaryWidget()
            form.base_fields["password"] = password
        return form

    @admin.display(description=_("e-mail verified on"), ordering="email_verified_at")
    def verified_on(self, obj):
        return day(obj.email_verified_at)

    @admin.display(description=_("joined on"), ordering="date_joined")
    def joined_on(self, obj):
        return day(obj.date_joined)

    # Service handlers see the customers of their own services only; privacy
    # officers and auditors see everyone (portal.kernel.access, portal.kernel.selectors).
    # Opening a customer's page is audited there too.

    # -- subject lookup: find a customer and see everything held about them --
    # (admin_view() already adds never_cache and the staff/OTP login check.)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "subjects/",
                self.admin_site.admin_view(self.subject_lookup_view),
                name="{}_{}_subjects".format(*info),
            ),
            path(
                "<path:object_id>/authenticator-link/",
                self.admin_site.admin_view(self.enrolment_view),
                name="{}_{}_enrolment".format(*info),
            ),
            path(
                "<path:object_id>/personal-data/",
                self.admin_site.admin_view(self.subject_data_view),
                name="{}_{}_personal_data".format(*info),
            ),
            *super().get_urls(),
        ]

    def enrolment_view(self, request, object_id):
        return enrolment_view(self, request, object_id)

    def subject_lookup_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SubjectLookupForm(request.GET or None)
        results = None
        if form.is_valid():
            ids = registry.find_subjects(form.cleaned_data["q"])
            scope = staff_service_scope(request.user)
            registrations = ServiceRegistration.objects.select_related("service").order_by(
                "service__code", "started_on"
            )
            if scope is not None:
                registrations = registrations.filter(service__code__in=scope)
            results = list(
                self.get_queryset(request)
                .filter(pk__in=ids)
                .select_related("profile")
                .prefetch_related(Prefetch("service_registrations", queryset=registrations))
                .order_by("email")[: SubjectLookupForm.MAX_RESULTS]
            )
            # One event per customer shown, so each one's trail says who saw them.
            # The search terms are personal data: only the number of hits is kept.
            # Their services read by name in the reader's language, as on "my data".
            for subject in results:
                subject.registrations_by_name = sorted(
                    subject.service_registrations.all(),
                    key=lambda r: (r.service.name_order, r.started_on),
                )
                audit_staff_view(
                    request, what="search_result", subject=subject, results=len(results)
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Subject lookup"),
            "form": form,
            "results": results,
        }
        return TemplateResponse(request, "admin/portal/user/subject_lookup.html", context)

    def subject_data_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        subject = self.get_object(request, unquote(object_id))
        if subject is None:  # unknown, or not a customer of this handler's services
            raise Http404
        scope = staff_service_scope(request.user)
        data = subject_view(subject, pages=request.GET, services=scope)
        audit_staff_view(
            request,
            what="personal_data",
            subject=subject,
            scope="all" if scope is None else "assigned services",
            services=sorted(group.code for group in data.groups if group.code),
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": subject,
            "title": _("Personal data of %(subject)s") % {"subject": subject},
            "data": data,
            "scoped": scope is not None,
        }
        return TemplateResponse(request, "admin/portal/user/personal_data.html", context)


class SubjectLookupForm(forms.Form):
    MAX_RESULTS = 50

    q = forms.CharField(
        label=_("E-mail address, phone number, date of birth or name"),
        max_length=254,
        help_text=_(
            "A whole e-mail address; a phone number in any format; a date of birth such as "
            "1988-04-12, 1988/4/12 or 1988年4月12日; or part of a name (spaces are ignored)."
        ),
        widget=forms.TextInput(attrs={"autofocus": True, "type": "search"}),
    )


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """The company's services and who answers for each (officers edit; handlers see theirs)."""

    list_display = ["code", "name", "name_en", "responsible", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_kana", "name_en"]
    list_select_related = ["responsible"]
    filter_horizontal = ["handlers"]
    fields = [
        "code",
        "name",
        "name_kana",
        "name_en",
        "description",
        "responsible",
        "handlers",
        "is_active",
    ]


# The audit screen (filters, CSV export) and the scheduled jobs' runs.
from . import audit_admin, jobs_admin  # noqa: E402, F401

# The API: clients, keys, callback deliveries.
from .api import admin as api_admin  # noqa: E402, F401
