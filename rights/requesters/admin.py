"""The identity section of a request's working page, and staff-entered requests.

Mixed into :class:`rights.admin.RightsRequestAdmin`: staff match the request
to a customer with the registry's subject search, open the documents (each
view audited), destroy a document showing a My Number, ask the person to
confirm an agent (CCPA §7063), and decide verified / not verified.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from portal.kernel import encryption
from portal.kernel.admin_confirm import is_confirmed
from portal.kernel.audit import audit_sent
from portal.kernel.converters import IdConverter
from portal.kernel.dates import AGE_OF_MAJORITY
from portal.kernel.selectors import services_visible_to, subjects_visible_to

from ..choices import Status
from ..confirmations import identity_rejection_confirmation
from ..selectors import STAFF, visible_documents
from ..services import DuplicateRequest
from ..uploads import download_response
from ..workflow import TransitionError
from .agents import agent_confirmation_request, subject_address
from .documents import document_destroy_my_number
from .matching import details_named, needs_declaration, subject_candidates
from .models import Capacity, RequestIdentity, VerificationStatus
from .staff_entry import staff_request_enter
from .staff_forms import DecisionForm, StaffEntryForm
from .verification import (
    identity_match_subject,
    identity_reject,
    identity_verify,
    represented_minor_age,
)


def match_reason_line(identity: RequestIdentity | None, request) -> str:
    """Why staff matched the customer on fewer details than matching needs, with the
    details that did match; empty when no reason was needed."""
    if identity is None or not request.subject_id or not identity.match_note:
        return ""
    values = {"details": details_named(identity.match_details), "reason": identity.match_note}
    if not identity.match_details:
        return _("Matched on none of the details given: %(reason)s") % values
    if len(identity.match_details) == 1:
        return _("Matched on one detail (%(details)s): %(reason)s") % values
    return _("Matched on %(details)s: %(reason)s") % values


# action -> (service, message to staff)
DECISIONS = {
    "verify": (identity_verify, _lazy("Identity verified: the request is in review.")),
    "reject": (
        identity_reject,
        _lazy("Not verified: the request is rejected and the requester told why."),
    ),
}


class IdentityAdminMixin:
    """Views and context of the identity section; see the module docstring."""

    def get_identity_urls(self, wrap, prefix):
        return [
            path("enter/", self.admin_site.admin_view(self.enter_view), name=f"{prefix}_enter"),
            path(
                "<id:pk>/identity/<slug:action>/",
                wrap(self.identity_action_view),
                name=f"{prefix}_identity",
            ),
            path(
                "<id:pk>/documents/<id:document_pk>/",
                self.admin_site.admin_view(self.identity_document_view),
                name=f"{prefix}_identity_document",
            ),
            path(
                "<id:pk>/documents/<id:document_pk>/my-number/",
                wrap(self.identity_my_number_view),
                name=f"{prefix}_identity_my_number",
            ),
        ]

    # -- the section on the working page ------------------------------------------------

    def identity_context(self, request, obj, *, can_work: bool) -> dict:
        identity = RequestIdentity.objects.filter(request=obj).first()
        documents = list(visible_documents(obj, STAFF).select_related("destroyed_by"))
        if identity is None and not documents:
            return {}
        pending = identity is not None and identity.verification == VerificationStatus.PENDING
        candidates = []
        if identity is not None and pending and can_work:
            candidates = subject_candidates(identity, request.user)
            # The candidates' details are personal data shown to staff.
            audit_sent(
                action="staff.viewed_subject_candidates",
                actor=request.user,
                target=obj,
                request=request,
                details={"candidates": len(candidates)},
            )
        return {
            "identity": identity,
            "identity_documents": documents,
            "identity_pending": pending,
            "identity_candidates": candidates,
            "identity_may_decide": pending
            and can_work
            and obj.status == Status.AWAITING_VERIFICATION,
            "identity_may_ask_person": pending
            and can_work
            and identity.capacity == Capacity.AGENT
            and bool(subject_address(obj)),
            "identity_decision_form": DecisionForm(),
            "identity_needs_declaration": needs_declaration(obj, identity),
            "identity_match_reason": match_reason_line(identity, obj),
            "identity_age": represented_minor_age(identity, obj),
            "identity_of_age": AGE_OF_MAJORITY,
        }

    # -- actions ----------------------------------------------------------------------------

    def identity_action_view(self, request, pk, action):
        obj = self._object_for_work(request, pk)
        try:
            if action == "match":
                subject = None
                if posted := request.POST.get("subject"):
                    # Only what an id in a URL may be; anything else is not found, as there.
                    if not re.fullmatch(IdConverter.regex, posted):
                        raise Http404
                    subject = (
                        subjects_visible_to(request.user, get_user_model().objects.all())
                        .filter(pk=posted, is_staff=False)
                        .first()
                    )
                    if subject is None:
                        raise Http404
                identity_match_subject(
                    request=obj,
                    subject=subject,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    http_request=request,
                )
                self.message_user(request, _("The request's customer is recorded."))
            elif action in DECISIONS:
                decide, text = DECISIONS[action]
                form = DecisionForm(request.POST)
                form.is_valid()
                if action == "reject" and not is_confirmed(request):
                    # Not verified rejects the request and tells the requester: asked first.
                    confirmation = identity_rejection_confirmation(
                        obj, actor=request.user, note=form.cleaned_data.get("note", "")
                    )
                    return self.confirmation_page(request, obj, confirmation)
                extra = {
                    "no_customer": form.cleaned_data.get("no_customer", False),
                    "declaration": form.cleaned_data.get("declaration", False),
                }
                decide(
                    request=obj,
                    actor=request.user,
                    note=form.cleaned_data.get("note", ""),
                    http_request=request,
                    **(extra if action == "verify" else {}),
                )
                self.message_user(request, text)
            elif action == "ask-person":
                agent_confirmation_request(request=obj, actor=request.user, http_request=request)
                self.message_user(request, _("The person is asked by e-mail to confirm the agent."))
            else:
                raise Http404
        except (ValidationError, TransitionError) as error:
            self._report(request, None, error)
        return self._back(obj)

    def _identity_document(self, request, pk, document_pk) -> tuple:
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        document = visible_documents(obj, STAFF).filter(pk=document_pk).first()
        if document is None:
            raise Http404
        return obj, document

    def identity_document_view(self, request, pk, document_pk):
        """Open a document (inline); every view is audited."""
        obj, document = self._identity_document(request, pk, document_pk)
        if document.is_destroyed or not document.file:
            raise Http404
        audit_sent(
            action="staff.viewed_identity_document",
            actor=request.user,
            target=document,
            subject=obj.subject,
            request=request,
            details={"request": obj.pk, "kind": document.kind},
        )
        return download_response(
            document.file,
            name=document.original_name,
            content_type=document.content_type,
            inline=True,
        )

    def identity_my_number_view(self, request, pk, document_pk):
        obj = self._object_for_work(request, pk)
        _obj, document = self._identity_document(request, obj.pk, document_pk)
        if request.POST.get("confirm") != "1":
            self.message_user(
                request,
                _("Tick that the document shows a My Number to destroy it."),
                messages.ERROR,
            )
            return self._back(obj)
        document_destroy_my_number(document=document, actor=request.user, http_request=request)
        self.message_user(
            request,
            _("The document is destroyed; only the fact that it was is kept."),
            messages.WARNING,
        )
        return self._back(obj)

    # -- staff-entered requests -------------------------------------------------------------

    def has_add_permission(self, request):
        return request.user.has_perm("rights.add_rightsrequest")

    def add_view(self, request, form_url="", extra_context=None):
        # The admin's "add" is the entry form, with the same permission check.
        return self.enter_view(request)

    def duplicates_context(self, request, duplicates: list) -> dict:
        """The open duplicates for the entry form: those the staff member may open
        (this admin's rows, the staff access policy) listed; the others only counted,
        their ids sealed in the form so that the tick still covers them and the page
        says nothing of them (``StaffEntryForm.confirmed_duplicates``)."""
        pks = [duplicate.pk for duplicate in duplicates]
        opened = set(self.get_queryset(request).filter(pk__in=pks).values_list("pk", flat=True))
        others = [pk for pk in pks if pk not in opened]
        return {
            "duplicates": [duplicate for duplicate in duplicates if duplicate.pk in opened],
            "duplicates_unseen": len(others),
            "duplicates_sealed": encryption.encrypt(",".join(map(str, others))),
            "duplicates_found": bool(duplicates),
        }

    def enter_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        # A handler names the services they handle; officers any service.
        form = StaffEntryForm(request.POST or None, services=services_visible_to(request.user))
        duplicates = []
        if request.method == "POST" and form.is_valid():
            visible = subjects_visible_to(request.user, get_user_model().objects.all())
            if not visible.filter(pk=form.subject.pk).exists():
                form.add_error("subject_email", _("No customer has this e-mail address."))
            else:
                data = form.cleaned_data
                categories, scope = form.scope()
                try:
                    filed = staff_request_enter(
                        categories=categories,
                        scope=scope,
                        services=form.chosen_services(),
                        subject=form.subject,
                        kind=data["kind"],
                        channel=data["channel"],
                        received_on=data["received_on"],
                        regime=data["regime"],
                        details=data["details"],
                        delivery_method=data["delivery_method"],
                        needs_verification=data["needs_verification"],
                        # Filing beside an open request of the same kind and scope
                        # needs the tick on the form that showed it.
                        confirmed_duplicates=form.confirmed_duplicates(),
                        actor=request.user,
                        http_request=request,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                except DuplicateRequest as duplicate:
                    duplicates = duplicate.duplicates
                else:
                    self.message_user(
                        request,
                        _("Request %(ref)s entered; its deadline counts from the date received.")
                        % {"ref": filed.reference},
                    )
                    return HttpResponseRedirect(
                        reverse("admin:rights_rightsrequest_change", args=[filed.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            **self.duplicates_context(request, duplicates),
            "title": _("Enter a request received by letter, phone or in person"),
        }
        return TemplateResponse(request, "admin/rights/rightsrequest/enter.html", context)
