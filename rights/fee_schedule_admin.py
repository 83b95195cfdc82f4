"""The published fee schedule in the staff admin: privacy officers publish a fee
and end it (its last day set); everyone else reads it."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.kernel.access import REFERENCE
from portal.kernel.admin_columns import last_day, period

from . import fees
from .fee_admin import is_privacy_officer
from .models import FeeSchedule


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    """The published fees. Privacy officers publish and end them; others read."""

    list_display = [
        "kind",
        "regime",
        "basis",
        "delivery_method",
        "amount_display",
        "in_effect",
        "in_force",
    ]
    list_filter = ["regime", "kind", "basis"]

    class Media:
        # Many columns beside the navigation and the filters: they wrap to fit.
        css = {"all": ["css/admin-lists.css"]}

    fields = list(fees.SCHEDULE_FIELDS)
    staff_scope = REFERENCE

    def has_add_permission(self, request):
        return super().has_add_permission(request) and is_privacy_officer(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_privacy_officer(request.user)

    def has_delete_permission(self, request, obj=None):
        # A published fee is ended (its last day set), not deleted: payments cite it.
        return False

    def get_fields(self, request, obj=None):
        fields = list(self.fields)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read only: a fee in force until replaced says so, not "-".
            fields[fields.index("effective_until")] = "effective_until_shown"
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        if obj is not None and obj.payments.exists():
            return [f for f in self.fields if f not in fees.SCHEDULE_FIELDS_ALWAYS_EDITABLE]
        return []

    @admin.display(description=FeeSchedule._meta.get_field("effective_until").verbose_name)
    def effective_until_shown(self, obj):
        """The fee's last day, or that it has none (FeeSchedule.effective_until)."""
        return last_day(obj.effective_until)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return f"¥{obj.amount:,}"

    @admin.display(description=_("in effect"), ordering="effective_from")
    def in_effect(self, obj):
        return period(obj.effective_from, obj.effective_until)

    @admin.display(description=_("in force today"), boolean=True)
    def in_force(self, obj):
        today = timezone.localdate()
        return obj.effective_from <= today and (
            obj.effective_until is None or obj.effective_until >= today
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "amount":
            kwargs["min_value"] = 1  # the form's own bound, not the column's 0
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        fees.fee_schedule_save(schedule=obj, actor=request.user, http_request=request)
