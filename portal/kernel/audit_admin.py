"""The audit screen: the trail filtered by staff member, subject, action and time,
and the same selection as a streamed CSV file. Read-only, like the trail."""

from __future__ import annotations

import datetime as dt
import json
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import spreadsheets
from .access import OVERSIGHT, ReadOnlyAdmin
from .admin_columns import moment, zoned_heading
from .admin_lists import CappedCountPaginator
from .audit import STAFF_VIEW_PREFIX, audit_sent
from .audit_labels import about_target, actions_labelled, target_label, target_of_reference
from .audit_labels import action_label as label_of_action
from .dates import validate_filter_day
from .form_errors import form_errors_text
from .models import AuditEvent

User = get_user_model()

#: The largest id a row can have (a 64-bit signed integer, PostgreSQL and SQLite alike).
MAX_ID = 2**63 - 1

EXPORT_CHUNK = 2000  # rows per database round trip while streaming; memory stays flat


def _target_written(term: str) -> str | None:
    """A target as the trail writes it (``rights.legalhold:3``, the link of an object's
    History), found exactly: ``:3`` must not find ``:30``."""
    term = term.strip()
    return term if _TARGET.fullmatch(term) else None


_TARGET = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*:\d+")


class AuditFilterForm(forms.Form):
    """Who did it, about whom, what, and when; every field optional."""

    actor = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=User.objects.filter(is_staff=True).order_by("email"),
        required=False,
        to_field_name="pk",
    )
    subject = forms.CharField(
        label=_("Data subject"),
        required=False,
        max_length=254,
        help_text=_("Customer number or whole e-mail address."),
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("E.g. staff.viewed_request; end with * for every action that starts so."),
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_day],
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_day],
    )

    FIELDS = ("actor", "subject", "action", "since", "until")

    def clean_subject(self):
        value = self.cleaned_data["subject"].strip()
        if not value:
            return None
        if value.isdigit():
            if int(value) > MAX_ID:
                # Past the database's integers: no account has it, and it cannot be looked up.
                raise forms.ValidationError(_("No account has this number."))
            return int(value)
        # An erased account has lost its address; its number still finds its events.
        subject_id = User.objects.filter(email__iexact=value).values_list("pk", flat=True).first()
        if subject_id is None:
            raise forms.ValidationError(_("No account has this e-mail address."))
        return subject_id

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end is before the start."))
        return cleaned

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("actor"):
            queryset = queryset.filter(actor=data["actor"])
        if data.get("subject") is not None:
            queryset = queryset.filter(subject_id=data["subject"])
        action = data.get("action")
        if action:
            if action.endswith("*"):
                queryset = queryset.filter(action__startswith=action[:-1])
            else:
                queryset = queryset.filter(action=action)
        zone = timezone.get_current_timezone()
        if data.get("since"):
            start = dt.datetime.combine(data["since"], dt.time.min, tzinfo=zone)
            queryset = queryset.filter(created_at__gte=start)
        if data.get("until"):
            end = dt.datetime.combine(
                data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone
            )
            queryset = queryset.filter(created_at__lt=end)
        return queryset

    def as_details(self) -> dict:
        """The filters as stored in an audit row: ids, never a typed address."""
        data = self.cleaned_data
        details = {
            "actor": data["actor"].pk if data.get("actor") else None,
            "subject": data.get("subject"),
            "action": data.get("action") or None,
            "since": data.get("since"),
            "until": data.get("until"),
        }
        return {key: value for key, value in details.items() if value is not None}


class AuditSearchFilter(admin.ListFilter):
    """The filter form in the changelist's sidebar; it owns its query parameters."""

    title = _("find events")
    template = "admin/portal/auditevent/filter_form.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        data = {}
        for name in AuditFilterForm.FIELDS:
            if name in params:
                value = params.pop(name)
                data[name] = value[-1] if isinstance(value, list) else value
                self.used_parameters[name] = data[name]
        self.form = AuditFilterForm(data)
        if data and not self.form.is_valid():
            messages.error(
                request,
                _("The filter was not applied. %(errors)s")
                % {"errors": form_errors_text(self.form)},
            )

    def has_output(self):
        return True

    def choices(self, changelist):
        return []

    def expected_parameters(self):
        return list(AuditFilterForm.FIELDS)

    def queryset(self, request, queryset):
        if self.used_parameters and self.form.is_valid():
            return self.form.filter(queryset)
        return queryset


class StaffViewFilter(admin.SimpleListFilter):
    title = _("kind of event")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [
            ("viewed", _("Staff views of personal data")),
            ("staff", _("Other staff actions")),
            ("auth", _("Logins and codes")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "viewed":
            return queryset.filter(action__startswith=STAFF_VIEW_PREFIX)
        if self.value() == "staff":
            return queryset.filter(actor__is_staff=True).exclude(
                action__startswith=STAFF_VIEW_PREFIX
            )
        if self.value() == "auth":
            return queryset.filter(action__regex=r"^(auth|admin|otp)\.")
        return queryset


class _Echo:
    """A file-like object whose write returns the line, for a streamed CSV."""

    def write(self, value):
        return value


class AuditEventForm(forms.ModelForm):
    class Meta:
        model = AuditEvent
        fields = []
        # The time is the reader's: its label names the zone, as the list's heading does.
        # The action's label is a row of its own ("What happened"): this one is its code.
        labels = {"created_at": zoned_heading(capfirst(_("time"))), "action": _("Action code")}


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is written by code and never edited by hand.

    Privacy officers and auditors only. Filters by staff member, subject,
    action and period; "Export CSV" streams the filtered events.
    """

    list_display = ["time", "action_label", "actor", "subject", "target_shown", "ip_address"]
    # The period is part of AuditSearchFilter (since / until), not a date hierarchy.
    list_filter = [AuditSearchFilter, StaffViewFilter]
    # Part of an action or target (icontains): on PostgreSQL the trigram indexes over
    # UPPER(action) and UPPER(target) serve it (migration portal 0019), not a btree.
    search_fields = ["action", "target"]
    search_help_text = _(
        "A reference (R-000009, H-00001, D-00001); an e-mail address, for the events of "
        "that customer or member of staff; or part of what happened, in words or as its "
        "code, or of its target."
    )
    list_select_related = ["actor", "subject"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = ["action_label", *(f.name for f in AuditEvent._meta.fields)]
    form = AuditEventForm
    change_list_template = "admin/portal/auditevent/change_list.html"
    staff_scope = OVERSIGHT
    # Reading the trail is not logged into the trail being read (each reload would add a
    # row to it); exporting it is, with the filters as ids.
    audit_list_pages = False

    def get_search_results(self, request, queryset, search_term):
        """A reference finds the events about it; an address, the events of that
        account, as customer or as staff; other words, the events whose label (in the
        reader's language), code or target holds them."""
        target = target_of_reference(search_term) or _target_written(search_term)
        if target is not None:
            return about_target(queryset, target), False
        term = search_term.strip()
        if "@" in term and not any(ch.isspace() for ch in term):
            users = list(User.objects.filter(email__iexact=term).values_list("pk", flat=True))
            return queryset.filter(Q(subject_id__in=users) | Q(actor_id__in=users)), False
        found, duplicates = super().get_search_results(request, queryset, search_term)
        codes = actions_labelled(term)
        if codes:
            found |= queryset.filter(action__in=codes)
        return found, duplicates

    @admin.display(description=zoned_heading(_("time")), ordering="created_at")
    def time(self, event):
        return moment(event.created_at)

    @admin.display(description=_("What happened"), ordering="action")
    def action_label(self, event):
        """The action's label in the reader's language; its code on hover."""
        label = label_of_action(event.action)
        return format_html('<span title="{}">{}</span>', event.action, label)

    @admin.display(description=_("target"), ordering="target")
    def target_shown(self, event):
        """The reference staff know (R-000004); the stored target on hover."""
        if not event.target:
            return ""
        return format_html('<span title="{}">{}</span>', event.target, target_label(event.target))

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="portal_auditevent_export",
            ),
            *super().get_urls(),
        ]

    EXPORT_COLUMNS = [
        "id",
        "time",
        "action",
        "actor_id",
        "actor",
        "subject_id",
        "subject",
        "target",
        "ip_address",
        "details",
        "hash",
    ]

    def export_view(self, request):
        """The events the list shows (same filters), oldest first, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("The filter is not valid."))
        search = next(
            (f for f in changelist.filter_specs if isinstance(f, AuditSearchFilter)), None
        )
        if search is not None and search.used_parameters and not search.form.is_valid():
            return HttpResponseBadRequest(
                _("The filter is not valid: %(errors)s") % {"errors": form_errors_text(search.form)}
            )
        queryset = changelist.get_queryset(request).order_by("id")
        audit_sent(
            action="staff.exported_audit_events",
            actor=request.user,
            request=request,
            details=search.form.as_details() if search and search.used_parameters else {},
        )
        response = StreamingHttpResponse(
            self._csv_rows(queryset), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.csv"'
        return response

    def _csv_rows(self, queryset):
        writer = spreadsheets.Writer(_Echo())
        yield "\ufeff"  # so spreadsheet programs read the Japanese text as UTF-8
        yield writer.writerow(self.EXPORT_COLUMNS)
        rows = queryset.select_related("actor", "subject").iterator(chunk_size=EXPORT_CHUNK)
        for event in rows:
            yield writer.writerow(
                [
                    event.pk,
                    timezone.localtime(event.created_at).isoformat(),
                    event.action,
                    event.actor_id or "",
                    event.actor.email if event.actor else "",
                    event.subject_id or "",
                    event.subject.email if event.subject else "",
                    event.target,
                    event.ip_address or "",
                    json.dumps(event.details, ensure_ascii=False, cls=DjangoJSONEncoder),
                    event.hash,
                ]
            )
