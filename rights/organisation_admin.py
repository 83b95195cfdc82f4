"""Corporate customers in the admin: the organisation, its members and its contact.

A contact who is not (or no longer) a member receives nothing. Officers keep
them (oversight: who belongs to which company decides who reads the answers
about its account); handlers do not see them.
"""

from __future__ import annotations

from django.contrib import admin

from portal.kernel.access import OVERSIGHT

from .models import Organisation, OrganisationMember


class OrganisationMemberInline(admin.TabularInline):
    model = OrganisationMember
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "added_at"]
    readonly_fields = ["added_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "corporate_number", "contact", "created_at"]
    search_fields = ["name", "corporate_number"]
    autocomplete_fields = ["contact"]
    inlines = [OrganisationMemberInline]
    staff_scope = OVERSIGHT
