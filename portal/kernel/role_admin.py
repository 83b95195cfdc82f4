"""The staff roles in the admin, named in the reader's language: the role groups'
list, the customer list's role filter and the roles offered on a user's page.

The groups are stored under their English names (``portal.kernel.roles``), which
the code looks them up by; only what staff read is translated.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .access import OVERSIGHT
from .roles import ROLE_LABELS, ROLES, role_label


class RoleFilter(admin.SimpleListFilter):
    """A user list by role: each staff role, or none (customers)."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [*ROLE_LABELS.items(), ("none", _("No staff role"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == "none":
            return queryset.exclude(groups__name__in=ROLES)
        if value not in ROLES:
            raise IncorrectLookupParameters(value)
        return queryset.filter(groups__name=value)


class RoleChoicesMixin:
    """The groups a user can be put in, offered by their role's name."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name == "groups":
            field.label_from_instance = lambda group: role_label(group.name)
        return field


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The role groups: officers and auditors see them; the names read translated."""

    staff_scope = OVERSIGHT
    list_display = ["role"]

    @admin.display(description=_("role"), ordering="name")
    def role(self, obj):
        return role_label(obj.name)
