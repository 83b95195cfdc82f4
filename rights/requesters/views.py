"""The follow pages of a request filed without an account; the public form itself is
in ``start_views``, the person's confirmation of an agent in ``agent_views``.

``/requests/follow/<token>/``: the page a requester without an account follows
their request on, reached by the link in every notice mailed to them. It shows
nothing but the reference until the address is confirmed with a mailed code;
the session then remembers the request for ``SESSION_IDLE_TIMEOUT`` seconds
from the last visit.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.kernel.audit import audit_sent
from portal.kernel.codes import email_code_minutes
from portal.kernel.decorators import step_up_required
from portal.kernel.typed_text import form_refuses_control_characters

from ..choices import PaymentStatus
from ..disclosure.models import DisclosurePackage
from ..disclosure.selectors import delivery_for_customer
from ..disclosure.views import serve_package
from ..message_form import MessageForm, WithdrawForm
from ..models import RightsRequest
from ..notice_text import render_notice
from ..progress import progress_of
from ..selectors import (
    REPRESENTED,
    customer_role,
    follow_role,
    request_view,
    visible_documents,
)
from ..summary import asked_lines
from ..transition_rules import fee_paid
from ..uploads import download_response
from ..views import _own_request, how_to_pay, message_send
from .follow import (
    follow_confirmation_verify,
    follow_may_withdraw,
    follow_withdraw,
    request_for_follow_token,
)
from .follow_links import address_digest
from .forms import CodeForm
from .public_form import CodeRefused, email_confirmation_start
from .throttle import throttled, too_many

FOLLOW_SESSION_KEY = "rights_follow"


def _follow_state(request) -> dict:
    return request.session.get(FOLLOW_SESSION_KEY) or {}


def confirmed_follow(request, token) -> tuple[RightsRequest, str, bool] | None:
    """(the request, the address, whether the visitor filed it) of a follow link whose
    address this session has confirmed, for the pages under the follow page; None when
    it has not (they send the visitor to the follow page for a code); 404 for a token
    that names no request."""
    found = request_for_follow_token(token)
    if found is None:
        raise Http404
    rights_request, email, _is_requester = found
    return found if _follow_confirmed(request, rights_request, email) else None


def _follow_confirmed(request, rights_request: RightsRequest, email: str) -> bool:
    """Whether this session confirmed ``email`` for the request recently; a visit
    within the time keeps it confirmed.

    The session holds the address's keyed digest, never the address: session
    data is stored readable (signed, not encrypted)."""
    state = _follow_state(request)
    entry = state.get(str(rights_request.pk)) or {}
    now = timezone.now().timestamp()
    confirmed = entry.get("address") == address_digest(email)
    if not confirmed or now - entry.get("seen", 0) > settings.SESSION_IDLE_TIMEOUT:
        return False
    entry["seen"] = now
    request.session[FOLLOW_SESSION_KEY] = {**state, str(rights_request.pk): entry}
    return True


def _follow_remember(request, rights_request: RightsRequest, email: str) -> None:
    state = {
        key: value
        for key, value in _follow_state(request).items()
        if key != "code" and key != str(rights_request.pk)
    }
    state[str(rights_request.pk)] = {
        "address": address_digest(email),
        "seen": timezone.now().timestamp(),
    }
    request.session.cycle_key()  # a session key planted before the code is worth nothing after
    request.session[FOLLOW_SESSION_KEY] = state


@form_refuses_control_characters
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow(request, token):
    """A request followed without an account: the code step, then the request's page."""
    found = request_for_follow_token(token)
    if found is None:
        raise Http404
    rights_request, email, is_requester = found
    if not _follow_confirmed(request, rights_request, email):
        return _follow_code(request, rights_request, email)
    role = follow_role(is_requester)
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request_view(rights_request, role).can_write:
        exceeded = throttled(request, step="follow", email=email)
        if exceeded:
            return too_many(request, exceeded)
        if message_send(request, form, rights_request=rights_request, author=None):
            return redirect("identity:follow", token=token)
    rights_request.refresh_from_db()
    view = request_view(rights_request, role, thread_page=request.GET.get("page"))
    return render(
        request,
        "rights/public/follow.html",
        {
            "req": rights_request,
            "form": form,
            "can_write": view.can_write,
            "notices": _follow_notices(request, view),
            "progress": progress_of(rights_request),
            # What was asked, in words that do not call the data the reader's own:
            # the reader may act for the person it is about.
            "details_shown": view.details,
            "asked": asked_lines(rights_request) if view.details else [],
            "timeline": view.timeline,
            "fee": rights_request.payments.exclude(status=PaymentStatus.CANCELLED).first()
            if view.fee
            else None,
            "receipt_url": reverse("identity:follow_receipt", kwargs={"token": token}),
            "how_to_pay": how_to_pay(),
            "delivery": _follow_delivery(rights_request, token) if view.delivery else None,
            "documents": view.documents,
            "acted_for": _acted_for(rights_request) if is_requester else "",
            "keep_days": settings.RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS,
            "new_request_url": reverse("identity:start"),
            "withdraw_url": reverse("identity:follow_withdraw", kwargs={"token": token})
            if follow_may_withdraw(rights_request, is_requester=is_requester)
            else "",
            "fee_paid": rights_request.is_open and fee_paid(rights_request),
        },
    )


def _withdraw_page(request, rights_request, form, back):
    """The page that asks before a withdrawal on the follow page (again, with the
    form's errors, when the reason was refused)."""
    return render(
        request,
        "rights/withdraw_confirm.html",
        {"req": rights_request, "form": form, "action_url": request.path, "back_url": back},
    )


@form_refuses_control_characters
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_withdraw_view(request, token):
    """The requester without an account withdraws their request: a page that says what it
    means, then the POST; only once their address is confirmed on the follow page."""
    followed = confirmed_follow(request, token)
    if followed is None:
        return redirect("identity:follow", token=token)
    rights_request, email, is_requester = followed
    if not is_requester:
        raise Http404  # the person an agent acted for: the request is the requester's
    back = reverse("identity:follow", kwargs={"token": token})
    if request.method != "POST":
        if not follow_may_withdraw(rights_request, is_requester=is_requester):
            messages.error(request, _("This request can no longer be withdrawn."))
            return redirect(back)
        return _withdraw_page(request, rights_request, WithdrawForm(), back)
    exceeded = throttled(request, step="follow", email=email)
    if exceeded:
        return too_many(request, exceeded)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _withdraw_page(request, rights_request, form, back)
    if follow_withdraw(
        request=rights_request, reason=form.cleaned_data["reason"], http_request=request
    ):
        messages.success(request, _("Your request is withdrawn."))
    else:
        messages.error(request, _("This request can no longer be withdrawn."))
    return redirect(back)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_download(request, token):
    """The disclosure or notice of purposes of a request followed without an account:
    the same page, single-use link and audit as a customer's download, for the
    requester once their address is confirmed on the follow page."""
    followed = confirmed_follow(request, token)
    if followed is None:
        return redirect("identity:follow", token=token)
    rights_request, email, is_requester = followed
    if not request_view(rights_request, follow_role(is_requester)).delivery:
        raise Http404  # the person an agent acted for: the answer is the requester's
    package = DisclosurePackage.objects.filter(request=rights_request).first()
    if package is None:
        raise Http404
    return serve_package(
        request,
        package,
        actor=None,
        back_url=reverse("identity:follow", kwargs={"token": token}),
        new_request_url=reverse("identity:start"),
        about=_acted_for(rights_request),
    )


def _acted_for(rights_request: RightsRequest) -> str:
    """The name of the person a representative or an agent acted for; empty when the
    requester asked for themself."""
    identity = getattr(rights_request, "identity", None)
    return identity.subject_name if identity is not None and identity.by_agent else ""


def _follow_delivery(rights_request: RightsRequest, token: str):
    """The delivery box of the follow page, its button pointing to the follow download."""
    delivery = delivery_for_customer(rights_request)
    if delivery is None or delivery.package is None:
        return delivery
    return dataclasses.replace(
        delivery, url=reverse("identity:follow_download", kwargs={"token": token})
    )


def _follow_code(request, rights_request: RightsRequest, email: str):
    """Only the reference, and the form to mail and enter a code for ``email``."""
    state = _follow_state(request)
    pending = state.get("code") or {}
    sent = pending.get("request") == rights_request.pk and pending.get("address") == address_digest(
        email
    )
    form = CodeForm(request.POST or None) if sent and "code" in request.POST else CodeForm()
    if request.method == "POST" and "send" in request.POST:
        exceeded = throttled(request, step="start", email=email)
        if exceeded:
            return too_many(request, exceeded)
        confirmation = email_confirmation_start(email=email, language=request.LANGUAGE_CODE)
        state["code"] = {
            "request": rights_request.pk,
            "address": address_digest(email),
            "confirmation": confirmation.pk,
        }
        request.session[FOLLOW_SESSION_KEY] = state
        return redirect(request.path)
    if request.method == "POST" and sent and form.is_valid():
        exceeded = throttled(request, step="code", email=email)
        if exceeded:
            return too_many(request, exceeded)
        try:
            follow_confirmation_verify(
                confirmation_id=pending["confirmation"],
                email=email,
                code=form.cleaned_data["code"],
            )
        except CodeRefused as error:
            form.add_error("code", str(error))
        else:
            _follow_remember(request, rights_request, email)
            return redirect(request.path)
    return render(
        request,
        "rights/public/follow_code.html",
        {
            "reference": rights_request.reference,
            "form": form,
            "sent": sent,
            "valid_minutes": email_code_minutes(),
        },
    )


def _follow_notices(request, view) -> list:
    """The notices ``view`` lets the follow page show: all of them to the requester, the
    copies of the outcome to the person an agent acted for."""
    # Worded for the e-mail, less the link back to this very page.
    return [
        (
            n,
            *render_notice(
                n,
                language=request.LANGUAGE_CODE,
                has_account=False,
                principal=view.role == REPRESENTED,
            ),
        )
        for n in view.notices
    ]


@step_up_required
def document_download(request, pk, document_pk):
    """One of the documents of the customer's own request (404 for anyone else's, and for
    the person an agent acted for: the agent's proof is not theirs to see)."""

    rights_request = _own_request(request, pk)
    document = (
        visible_documents(rights_request, customer_role(rights_request, request.user))
        .filter(pk=document_pk, destroyed_at__isnull=True)
        .exclude(file="")
        .first()
    )
    if document is None:
        raise Http404
    audit_sent(
        action="request.identity_document_downloaded",
        actor=request.user,
        target=document,
        subject=rights_request.subject,
        request=request,
    )
    return download_response(
        document.file, name=document.original_name, content_type=document.content_type
    )
