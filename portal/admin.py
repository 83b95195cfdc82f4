from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "email_verified_at", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups", "language"]
    search_fields = ["email", "profile__full_name", "profile__full_name_kana"]
    readonly_fields = ["last_login", "date_joined", "email_verified_at"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "language"]}),
        (
            _("Status"),
            {"fields": ["is_active", "email_verified_at", "last_login", "date_joined"]},
        ),
        (_("Staff"), {"fields": ["is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by code and never edited by hand."""

    list_display = ["created_at", "action", "actor", "subject", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["action", "target"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "subject"]
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
