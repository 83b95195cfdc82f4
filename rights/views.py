"""The customer's request pages. Every lookup is scoped to the logged-in person."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from portal.kernel.audit import audit_sent
from portal.kernel.company import setting_in_language
from portal.kernel.decorators import step_up_required
from portal.kernel.stepup import kept_form
from portal.kernel.typed_text import form_refuses_control_characters, without_control_characters

from . import fees, services, workflow
from .choices import CHARGEABLE_KINDS, Kind, PaymentStatus, Status
from .connectors.summary import customer_summary
from .correction import requested_changes
from .disclosure.selectors import delivery_for_customer
from .forms import FORMS
from .message_form import MessageForm, WithdrawForm
from .models import RightsRequest
from .notice_text import render_notice
from .notifications import recipient_of, with_answer_addresses
from .paging import REQUESTS_PER_PAGE, page_of
from .payments import BadSignature, UnknownProvider, get_provider
from .progress import progress_of
from .selectors import (
    REPRESENTED,
    customer_role,
    open_requests_followed_by,
    request_view,
    sees_whole_request,
    visible_messages,
)
from .service_choice import customer_services
from .summary import fee_only_if_unfounded, kind_overview, request_summary, summary_of
from .transition_rules import fee_paid
from .uploads import download_response

logger = logging.getLogger(__name__)

KIND_HELP = {
    Kind.DISCLOSURE: gettext_lazy(
        "Receive a copy of the personal data we hold about you, with where it came from, "
        "why we use it, how long we keep it and to whom we gave it."
    ),
    Kind.CORRECTION: gettext_lazy("Ask us to correct, add to or remove an item that is not true."),
    Kind.STOP_USE: gettext_lazy(
        "Ask us to stop using your data for a purpose, for example when it is used beyond "
        "what we told you or is no longer needed."
    ),
    Kind.STOP_PROVISION: gettext_lazy("Ask us to stop giving your data to a third party."),
    Kind.DELETION: gettext_lazy(
        "Ask us to delete your data. Data a law requires us to keep is kept until that "
        "period ends; we tell you what and until when."
    ),
    Kind.PURPOSE_NOTICE: gettext_lazy(
        "Receive a statement of the purposes for which we use your data."
    ),
}


def _own_request(request, pk) -> RightsRequest:
    found = RightsRequest.objects.for_customer(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@never_cache
@step_up_required
def request_list(request):
    requests = RightsRequest.objects.for_customer(request.user).order_by("-received_at", "-pk")
    page = page_of(Paginator(requests, REQUESTS_PER_PAGE), request.GET.get("page"))
    return render(request, "rights/request_list.html", {"requests": page})


#: One line per kind on the type picker (the form's page says more: ``KIND_HELP``).
KIND_LINE = {
    Kind.DISCLOSURE: gettext_lazy("A copy of the personal data we hold about you."),
    Kind.CORRECTION: gettext_lazy("Correct, add to or remove an item that is not true."),
    Kind.STOP_USE: gettext_lazy("Stop a use of your data, e.g. for marketing."),
    Kind.STOP_PROVISION: gettext_lazy("Stop giving your data to a third party."),
    Kind.DELETION: gettext_lazy("Delete your data, or close your account."),
    Kind.PURPOSE_NOTICE: gettext_lazy("A statement of the purposes we use your data for."),
}


@step_up_required
def request_new(request):
    service = _chosen_service(request)
    query = "?" + urlencode({"service": service.code}) if service else ""
    # Only the kinds whose form names services carry the service on.
    kinds = [
        (
            kind,
            Kind(kind).label,
            KIND_LINE[kind],
            kind_overview(kind),
            query if "services" in FORMS[kind].base_fields else "",
        )
        for kind in Kind.values
    ]
    return render(request, "rights/request_new.html", {"kinds": kinds, "service": service})


def _chosen_service(request):
    """The service a service's public page asked about (``?service=<code>``), when the
    customer uses it; anything else is ignored."""
    code = request.GET.get("service", "")
    return customer_services(request.user).filter(code=code).first() if code else None


#: The buttons of the two steps: the form posts "review"; the review page posts
#: "file" (file the request) or "change" (back to the form, values kept).
STEP_REVIEW, STEP_FILE, STEP_CHANGE = "review", "file", "change"


@form_refuses_control_characters
@never_cache
@step_up_required(keeps_form=True)
@require_http_methods(["GET", "HEAD", "POST"])
def request_create(request, kind):
    """Fill in the form, check the summary, then file.

    Nothing is filed before the customer has seen the summary of the request
    and pressed "File this request": a deletion cannot be undone once carried
    out, and a stop lasts until the customer asks us to lift it. The review page
    carries the validated answers as hidden fields, so the form is validated again
    when filing; fields that only the review page shows (the correction's evidence
    file) are checked there.
    """
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404
    service = _chosen_service(request) if request.method != "POST" else None
    # On a GET, what the customer typed before their code check ran out, if anything.
    data = request.POST if request.method == "POST" else kept_form(request)
    form = form_class(
        data or None,
        request.FILES or None,
        subject=request.user,
        initial={"services": [service.pk]} if service else None,
    )
    step = request.POST.get("step", STEP_REVIEW)
    if request.method != "POST" or step == STEP_CHANGE:
        return _render_form(request, form, kind)
    if not form.is_valid():
        if any(name not in form.review_only for name in form.errors):
            return _render_form(request, form, kind)
        return _render_review(request, form, kind, duplicates=[])
    if step != STEP_FILE:
        duplicates = services.open_duplicates(
            subject=request.user,
            kind=kind,
            services=form.services(),
            categories=form.categories(),
            scope=form.scope(),
        )
        return _render_review(request, form, kind, duplicates=duplicates)
    try:
        # Filing beside an open duplicate needs the explicit click on the review page
        # that showed it.
        filed = services.request_file(
            confirmed_duplicates=form.confirmed_duplicates(),
            subject=request.user,
            requester=request.user,
            kind=kind,
            services=form.services(),
            categories=form.categories(),
            scope=form.scope(),
            details=form.cleaned_data.get("details", ""),
            delivery_method=form.cleaned_data.get("delivery_method", ""),
            organisation=form.cleaned_data.get("organisation"),
            actor=request.user,
            http_request=request,
        )
    except services.DuplicateRequest as duplicate:
        return _render_review(request, form, kind, duplicates=duplicate.duplicates)
    evidence = form.cleaned_data.get("evidence")
    if evidence:
        services.message_post(
            request=filed,
            author=request.user,
            body=_("Evidence for the correction."),
            attachment=evidence,
            attachment_type=form.evidence_type,
            http_request=request,
        )
    messages.success(request, _("Your request is filed. We have sent you a receipt."))
    return redirect("rights:request_detail", pk=filed.pk)


def _kind_context(kind) -> dict:
    return {
        "kind": kind,
        "kind_label": Kind(kind).label,
        "kind_help": KIND_HELP[kind],
        "chargeable": kind in CHARGEABLE_KINDS,
        # Filed under the default regime: a published fee only under the APPI.
        "fee_only_if_unfounded": fee_only_if_unfounded(kind),
    }


def _render_form(request, form, kind):
    return render(
        request,
        "rights/request_form.html",
        {"form": form, "step_review": STEP_REVIEW, **_kind_context(kind)},
    )


def _render_review(request, form, kind, *, duplicates):
    summary = request_summary(
        kind=kind,
        services=form.services(),
        categories=form.categories(),
        scope=form.scope(),
        delivery_method=form.cleaned_data.get("delivery_method", ""),
        customer=request.user,
    )
    # Closing the account ends the customer's access to the pages of these; each
    # says where its answer goes when not (only) to the customer.
    still_open = (
        with_answer_addresses(open_requests_followed_by(request.user), request.user.email)
        if summary.account_closes
        else []
    )
    return render(
        request,
        "rights/request_review.html",
        {
            "form": form,
            "summary": summary,
            "duplicates": duplicates,
            "still_open": still_open,
            "answered_elsewhere": any(r.answered_to for r in still_open),
            "step_file": STEP_FILE,
            "step_change": STEP_CHANGE,
            **_kind_context(kind),
        },
    )


@form_refuses_control_characters
@never_cache
@step_up_required(keeps_form=True)
@require_http_methods(["GET", "HEAD", "POST"])
def request_detail(request, pk):
    rights_request = _own_request(request, pk)
    view = request_view(
        rights_request,
        customer_role(rights_request, request.user),
        thread_page=request.GET.get("page"),
    )
    data = request.POST if request.method == "POST" else kept_form(request)
    form = MessageForm(data or None, request.FILES or None)
    unsent = ""
    if request.method == "POST":
        if not view.can_write:
            messages.error(
                request,
                _("This request is closed: its thread takes no more messages.")
                if not rights_request.is_open
                else _("Only whoever filed the request writes in its thread."),
            )
            # The page shows what was typed, to be copied: it closed while they wrote.
            unsent = without_control_characters(request.POST.get("body", ""), separator="\n")
        elif message_send(request, form, rights_request=rights_request, author=request.user):
            return redirect("rights:request_detail", pk=rights_request.pk)
    notices = [
        (n, *render_notice(n, language=request.LANGUAGE_CODE, principal=view.role == REPRESENTED))
        for n in view.notices
    ]
    return render(
        request,
        "rights/request_detail.html",
        {
            "req": rights_request,
            "changes": requested_changes(rights_request) if view.details else [],
            "summary": summary_of(rights_request) if view.details else None,
            "progress": progress_of(rights_request),
            "show_details": view.details,
            "form": form,
            "notices": notices,
            "timeline": view.timeline,
            "can_write": view.can_write,
            "unsent": unsent,
            "can_withdraw": _may_withdraw(rights_request, request.user),
            "fee_paid": view.fee and rights_request.is_open and fee_paid(rights_request),
            "fee": rights_request.payments.exclude(status=PaymentStatus.CANCELLED).first()
            if view.fee
            else None,
            "how_to_pay": how_to_pay(),
            "delivery": delivery_for_customer(rights_request) if view.delivery else None,
            "systems": customer_summary(rights_request) if view.details else None,
            "documents": view.documents,
        },
    )


def message_send(request, form: MessageForm, *, rights_request: RightsRequest, author) -> bool:
    """Post the valid message ``form`` to the request's thread; True when it is sent,
    else the form carries the error. ``author`` None: the requester without an account."""
    if not form.is_valid():
        return False
    try:
        services.message_post(
            request=rights_request,
            author=author,
            body=form.cleaned_data["body"],
            attachment=form.cleaned_data.get("attachment"),
            attachment_type=getattr(form, "attachment_type", ""),
            http_request=request,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Your message is sent."))
    return True


def _may_withdraw(rights_request: RightsRequest, user) -> bool:
    """Whether ``user`` may withdraw the request now: not the person a representative or
    an agent filed it for, nor the account a request filed without one was matched to
    before identity is verified (``selectors.REPRESENTED``), as on the follow page."""
    return customer_role(rights_request, user) != REPRESENTED and (
        Status.WITHDRAWN in workflow.allowed_transitions(rights_request, user)
    )


@form_refuses_control_characters
@step_up_required
def request_withdraw(request, pk):
    """Withdraw one's own request: a page that says what it means, then the POST."""
    rights_request = _own_request(request, pk)
    if customer_role(rights_request, request.user) == REPRESENTED:
        raise Http404
    if request.method != "POST":
        if Status.WITHDRAWN not in workflow.allowed_transitions(rights_request, request.user):
            messages.error(request, _("This request can no longer be withdrawn."))
            return redirect(reverse("rights:request_detail", kwargs={"pk": rights_request.pk}))
        return render(
            request, "rights/withdraw_confirm.html", {"req": rights_request, "form": WithdrawForm()}
        )
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return render(
            request, "rights/withdraw_confirm.html", {"req": rights_request, "form": form}
        )
    try:
        workflow.transition(
            rights_request,
            to=Status.WITHDRAWN,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            http_request=request,
        )
    except workflow.TransitionError:
        # Staff moved it on since the page was shown (or it is closed): the words the
        # page itself uses, not the workflow's.
        messages.error(request, _("This request can no longer be withdrawn."))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect(reverse("rights:request_detail", kwargs={"pk": rights_request.pk}))


@step_up_required
def attachment_download(request, pk, message_pk):
    rights_request = _own_request(request, pk)
    role = customer_role(rights_request, request.user)
    message = (
        visible_messages(rights_request, role).filter(pk=message_pk).exclude(attachment="").first()
    )
    if message is None:
        raise Http404
    audit_sent(
        action="request.attachment_downloaded",
        actor=request.user,
        target=message,
        subject=rights_request.subject,
        request=request,
    )
    return download_response(
        message.attachment, name=message.attachment_name, content_type=message.attachment_type
    )


def how_to_pay() -> dict:
    """The payment details the fee page and a fee due show."""
    return {
        "bank_account": setting_in_language("RIGHTS_FEE_BANK_ACCOUNT"),
        "postal_address": setting_in_language("RIGHTS_FEE_POSTAL_ADDRESS"),
        "unpaid_days": settings.RIGHTS_FEE_UNPAID_DAYS,
    }


def fee_schedule(request):
    """The published fees (APPI art. 38), how to pay them and how long a request waits."""
    return render(
        request,
        "rights/fees.html",
        {"schedule": fees.current_schedule(), "how_to_pay": how_to_pay()},
    )


@never_cache
@step_up_required
def receipt(request, pk):
    """A printable receipt for the paid fee of one of the customer's own requests."""
    rights_request = _own_request(request, pk)
    if not sees_whole_request(customer_role(rights_request, request.user)):
        raise Http404  # the requester pays, and the receipt is theirs
    return receipt_page(
        request, rights_request, actor=request.user, payer_name=payer_name(rights_request)
    )


def payer_name(rights_request: RightsRequest) -> str:
    """The name a customer's receipt is made out to: theirs, or their address when the
    profile has none."""
    payer = recipient_of(rights_request)
    profile = getattr(payer, "profile", None)
    return (profile.full_name if profile else "") or payer.email


def receipt_page(
    request, rights_request: RightsRequest, *, actor, payer_name: str, back_url: str = ""
):
    """The receipt of ``rights_request``'s paid (or refunded) fee, its viewing audited;
    404 when no fee was paid. The caller has checked that the visitor is the payer."""
    payment = (
        rights_request.payments.filter(status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED])
        .order_by("-paid_at", "-pk")
        .first()
    )
    if payment is None:
        raise Http404
    audit_sent(
        action="request.receipt_viewed",
        actor=actor,
        target=payment,
        subject=rights_request.subject,
        request=request,
    )
    return render(
        request,
        "rights/receipt.html",
        {
            "req": rights_request,
            "payment": payment,
            "payer_name": payer_name,
            "back_url": back_url,
            "issuer": setting_in_language("RIGHTS_FEE_RECEIPT_ISSUER"),
            "issuer_registration": settings.RIGHTS_FEE_INVOICE_REGISTRATION,
        },
    )


@csrf_exempt
@require_POST
def payment_webhook(request, provider):
    """A payment provider reports a payment. Verified by signature; applied once per event."""
    try:
        adapter = get_provider(provider)
    except UnknownProvider as error:
        raise Http404 from error
    try:
        event = adapter.verify(request)
    except BadSignature as error:
        logger.warning("Refused %s webhook call: %s", provider, error)
        return HttpResponseBadRequest("bad signature")
    if event is None:
        return JsonResponse({"status": "ignored"})
    stored = fees.webhook_event_handle(provider=adapter.name, event=event)
    return JsonResponse({"status": stored.outcome})
