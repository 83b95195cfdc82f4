"""Staff screens: external systems (configured here), and each request's systems.

:class:`ExternalSystemAdmin` edits a system: how it is reached, its address
and secret (write-only: the stored secret is never shown), the categories and
fields it holds and the operations it takes. :class:`ConnectorAdminMixin` (a
mixin of RightsRequestAdmin) shows every system of a request with its state
and gives the buttons: retry a failed call, confirm a staff task (note and
optional evidence file), record why a system cannot act (GDPR art. 19).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import Http404
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.kernel.access import REFERENCE
from portal.kernel.audit import audit_staff_view
from portal.kernel.models.api import FULFILMENT_SCOPE
from portal.kernel.registry import Category
from portal.kernel.wording import listed
from rights.uploads import check_upload, download_response, stored_key, stored_type

from . import dispatch, notices
from .models import ExternalSystem, Operation, SystemTask
from .summary import customer_summary, staff_rows

#: The longest a call may wait (seconds): a longer one holds a worker that long, and a
#: service that needs more answers 202 and calls back (docs/connectors.md).
MAX_TIMEOUT_SECONDS = 120
#: Operations a system is chosen for by the categories it holds; one holding none is
#: never asked (a recipient's own system is told of erasures and stops regardless).
BY_CATEGORY = {Operation.ACCESS, Operation.ERASE, Operation.RESTRICT}


def _fields_text(fields) -> str:
    return "\n".join(
        " ".join(
            part for part in (f.get("name", ""), f.get("category", ""), f.get("label", "")) if part
        )
        for f in fields or []
        if isinstance(f, dict)
    )


class HttpURLField(forms.URLField):
    """An http:// or https:// address only: the contract is HTTP, and an ftp:// address a
    plain URL field accepts would fail every call."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class ExternalSystemForm(forms.ModelForm):
    base_url = HttpURLField(
        label=_("Base URL"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Enter an address starting with http:// or https://.")},
        help_text=_("HTTP connectors: the address the contract's paths are added to."),
    )
    timeout_seconds = forms.IntegerField(
        label=capfirst(ExternalSystem._meta.get_field("timeout_seconds").verbose_name),
        min_value=1,
        max_value=MAX_TIMEOUT_SECONDS,
        initial=10,
        help_text=_(
            "HTTP connectors: the longest a call may take, from 1 to 120 seconds; a "
            "service that needs longer answers 202 and calls back."
        ),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories held"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    operations = forms.MultipleChoiceField(
        label=_("Operations"),
        choices=Operation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fields_text = forms.CharField(
        label=_("Fields held"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: the field's name (as the portal names it, e.g. address), its "
            "category, then a label, e.g. “address contact Delivery address”."
        ),
    )
    new_secret = forms.CharField(
        label=_("Shared secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored secret; it is never shown again."),
    )

    class Meta:
        model = ExternalSystem
        fields = [
            "name",
            "mode",
            "base_url",
            "categories",
            "operations",
            "recipient",
            "privacy_contact",
            "answer_days",
            "timeout_seconds",
            "is_active",
            "api_clients",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields_text"].initial = _fields_text(self.instance.fields)

    def clean_fields_text(self):
        items = []
        for number, line in enumerate(self.cleaned_data["fields_text"].splitlines(), start=1):
            parts = line.split(maxsplit=2)
            if not parts:
                continue
            if len(parts) < 2 or parts[1] not in Category.values:
                raise ValidationError(
                    _("Line %(n)d: give the field's name and one of the categories (%(cats)s).")
                    % {"n": number, "cats": listed(Category.values)}
                )
            items.append(
                {
                    "name": parts[0],
                    "category": parts[1],
                    "label": parts[2] if len(parts) > 2 else "",
                }
            )
        return items

    def clean_api_clients(self):
        clients = self.cleaned_data["api_clients"]
        lacking = [c.name for c in clients if FULFILMENT_SCOPE not in (c.scopes or [])]
        if lacking:
            raise ValidationError(
                _(
                    "Without the scope %(scope)s a client cannot report this system's part: "
                    "%(names)s. Give it the scope first, or leave it out."
                )
                % {"scope": FULFILMENT_SCOPE, "names": listed(lacking)}
            )
        return clients

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("mode")
        has_secret = bool(cleaned.get("new_secret") or self.instance.secret)
        if mode == ExternalSystem.Mode.API and not (cleaned.get("base_url") and has_secret):
            raise ValidationError(_("An HTTP connector needs its base URL and a shared secret."))
        if mode == ExternalSystem.Mode.EMAIL and not cleaned.get("privacy_contact"):
            raise ValidationError(_("An e-mail system needs its privacy contact's address."))
        self._check_categories(cleaned)
        return cleaned

    def _check_categories(self, cleaned) -> None:
        """A system is chosen by the categories it holds: refuse one that never would be,
        or whose fields name a category it is not chosen for."""
        held = set(cleaned.get("categories") or [])
        operations = set(cleaned.get("operations") or [])
        by_category = operations & BY_CATEGORY
        if cleaned.get("recipient"):
            # A recipient's system is told of erasures and stops whatever it holds.
            by_category &= {Operation.ACCESS}
        if by_category and not held:
            self.add_error(
                "categories",
                _(
                    "Tick the categories it holds: a system holding none is never sent a "
                    "disclosure, erasure or stop of use."
                ),
            )
            return
        if not operations & {Operation.ACCESS, Operation.ERASE}:
            return
        for item in cleaned.get("fields_text") or []:
            if item["category"] not in held:
                self.add_error(
                    "fields_text",
                    _(
                        "%(name)s: its category “%(category)s” is not ticked among the "
                        "categories held, so requests for that category would not reach "
                        "this system."
                    )
                    % {"name": item["name"], "category": Category(item["category"]).label},
                )

    def save(self, commit=True):
        self.instance.fields = self.cleaned_data["fields_text"]
        if self.cleaned_data.get("new_secret"):
            self.instance.secret = self.cleaned_data["new_secret"]
        return super().save(commit)


@admin.register(ExternalSystem)
class ExternalSystemAdmin(admin.ModelAdmin):
    form = ExternalSystemForm
    # Configuration, no customer data: every role reads it, officers change it.
    staff_scope = REFERENCE
    list_display = ["name", "id", "mode", "base_url", "recipient", "is_active"]
    list_filter = ["mode", "is_active"]
    fieldsets = [
        (None, {"fields": ["name", "mode", "is_active", "recipient"]}),
        (_("HTTP connector"), {"fields": ["base_url", "new_secret", "timeout_seconds"]}),
        (_("What it holds and does"), {"fields": ["categories", "fields_text", "operations"]}),
        (_("People"), {"fields": ["privacy_contact", "answer_days"]}),
        (_("Answered through the API"), {"fields": ["api_clients"]}),
    ]
    filter_horizontal = ["api_clients"]

    #: For staff who only read: the form's own fields and the stored codes in words, the
    #: secret not at all (it is write-only).
    shown_read_only = {
        "categories": "category_names",
        "fields_text": "fields_held",
        "operations": "operation_names",
    }

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (
                title,
                {
                    **options,
                    "fields": [
                        self.shown_read_only.get(name, name)
                        for name in options["fields"]
                        if name != "new_secret"
                    ],
                },
            )
            for title, options in fieldsets
        ]

    @admin.display(description=ExternalSystem._meta.get_field("categories").verbose_name)
    def category_names(self, obj):
        return listed(Category(c).label for c in obj.categories if c in Category.values) or "—"

    @admin.display(description=_("Fields held"))
    def fields_held(self, obj):
        return _fields_text(obj.fields) or "—"

    @admin.display(description=ExternalSystem._meta.get_field("operations").verbose_name)
    def operation_names(self, obj):
        return listed(Operation(o).label for o in obj.operations if o in Operation.values) or "—"


class ConfirmTaskForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False)

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if evidence:
            check_upload(evidence)
        return evidence


class ImpossibleForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it cannot be done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConnectorAdminMixin:
    """Needs ``_object_for_work``, ``_back`` and ``_report`` of RightsRequestAdmin."""

    def get_connector_urls(self, wrap, prefix):
        return [
            path(
                "<id:pk>/systems/<id:task_pk>/retry/",
                wrap(self.connector_retry_view),
                name=f"{prefix}_connector_retry",
            ),
            path(
                "<id:pk>/systems/<id:task_pk>/confirm/",
                wrap(self.connector_confirm_view),
                name=f"{prefix}_connector_confirm",
            ),
            path(
                "<id:pk>/systems/<id:task_pk>/impossible/",
                wrap(self.connector_impossible_view),
                name=f"{prefix}_connector_impossible",
            ),
            path(
                "<id:pk>/systems/<id:task_pk>/evidence/",
                self.admin_site.admin_view(self.connector_evidence_view),
                name=f"{prefix}_connector_evidence",
            ),
        ]

    def connector_context(self, obj, *, can_work: bool) -> dict:
        tasks = staff_rows(obj)
        if not tasks:
            return {}
        for task in tasks:
            # One form per row, with ids of its own (the field names stay the same).
            task.confirm_form = ConfirmTaskForm(auto_id=f"id_task{task.pk}_%s")
            task.impossible_form = ImpossibleForm(auto_id=f"id_task{task.pk}_%s")
        return {
            "connector_tasks": tasks,
            "connector_summary": customer_summary(obj),
            "connector_can_work": can_work,
        }

    def _task(self, request, pk, task_pk):
        obj = self._object_for_work(request, pk)
        task = SystemTask.objects.filter(request=obj, pk=task_pk).first()
        if task is None:
            raise Http404
        return obj, task

    def connector_evidence_view(self, request, pk, task_pk):
        """The evidence file staff attached when confirming a task (audited, decrypted)."""
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        task = SystemTask.objects.filter(request=obj, pk=task_pk).exclude(evidence="").first()
        if task is None:
            raise Http404
        audit_staff_view(request, what="connector_evidence", subject=obj.subject, target=obj)
        # Evidence confirmed before files were sealed is in clear until rotate_file_keys ran.
        clear = stored_key(task.evidence.storage, task.evidence.name) is None
        return download_response(
            task.evidence,
            name=f"{obj.reference}-{task.name}",
            content_type=stored_type(task.evidence, clear=clear),
            clear=clear,
        )

    def connector_retry_view(self, request, pk, task_pk):
        obj, task = self._task(request, pk, task_pk)
        try:
            dispatch.task_retry(task=task, actor=request.user, http_request=request)
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, _("%(name)s is tried again.") % {"name": task.name})
        return self._back(obj)

    def connector_confirm_view(self, request, pk, task_pk):
        obj, task = self._task(request, pk, task_pk)
        form = ConfirmTaskForm(request.POST, request.FILES)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            notices.staff_confirm(
                task=task,
                actor=request.user,
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data.get("evidence"),
                http_request=request,
            )
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(request, _("%(name)s is recorded as done.") % {"name": task.name})
        return self._back(obj)

    def connector_impossible_view(self, request, pk, task_pk):
        obj, task = self._task(request, pk, task_pk)
        form = ImpossibleForm(request.POST)
        if not form.is_valid():
            self._report(request, form)
            return self._back(obj)
        try:
            notices.staff_impossible(
                task=task,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                http_request=request,
            )
        except ValidationError as error:
            self._report(request, None, error)
        else:
            self.message_user(
                request, _("The reason is recorded for %(name)s.") % {"name": task.name}
            )
        return self._back(obj)
