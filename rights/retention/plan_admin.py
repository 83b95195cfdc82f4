"""The erasure plan page of a deletion in the admin (:mod:`.preview`).

The working page's "in progress" button of a deletion whose plan is not yet
confirmed leads here: the plan, then "Erase as shown", which sends the plan's
fingerprint. A plan that changed in between is shown again, new, with a warning.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from rights import workflow
from rights.choices import Kind, Status
from rights.notifications import downloads_left
from rights.selectors import open_requests_followed_by
from rights.workflow import TransitionError

from .models import AccountClosure, DeferredErasure
from .preview import PlanChanged, erasure_preview, plan_confirm
from .steps import copies_awaited


class ErasurePlanAdminMixin:
    """For RightsRequestAdmin: the plan page and the check that leads to it."""

    def get_erasure_plan_urls(self, prefix):
        return [
            path(
                "<id:pk>/erasure-plan/",
                self.admin_site.admin_view(self.erasure_plan_view),
                name=f"{prefix}_erasure_plan",
            )
        ]

    @staticmethod
    def needs_erasure_plan(obj, to: str) -> bool:
        """A deletion's move to "in progress" without a confirmed plan yet."""
        return (
            obj.kind == Kind.DELETION
            and to == Status.IN_PROGRESS
            and not obj.deferred_erasures.exists()
        )

    @staticmethod
    def may_start(obj, user) -> bool:
        """The workflow would accept the move now (else its refusal is shown as usual)."""
        return Status.IN_PROGRESS in workflow.allowed_transitions(obj, user)

    def transition_label(self, obj, status: str) -> str:
        """A status button's label; a deletion's "in progress" says its plan comes first."""
        if self.needs_erasure_plan(obj, status):
            return _("In progress (shows the erasure plan first)")
        return Status(status).label

    def account_closing_context(self, request, obj) -> dict:
        """For an open deletion that closes the account: the customer's other open
        requests, which stay open while the customer can no longer log in to follow them,
        and their answered requests whose files can still be downloaded, which the final
        notice of the deletion gives the follow links of. Those this staff member may
        open (this admin's rows) are listed, the others only counted."""
        closure = closed_account(obj)
        if closure is not None:
            return {"closed_by": closure.request}
        closes = (
            obj is not None
            and obj.kind == Kind.DELETION
            and obj.is_open
            and obj.subject is not None
            and bool((obj.scope or {}).get("everything"))
        )
        if not closes:
            return {}
        others = open_requests_followed_by(obj.subject, besides=obj)
        mine = self.get_queryset(request).filter(pk__in=others.values("pk"))
        shown = list(mine.order_by("received_at", "pk"))
        downloads = downloads_left(obj, obj.subject.email)
        visible = set(
            self.get_queryset(request)
            .filter(pk__in=[p.request_id for p in downloads])
            .values_list("pk", flat=True)
        )
        seen_downloads = [p for p in downloads if p.request_id in visible]
        return {
            "closes_account": True,
            "other_open": shown,
            "other_open_unseen": others.count() - len(shown),
            "downloads_left": seen_downloads,
            "downloads_left_unseen": len(downloads) - len(seen_downloads),
            "downloads_left_count": len(downloads),
        }

    @staticmethod
    def copy_wait_context(obj) -> dict:
        """For a deletion in progress whose erasure waits: the disclosures of the same
        person received before it whose package is still to be built (their copy comes
        first, :func:`.steps.copies_awaited`)."""
        if obj is None or obj.kind != Kind.DELETION or obj.status != Status.IN_PROGRESS:
            return {}
        waits = obj.deferred_erasures.filter(
            status=DeferredErasure.Status.PENDING, reason=DeferredErasure.Reason.REQUEST
        ).exists()
        return {"copies_awaited": list(copies_awaited(obj))} if waits else {}

    def erasure_plan_redirect(self, obj):
        return HttpResponseRedirect(
            reverse("admin:rights_rightsrequest_erasure_plan", args=[obj.pk])
        )

    def erasure_plan_view(self, request, pk):
        obj = self._object_for_work(request, pk)
        if obj.kind != Kind.DELETION:
            raise Http404
        if (
            obj.subject is None
            or not self.needs_erasure_plan(obj, Status.IN_PROGRESS)
            or not self.may_start(obj, request.user)
        ):
            self.message_user(request, _("This deletion has no plan to confirm."), messages.WARNING)
            return self._back(obj)
        if request.method == "POST":
            try:
                plan_confirm(
                    request=obj,
                    fingerprint=request.POST.get("fingerprint", ""),
                    actor=request.user,
                    http_request=request,
                )
            except PlanChanged as changed:
                plan = changed.plan
                self.message_user(
                    request,
                    _(
                        "The plan changed since it was shown: nothing was erased. Check the "
                        "plan below, then confirm it."
                    ),
                    messages.WARNING,
                )
            except (TransitionError, ValidationError) as error:
                self._report(request, None, error)
                return self._back(obj)
            else:
                self.message_user(
                    request, _("Plan confirmed: the erasure runs as shown."), messages.SUCCESS
                )
                return self._back(obj)
        else:
            plan = erasure_preview(obj)
        self.audit_view(request, obj, screen="erasure_plan")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": _("Erasure plan of %(ref)s") % {"ref": obj.reference},
            "plan": plan,
            **self.account_closing_context(request, obj),
        }
        return TemplateResponse(request, "admin/rights/rightsrequest/erasure_plan.html", context)


def closed_account(obj) -> AccountClosure | None:
    """The closure of the account of the person an open request is about (or of its
    requester), if closed: the request is still answered, by e-mail only."""
    if obj is None or not obj.is_open:
        return None
    people = [pk for pk in (obj.subject_id, obj.requester_id) if pk]
    return (
        AccountClosure.objects.filter(user_id__in=people)
        .select_related("request")
        .order_by("closed_at")
        .first()
    )
