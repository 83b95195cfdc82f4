"""Who may see and do what in the staff admin, object by object.

Every ModelAdmin on the portal's admin site runs through
:class:`StaffAccessMixin` (``PortalAdminSite.register`` adds it to classes that
do not already use it), so the rules hold on every list, change, delete and
history page, every action, every custom view that uses ``get_queryset`` /
``has_*_permission`` and every autocomplete, whether or not a menu shows the
link:

- privacy officers see and do everything their permissions allow;
- auditors read everything and change nothing;
- service handlers see only the requests, customers and records of the
  services they answer for, and act only where the admin lets handlers act;
- staff without a role see nothing;
- nobody changes or deletes a record about themselves (a request they filed,
  their own account, a hold on their own data).

An object outside a staff member's scope is a 404, like an unknown id.

How an admin's objects relate to a customer and a service is declared on the
ModelAdmin, or inferred from the model's fields:

``staff_scope``
    ``"records"`` (default): customer records, scoped by the paths below;
    ``"reference"``: no customer data (fee schedule, retention rules,
    purposes): every role reads, only officers change;
    ``"oversight"``: officers and auditors only (the audit trail, role groups,
    marketing runs, requests from authorities).
``request_path`` / ``service_path`` / ``subject_path`` (one per registered scope)
    Django lookups from the model to the row of each scope the row belongs to
    (a request, a service, a customer). Inferred from a foreign key to the
    scope's model (for customers, one named ``subject`` or ``user``). A
    handler sees a row through the first path that is set on it, in the
    scopes' order: its request, else its service, else its customer.
``handler_may``
    What handlers may do besides viewing, within their scope: ``("change",)``
    etc. Defaults to add and change for records of a request, nothing for the
    rest.
``audit_list_pages``
    ``False`` turns off the "viewed" event of the list page (the audit trail's
    own screen). Defaults to on for every list whose rows have a customer.

A records admin with none of the paths (nothing inferred, nothing declared)
is treated as oversight, so a new model is never shown to handlers by accident.

Scopes
------
The policy knows no app's models. Each kind of row that decides what a
handler sees is registered with :func:`register_scope` from the owning app's
``AppConfig.ready``: the kernel registers customers and services, the rights
app its requests. A scope names the ModelAdmin attribute of its path, its
model, the rows of that model a member of staff may see, and the path from
its model to the customer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseRedirect

from .admin_history import AuditHistoryMixin
from .admin_links import ScopedAdminForm
from .audit import audit_staff_view
from .roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER, staff_role

RECORDS, REFERENCE, OVERSIGHT = "records", "reference", "oversight"
WRITE_ACTIONS = ("add", "change", "delete")


@dataclass(frozen=True)
class Scope:
    """A kind of row that decides which records a service handler sees."""

    #: The ModelAdmin attribute holding the lookup to this scope's row, e.g. "request_path".
    path: str
    model: type[models.Model]
    #: ``visible_to(user, queryset=None)``: the rows of ``model`` the staff member may see.
    visible_to: Callable[..., QuerySet]
    #: Lookup from ``model`` to the customer ("pk" when the model is the customer).
    subject: str | None = None
    #: Only foreign keys with these names count when inferring the path (None: any).
    field_names: tuple[str, ...] | None = None
    #: What handlers may do, besides viewing, on records reached through this scope.
    handler_may: tuple[str, ...] = ()
    #: Scopes are tried in this order (lowest first).
    order: int = 0


_scopes: dict[str, Scope] = {}


def register_scope(
    *,
    path: str,
    model: type[models.Model],
    visible_to: Callable[..., QuerySet],
    subject: str | None = None,
    field_names: tuple[str, ...] | None = None,
    handler_may: tuple[str, ...] = (),
    order: int = 0,
) -> Scope:
    """Declare a scope (called from the owning app's ``AppConfig.ready``)."""
    scope = Scope(path, model, visible_to, subject, field_names, tuple(handler_may), order)
    _scopes[path] = scope
    return scope


def scopes() -> list[Scope]:
    """The registered scopes, in the order a handler's visibility is decided."""
    return sorted(_scopes.values(), key=lambda scope: scope.order)


def _is_fk_to(field, model) -> bool:
    return (
        isinstance(field, models.ForeignKey | models.OneToOneField) and field.related_model is model
    )


def _inferred_path(fields, scope: Scope) -> str | None:
    names = scope.field_names
    candidates = fields if names is None else [f for n in names for f in fields if f.name == n]
    return next((f.name for f in candidates if _is_fk_to(f, scope.model)), None)


def infer_paths(model) -> dict[str, str | None]:
    """The lookups from ``model`` to each scope's row, from its fields."""
    ordered = scopes()
    paths: dict[str, str | None] = dict.fromkeys(scope.path for scope in ordered)
    own = next((scope for scope in ordered if model is scope.model), None)
    if own is not None:
        paths[own.path] = "pk"
        subject_scope = _subject_scope()
        if subject_scope is not None and subject_scope is not own:
            paths[subject_scope.path] = own.subject
        return paths
    fields = model._meta.get_fields()
    for scope in ordered:
        paths[scope.path] = _inferred_path(fields, scope)
    subject_scope = _subject_scope()
    if subject_scope is not None and paths[subject_scope.path] is None:
        # The customer through another scope's row (e.g. a request's subject).
        paths[subject_scope.path] = next(
            (
                f"{paths[scope.path]}__{scope.subject}"
                for scope in ordered
                if scope is not subject_scope and scope.subject and paths[scope.path]
            ),
            None,
        )
    return paths


def _subject_scope() -> Scope | None:
    """The scope of the customers themselves (its model is the user model)."""
    return next((scope for scope in _scopes.values() if scope.subject == "pk"), None)


def _lookup_value(obj, path: str):
    """Follow ``a__b__c`` on an instance; the last hop is read as an id."""
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    if last == "pk":
        return obj.pk
    try:
        field = obj._meta.get_field(last)
    except FieldDoesNotExist:
        return getattr(obj, last, None)
    if field.many_to_one or field.one_to_one:
        return getattr(obj, field.attname, None)
    return getattr(obj, last, None)


class StaffAccessMixin(AuditHistoryMixin):
    """Scope a ModelAdmin's rows and permissions by the staff member's role."""

    # -- the declarations (read with getattr: this mixin may sit before them in the MRO) --

    def access_paths(self) -> dict[str, str | None]:
        paths = infer_paths(self.model)
        for key in paths:
            if hasattr(self, key):
                paths[key] = getattr(self, key)
        return paths

    def access_scope(self) -> str:
        scope = getattr(self, "staff_scope", RECORDS)
        if scope == RECORDS and not any(self.access_paths().values()):
            return OVERSIGHT
        return scope

    def handler_actions(self) -> tuple[str, ...]:
        declared = getattr(self, "handler_may", None)
        if declared is not None:
            return tuple(declared)
        if self.access_scope() == RECORDS:
            paths = self.access_paths()
            for scope in scopes():
                if paths.get(scope.path) and scope.handler_may:
                    return scope.handler_may
        return ()

    # -- rows -------------------------------------------------------------------------

    def scope_queryset(self, request, queryset):
        """The rows of ``queryset`` the staff member may see."""
        role = staff_role(request.user)
        if role in (PRIVACY_OFFICER, AUDITOR):
            return queryset
        if role != SERVICE_HANDLER:
            return queryset.none()
        scope = self.access_scope()
        if scope == REFERENCE:
            return queryset
        if scope != RECORDS:
            return queryset.none()
        return queryset.filter(self._handler_condition(request.user)).distinct()

    def _handler_condition(self, user) -> Q:
        """Rows a handler sees: through the first scope whose path is set (request,
        else service, else customer)."""
        paths = self.access_paths()
        condition = Q(pk__in=[])
        earlier_empty = Q()
        for scope in scopes():
            path = paths.get(scope.path)
            if not path:
                continue
            rows = scope.visible_to(user).values("pk")
            condition |= earlier_empty & Q(**{f"{path}__in": rows})
            if path == "pk":
                break  # the row itself is the request or service: nothing else decides
            earlier_empty &= Q(**{f"{path}__isnull": True})
        return condition

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def in_scope(self, request, obj) -> bool:
        """Whether ``obj`` is one of the rows the staff member may see (cached per request)."""
        if obj is None or obj.pk is None:
            return True
        cache = request.__dict__.setdefault("_staff_scope_cache", {})
        key = (self.model._meta.label_lower, obj.pk)
        if key not in cache:
            cache[key] = self.get_queryset(request).filter(pk=obj.pk).exists()
        return cache[key]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404  # unknown, or out of this staff member's scope
        return obj

    # -- whose record --------------------------------------------------------------------

    def subject_id_of(self, obj):
        path = self.access_paths()["subject_path"]
        return _lookup_value(obj, path) if path and obj is not None else None

    def is_about_self(self, request, obj) -> bool:
        return obj is not None and self.subject_id_of(obj) == request.user.pk

    def _self_lookup(self) -> str | None:
        path = self.access_paths()["subject_path"]
        return None if not path else "pk" if path == "pk" else f"{path}__pk"

    # -- permissions -------------------------------------------------------------------

    def _may(self, request, action: str) -> bool:
        role = staff_role(request.user)
        scope = self.access_scope()
        if role == PRIVACY_OFFICER:
            return True
        if role == SERVICE_HANDLER and scope == RECORDS:
            return action in self.handler_actions()
        return False

    def _may_view(self, request) -> bool:
        role = staff_role(request.user)
        if role == SERVICE_HANDLER:
            return self.access_scope() != OVERSIGHT
        return role is not None

    def has_module_permission(self, request):
        return self._may_view(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return (
            self._may_view(request)
            and super().has_view_permission(request, obj)
            and self.in_scope(request, obj)
        )

    def has_add_permission(self, request, *args):
        return self._may(request, "add") and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return (
            self._may(request, "change")
            and super().has_change_permission(request, obj)
            and self.in_scope(request, obj)
            and not self.is_about_self(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            self._may(request, "delete")
            and super().has_delete_permission(request, obj)
            and self.in_scope(request, obj)
            and not self.is_about_self(request, obj)
        )

    # -- forms: a customer, service or request is chosen from the staff member's scope --

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None:
            return field
        paths = self.access_paths()
        user = request.user
        for scope in scopes():
            if db_field.name != paths.get(scope.path):
                continue
            field.queryset = scope.visible_to(user, field.queryset)
            if scope.subject:
                # Nobody records anything about themselves.
                field.queryset = field.queryset.exclude(**{scope.subject: user.pk})
            break
        return field

    def get_list_filter(self, request):
        """Filters on a related model offer only values found in the visible rows."""
        filters = super().get_list_filter(request)
        if staff_role(request.user) != SERVICE_HANDLER:
            return filters
        narrowed = []
        for entry in filters:
            if isinstance(entry, str) and "__" not in entry:
                try:
                    field = self.model._meta.get_field(entry)
                except FieldDoesNotExist:
                    field = None
                if field is not None and field.is_relation:
                    entry = (entry, admin.RelatedOnlyFieldListFilter)
            narrowed.append(entry)
        return narrowed

    # -- actions: each needs its declared permission; never on one's own records --------

    def get_actions(self, request):
        actions = super().get_actions(request)
        allowed = {}
        for name, (func, action_name, description) in actions.items():
            needs = getattr(func, "allowed_permissions", None) or ("change",)
            if not all(getattr(self, f"has_{p}_permission")(request) for p in needs):
                continue
            # An admin's own action permission (e.g. "end") is a write as well.
            if set(needs) - {"view"} and not self._may(request, "change"):
                continue
            if set(needs) != {"view"}:
                func = self._guarded_action(func)
            allowed[name] = (func, action_name, description)
        return allowed

    def _guarded_action(self, func):
        @functools.wraps(func)
        def guarded(modeladmin, request, queryset):
            lookup = self._self_lookup()
            if lookup and queryset.filter(**{lookup: request.user.pk}).exists():
                raise PermissionDenied  # staff never act on records about themselves
            return func(modeladmin, request, queryset)

        return guarded

    # -- every change page and list page showing customers' records is audited ----------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and self._nothing_to_save(request, object_id):
            # A page of read-only fields (a request, a fee) is written by its own actions,
            # under their locks: a save would write the whole row back, status included.
            return HttpResponseRedirect(request.path)
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = (getattr(response, "context_data", None) or {}).get("original")
            self.audit_view(request, obj, screen="change")
        return response

    def render_change_form(self, request, context, *args, **kwargs):
        if context.get("adminform") is not None:
            context["adminform"] = ScopedAdminForm.of(context["adminform"], request)
        return super().render_change_form(request, context, *args, **kwargs)

    def _nothing_to_save(self, request, object_id) -> bool:
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_change_permission(request, obj):
            return False  # Django answers: 404 or 403
        if self.get_inline_instances(request, obj):
            return False
        fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        return set(fields) <= set(self.get_readonly_fields(request, obj))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            changelist = (getattr(response, "context_data", None) or {}).get("cl")
            if changelist is not None:
                self.audit_list_view(request, changelist)
        return response

    def lists_personal_data(self) -> bool:
        """Whether this admin's list shows customers' records (its rows have a customer)."""
        return (
            getattr(self, "audit_list_pages", True)
            and self.access_scope() != REFERENCE
            and bool(self.access_paths()["subject_path"])
        )

    def audit_list_view(self, request, changelist) -> None:
        """Record one event for a page of a list of customers' records.

        One row per page view, not per customer shown: the list, the filters
        (ids and choices of the filter sidebar), whether a search was made
        (never its text, which is often an e-mail address), the page and the
        number of rows shown. The rows are the page the template renders, so
        counting them costs no query of its own.
        """
        if not self.lists_personal_data():
            return
        filters = {
            name: values[-1] if isinstance(values, list) and len(values) == 1 else values
            for name, values in sorted(changelist.get_filters_params().items())
        }
        details = {
            "screen": "changelist",
            "filters": filters,
            "search": bool(changelist.query),
            "page": changelist.page_num,
            "rows": len(changelist.result_list),
        }
        if changelist.is_popup:
            details["popup"] = True
        audit_staff_view(
            request,
            what=f"{self.model._meta.model_name}_list",
            subject=None,
            target=self.model._meta.label_lower,
            **details,
        )

    def audit_view(self, request, obj, **details) -> None:
        """Record that staff saw ``obj``, when it is a customer's record."""
        if obj is None or self.access_scope() == REFERENCE:
            return
        subject_id = self.subject_id_of(obj)
        if subject_id is None:
            return
        user_model = get_user_model()
        subject = obj if isinstance(obj, user_model) else user_model(pk=subject_id)
        audit_staff_view(
            request, what=self.model._meta.model_name, subject=subject, target=obj, **details
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by code (evidence, logs, runs): staff read them, never edit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
