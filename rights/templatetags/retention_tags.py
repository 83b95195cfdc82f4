"""What is held about a customer, for the staff subject page."""

from django import template
from django.contrib import admin

from portal.kernel.registry import Category
from rights.models import LegalHold
from rights.retention.admin_subject import held_for_subject

register = template.Library()


@register.inclusion_tag("admin/rights/retention/subject_holds.html", takes_context=True)
def subject_retention(context, subject):
    held = held_for_subject(subject)
    for hold in held["holds"]:
        hold.category_list = ", ".join(
            str(Category(c).label) for c in hold.categories if c in Category.values
        )
    request = context.get("request")
    # The hold admin's own answer (staff roles, portal.kernel.access), not the bare
    # permission: a handler's group holds "add" for the rights app, yet places no hold.
    hold_admin = admin.site._registry.get(LegalHold)
    can_place = bool(request and hold_admin and hold_admin.has_add_permission(request))
    return {**held, "subject": subject, "can_place": can_place}
