"""The staff roles in the admin, named in the reader's language: the role groups'
list, the customer list's role filter and the roles offered on a user's page.

The groups are stored under their English names (``portal.kernel.roles``), which
the code looks them up by; only what staff read is translated.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html_join
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


#: The four permissions Django gives every model, named as they read today. Django
#: stores their names once, from the model's name at the time ("Can add email
#: device"), in English only.
DEFAULT_PERMISSIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """``"Codes by e-mail | e-mail code address | Can add e-mail code address"``: a
    permission by its model's present name, in the reader's language; a permission a
    model declares itself keeps its own name."""
    model = permission.content_type.model_class()
    action = permission.codename.partition("_")[0]
    name = permission.name
    if model is not None and permission.codename == f"{action}_{model._meta.model_name}":
        name = DEFAULT_PERMISSIONS.get(action, name)
        name = name if isinstance(name, str) else name % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {name}"


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The role groups: officers and auditors see them; the names read translated."""

    staff_scope = OVERSIGHT
    list_display = ["role"]

    @admin.display(description=_("role"), ordering="name")
    def role(self, obj):
        return role_label(obj.name)

    # A role's page names the role as the list does: in the title, the heading and the
    # breadcrumbs (templates/admin/auth/group/change_form.html).
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["subtitle"] = role_label(obj.name)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Staff who may only read a role see its permissions by their present names.
    readonly_fields = ["permission_list"]

    def get_fields(self, request, obj=None):
        hidden = "permission_list" if self.has_change_permission(request, obj) else "permissions"
        return [name for name in super().get_fields(request, obj) if name != hidden]

    @admin.display(description=Group._meta.get_field("permissions").verbose_name)
    def permission_list(self, obj):
        permissions = obj.permissions.select_related("content_type")
        return format_html_join("", "{}<br>", ((permission_label(p),) for p in permissions))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name == "permissions":
            field.label_from_instance = permission_label
        return field
