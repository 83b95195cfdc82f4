"""The API in the admin: clients and their keys (made by the privacy officer, shown
once), and the callback deliveries with their attempts, replayable by staff."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..admin_columns import moment, zoned_heading
from ..audit import audit_log
from ..models import ApiClient, ApiKey, CallbackAttempt, CallbackDelivery
from ..models.api import SCOPES
from . import callbacks
from .auth import api_key_create, api_key_revoke


def _box_label_now(text, label) -> str:
    return str(text) % {"field": str(label)}


#: A box's label, worked out in the reader's language and zone as the page is drawn.
_box_label = lazy(_box_label_now, str)


class KeyTimes:
    """A key's times in the reader's zone, named in their labels: the expiry is typed
    in that zone, and the times read there."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "expires_at" and field is not None:
            field.label = zoned_heading(capfirst(db_field.verbose_name))
            # The admin writes the expiry as a day box and a time box under one label
            # that points at neither: each box says what it takes.
            day, time = field.widget.widgets
            day.attrs["aria-label"] = _box_label(_("%(field)s: date"), field.label)
            time.attrs["aria-label"] = _box_label(_("%(field)s: time"), field.label)
        return field

    @admin.display(description=zoned_heading(capfirst(_("created at"))), ordering="created_at")
    def created(self, key):
        return moment(key.created_at)

    @admin.display(description=zoned_heading(capfirst(_("revoked at"))), ordering="revoked_at")
    def revoked(self, key):
        return moment(key.revoked_at)

    @admin.display(description=zoned_heading(capfirst(_("last used at"))), ordering="last_used_at")
    def last_used(self, key):
        return moment(key.last_used_at)


class ApiKeyInline(KeyTimes, admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["label", "prefix", "created", "created_by", "expires_at", "revoked"]
    readonly_fields = ["prefix", "created", "created_by", "revoked"]

    def has_add_permission(self, request, obj=None):
        return False  # keys are made by the action, which shows the key once


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=capfirst(_("scopes")),
        choices=list(SCOPES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiClient
        fields = [
            "name",
            "owner",
            "scopes",
            "services",
            "all_services",
            "is_active",
            "rate_limit",
            "callback_url",
        ]

    def clean_callback_url(self):
        url = self.cleaned_data.get("callback_url") or ""
        if url:
            callbacks.check_callback_url(url)
        return url


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Officers make clients and keys; auditors read; handlers do not see them."""

    staff_scope = "oversight"
    form = ApiClientForm
    list_display = ["name", "owner", "is_active", "all_services", "callback_url"]
    list_filter = ["is_active"]
    search_fields = ["name", "owner"]
    filter_horizontal = ["services"]
    inlines = [ApiKeyInline]
    actions = ["make_key"]

    def has_delete_permission(self, request, obj=None):
        return False  # a client that filed requests stays; deactivate it instead

    def save_related(self, request, form, formsets, change):
        # After the services are saved: the event names what the client may reach now.
        super().save_related(request, form, formsets, change)
        client = form.instance
        if change and not form.changed_data:
            return
        audit_log(
            action="api.client_changed" if change else "api.client_created",
            actor=request.user,
            target=client,
            request=request,
            details={
                "changed": sorted(form.changed_data),
                "scopes": list(client.scopes or []),
                "services": sorted(client.services.values_list("code", flat=True)),
                "all_services": client.all_services,
                "is_active": client.is_active,
            },
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.callback_url and obj.callback_secret:
            # As the API's removal: the next URL is signed with a new secret.
            callbacks.callback_remove(client=obj)
        elif obj.callback_url and not obj.callback_secret:
            secret = callbacks.callback_register(client=obj, url=obj.callback_url)
            messages.warning(
                request,
                _(
                    "Signing secret for %(client)s (give it to its owner now, it is not shown "
                    "again): %(secret)s"
                )
                % {"client": obj, "secret": secret},
            )

    @admin.action(description=_("Make a new key (shown once)"), permissions=["change"])
    def make_key(self, request, queryset):
        for client in queryset:
            _row, key = api_key_create(client=client, label="admin", actor=request.user)
            messages.warning(
                request,
                _("New key for %(client)s (copy it now, it is not shown again): %(key)s")
                % {"client": client, "key": key},
            )


@admin.register(ApiKey)
class ApiKeyAdmin(KeyTimes, admin.ModelAdmin):
    staff_scope = "oversight"
    list_display = ["client", "prefix", "label", "expires", "revoked", "last_used"]
    list_filter = ["client"]
    fields = ["client", "label", "prefix", "expires_at", "revoked", "last_used"]
    readonly_fields = ["client", "prefix", "revoked", "last_used"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit trail names it

    @admin.display(description=zoned_heading(capfirst(_("expires at"))), ordering="expires_at")
    def expires(self, key):
        return moment(key.expires_at)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.changed_data:
            audit_log(
                action="api.key_changed",
                actor=request.user,
                target=obj,
                request=request,
                details={
                    "changed": sorted(form.changed_data),
                    "expires_at": obj.expires_at.isoformat() if obj.expires_at else None,
                },
            )

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key, actor=request.user)


class CallbackAttemptInline(admin.TabularInline):
    model = CallbackAttempt
    extra = 0
    can_delete = False
    fields = ["attempted_at", "status_code", "error", "duration_ms", "replayed_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(admin.ModelAdmin):
    staff_scope = "oversight"
    list_display = ["created_at", "client", "event_type", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "event_type", "client"]
    readonly_fields = [
        "event_id",
        "client",
        "event_type",
        "payload",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    inlines = [CallbackAttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again now"), permissions=["change"])
    def replay(self, request, queryset):
        for delivery in queryset:
            callbacks.replay(delivery=delivery, actor=request.user)
        messages.success(request, _("Queued again."))
