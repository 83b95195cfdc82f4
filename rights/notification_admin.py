"""Notices to customers in the admin: which were e-mailed, which still wait.

During a mail-server outage a privacy officer sees here which notices have not
gone out yet (the request, the kind of notice, since when it waits) and, when the
outbox recorded one, how often publishing was tried and why the last attempt
failed. Read-only: the outbox sends them once the mail server is back.
Oversight (officers and auditors), like the scheduled runs; the columns name the
request by its reference only, never the person or the notice's wording.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from portal.kernel.access import OVERSIGHT, ReadOnlyAdmin
from portal.kernel.admin_columns import moment, zoned_heading
from portal.kernel.admin_lists import LargeTableAdmin
from portal.kernel.models import OutboxMessage

from .models import RequestNotification
from .notifications import SEND_NOTIFICATION_TASK


class EmailedFilter(admin.SimpleListFilter):
    title = _("e-mail status")
    parameter_name = "emailed"

    def lookups(self, request, model_admin):
        return [("no", _("Not e-mailed")), ("yes", _("E-mailed"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(emailed_at__isnull=self.value() == "no")
        return queryset


def pending_messages(notification_ids) -> dict[int, OutboxMessage]:
    """The outbox messages not done that mail these notices, by notice id: one query,
    on the outbox's small not-done part."""
    ids = list(notification_ids)
    if not ids:
        return {}
    wanted = Q()
    for pk in ids:
        wanted |= Q(args=[pk])
    messages = OutboxMessage.objects.filter(
        wanted, task_name=SEND_NOTIFICATION_TASK, done_at__isnull=True
    ).only("args", "attempts", "deliveries", "last_error")
    return {message.args[0]: message for message in messages}


class NoticesChangeList(ChangeList):
    """Reads the outbox messages of the page's notices at once (each row would read
    its own)."""

    def get_results(self, request):
        super().get_results(request)
        found = pending_messages(n.pk for n in self.result_list if n.emailed_at is None)
        for notice in self.result_list:
            notice.outbox_message = found.get(notice.pk)


@admin.register(RequestNotification)
class RequestNotificationAdmin(ReadOnlyAdmin, LargeTableAdmin):
    staff_scope = OVERSIGHT  # operations: officers and auditors
    list_display = ["reference", "kind", "created", "emailed", "waiting", "delivery"]
    list_display_links = ["kind"]  # the reference links to the request
    list_filter = [EmailedFilter, "kind"]
    ordering = ["-created_at", "-pk"]
    fields = list_display
    readonly_fields = fields

    def get_queryset(self, request):
        # The notice's wording (its context) is personal data the list does not show.
        return super().get_queryset(request).defer("context")

    def get_changelist(self, request, **kwargs):
        return NoticesChangeList

    @admin.display(description=_("request"), ordering="request_id")
    def reference(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:rights_rightsrequest_change", args=[obj.request_id]),
            f"R-{obj.request_id:06d}",
        )

    @admin.display(description=zoned_heading(capfirst(_("created at"))), ordering="created_at")
    def created(self, obj):
        return moment(obj.created_at)

    @admin.display(description=zoned_heading(capfirst(_("e-mailed at"))), ordering="emailed_at")
    def emailed(self, obj):
        if obj.emailed_at is None:
            return format_html("<strong>{}</strong>", _("Not e-mailed"))
        return moment(obj.emailed_at)

    @admin.display(description=_("waiting for"))
    def waiting(self, obj):
        if obj.emailed_at is not None:
            return "—"
        return timesince(obj.created_at, timezone.now())

    @admin.display(description=_("outbox"))
    def delivery(self, obj):
        if obj.emailed_at is not None:
            return "—"
        if not hasattr(obj, "outbox_message"):  # the notice's own page
            obj.outbox_message = pending_messages([obj.pk]).get(obj.pk)
        message = obj.outbox_message
        if message is None:
            return "—"
        attempts = _("attempts: %(count)s") % {"count": message.attempts}
        if not message.last_error:
            return attempts
        return format_html('{}<br><span class="rr-code">{}</span>', attempts, message.last_error)

    class Media:
        css = {"all": ["css/admin-lists.css"]}
