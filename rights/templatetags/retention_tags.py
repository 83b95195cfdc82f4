"""What is held about a customer, for the staff subject page."""

from django import template

from portal.kernel.registry import Category
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
    can_place = bool(request and request.user.has_perm("rights.add_legalhold"))
    return {**held, "subject": subject, "can_place": can_place}
