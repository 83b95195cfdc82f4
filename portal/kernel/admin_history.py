"""The "History" of an object in the admin: its events in the audit trail.

Changes in this project go through services, which write the audit trail, not
the admin's own log; Django's history page would say an object had none. To
staff who may read the trail (privacy officers, auditors) the page shows the
trail's events about the object; others keep Django's page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.urls import reverse


class AuditHistoryMixin:
    def history_view(self, request, object_id, extra_context=None):
        from .models import AuditEvent  # late: the admin modules load before the app

        trail = self.admin_site._registry.get(AuditEvent)
        obj = self.get_object(request, unquote(object_id))
        readable = obj is not None and self.has_view_or_change_permission(request, obj)
        if not readable or trail is None or not trail.has_view_permission(request):
            return super().history_view(request, object_id, extra_context)
        url = reverse(f"{self.admin_site.name}:portal_auditevent_changelist")
        return redirect(f"{url}?{urlencode({'q': f'{obj._meta.label_lower}:{obj.pk}'})}")
