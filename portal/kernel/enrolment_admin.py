"""The admin page where a privacy officer issues a staff member's authenticator link
(portal.kernel.staff_enrolment): asked for on a confirmation page, shown once."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from .admin_confirm import Confirmation, Line, confirmation_response, is_confirmed
from .roles import PRIVACY_OFFICER, staff_role
from .staff_enrolment import issue_link


def enrolment_view(model_admin, request, object_id):
    if staff_role(request.user) != PRIVACY_OFFICER:
        raise PermissionDenied
    staff = model_admin.get_object(request, unquote(object_id))
    if staff is None or not (staff.is_staff and staff.is_active):
        raise Http404
    opts = model_admin.opts
    back_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[staff.pk])
    if request.method != "POST" or not is_confirmed(request):
        lines = []
        if TOTPDevice.objects.filter(user=staff, confirmed=True).exists():
            lines.append(Line(_("Their current authenticator app stops working now.")))
        hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        lines.append(
            Line(
                ngettext(
                    "The link works once, for %(hours)d hour, and only with their password. "
                    "An earlier link stops working.",
                    "The link works once, for %(hours)d hours, and only with their password. "
                    "An earlier link stops working.",
                    hours,
                )
                % {"hours": hours}
            )
        )
        confirmation = Confirmation(
            title=_("Issue an authenticator link for %(email)s") % {"email": staff.email},
            lines=lines,
            button=_("Issue the link"),
        )
        return confirmation_response(model_admin, request, staff, confirmation, back_url=back_url)
    uidb64, token = issue_link(request=request, staff=staff)
    link = request.build_absolute_uri(reverse("portal:staff_enrol", args=[uidb64, token]))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": staff,
        "title": _("Authenticator link for %(email)s") % {"email": staff.email},
        "link": link,
        "back_url": back_url,
    }
    return TemplateResponse(request, "admin/portal/user/enrolment_link.html", context)
