"""The public form (no account needed): the e-mail address, then the code mailed to it,
then the form with the documents, then a receipt page.

The session carries only the id of the confirmation (and afterwards of the filed
request); each step is rate-limited per IP address and per e-mail address. A form
sent again after filing shows the receipt; one sent after the confirmation ran out
comes back with what was typed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.kernel.codes import email_code_minutes
from portal.kernel.rates import wait_minutes
from portal.kernel.typed_text import form_refuses_control_characters

from ..models import RightsRequest
from .filing import public_request_file, request_filed_with
from .forms import CodeForm, PublicRequestForm, StartForm
from .models import EmailConfirmation
from .public_form import (
    CodeRefused,
    confirmation_valid_minutes,
    email_confirmation_start,
    email_confirmation_verify,
    expired_confirmation,
    usable_confirmation,
)
from .throttle import throttled, too_many


def _keep_days() -> int:
    return settings.RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS


SESSION_KEY = "rights_public_request"


def _state(request) -> dict:
    return request.session.get(SESSION_KEY) or {}


@form_refuses_control_characters
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def start(request):
    form = StartForm(request.POST or None)
    if request.method == "POST":
        exceeded = throttled(request, step="start", email=request.POST.get("email", ""))
        if exceeded:
            return too_many(request, exceeded)
        if form.is_valid():
            confirmation = email_confirmation_start(
                email=form.cleaned_data["email"], language=request.LANGUAGE_CODE
            )
            request.session[SESSION_KEY] = {"confirmation": confirmation.pk}
            return redirect("identity:code")
    return render(request, "rights/public/start.html", {"form": form, "keep_days": _keep_days()})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def code(request):
    confirmation = EmailConfirmation.objects.filter(
        pk=_state(request).get("confirmation"), used_at__isnull=True
    ).first()
    if confirmation is None:
        return redirect("identity:start")
    if usable_confirmation(confirmation.pk):
        return redirect("identity:form")
    form = CodeForm(request.POST or None)
    if request.method != "POST" and not len(messages.get_messages(request)):
        # Arriving once the code is sent: the focus goes to the code box, as on the
        # customer's own code step. A message (js/page-messages.js) or, after a wrong
        # code, the error summary takes it instead.
        form.fields["code"].widget.attrs["autofocus"] = True
    if request.method == "POST":
        exceeded = throttled(request, step="code", email=confirmation.email)
        if exceeded:
            return too_many(request, exceeded)
        if form.is_valid():
            try:
                email_confirmation_verify(
                    confirmation_id=confirmation.pk, code=form.cleaned_data["code"]
                )
            except CodeRefused as error:
                form.add_error("code", str(error))
            else:
                # A session key planted before the code must not carry the proven address.
                request.session.cycle_key()
                return redirect("identity:form")
    return render(
        request,
        "rights/public/code.html",
        {"form": form, "email": confirmation.email, "valid_minutes": email_code_minutes()},
    )


@form_refuses_control_characters
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def request_form(request):
    confirmation = usable_confirmation(_state(request).get("confirmation"))
    if confirmation is None:
        return _form_without_confirmation(request)
    form = PublicRequestForm(
        request.POST or None, request.FILES or None, language=request.LANGUAGE_CODE
    )
    if request.method == "POST":
        valid = form.is_valid()
        exceeded = throttled(request, step="form", email=confirmation.email, count_address=valid)
        if exceeded:
            return _form_too_many(request, form, email=confirmation.email, rate=exceeded)
        if valid:
            categories, scope = form.scope()
            try:
                filed = public_request_file(
                    confirmation_id=confirmation.pk,
                    account=request.user if request.user.is_authenticated else None,
                    kind=form.cleaned_data["kind"],
                    requester=form.requester(language=request.LANGUAGE_CODE),
                    person=form.person(),
                    uploads=form.uploads(),
                    details=form.cleaned_data.get("details", ""),
                    delivery_method=form.cleaned_data.get("delivery_method", ""),
                    categories=categories,
                    scope=scope,
                    declaration_name=form.cleaned_data.get("declaration_name", ""),
                    http_request=request,
                )
            except ValidationError as error:
                if request_filed_with(confirmation.pk) is not None:
                    # The other of two posts at once filed it.
                    return _form_without_confirmation(request)
                form.add_error(None, error)
            else:
                request.session[SESSION_KEY] = {"filed": filed.pk}
                return redirect("identity:done")
    return _form_page(request, form, email=confirmation.email)


def _form_page(request, form, *, email: str, expired: bool = False):
    return render(
        request,
        "rights/public/form.html",
        {
            "form": form,
            "email": email,
            "expired": expired,
            "keep_days": _keep_days(),
            # A page that comes back cannot hold the files chosen: the browser
            # empties file fields, so the visitor is told to choose them again.
            "files_to_choose_again": sorted(f.name for f in request.FILES.values()),
        },
    )


def _form_too_many(request, form, *, email: str, rate: str, expired: bool = False):
    """The form again with what was typed, when the attempts ran out: the visitor waits
    and sends it again instead of typing it all a second time."""
    minutes = wait_minutes(rate)
    form.add_error(
        None,
        ngettext(
            "There have been too many attempts from your connection or for this e-mail "
            "address. Please wait %(minutes)s minute, then send the form again: what you "
            "typed stays on this page.",
            "There have been too many attempts from your connection or for this e-mail "
            "address. Please wait %(minutes)s minutes, then send the form again: what you "
            "typed stays on this page.",
            minutes,
        )
        % {"minutes": minutes},
    )
    return too_many(request, rate, _form_page(request, form, email=email, expired=expired))


def _form_without_confirmation(request):
    """The form reached without a usable confirmation: sent again after filing (a double
    click, Back), sent after the confirmation ran out, or never confirmed."""
    state = _state(request)
    filed = RightsRequest.objects.filter(pk=state["filed"]).first() if state.get("filed") else None
    # Two posts at once: the other one filed the request before its session was saved.
    filed = filed or request_filed_with(state.get("confirmation"))
    if filed is not None:
        request.session[SESSION_KEY] = {"filed": filed.pk}
        # Sent again: the receipt. Opened again (Back reloads the form): a new request
        # starts with the address, and the visitor is told the last one went in.
        messages.info(
            request,
            _(
                "This request was already sent: it is %(reference)s. To send another "
                "request, confirm your e-mail address again."
            )
            % {"reference": filed.reference},
        )
        return redirect("identity:done" if request.method == "POST" else "identity:start")
    expired = expired_confirmation(state.get("confirmation"))
    minutes = confirmation_valid_minutes()
    if expired is not None and request.method == "POST":
        # What was typed comes back; the address is confirmed again in another tab of
        # the same browser (the session then holds the new confirmation).
        form = PublicRequestForm(request.POST, request.FILES, language=request.LANGUAGE_CODE)
        exceeded = throttled(request, step="form", email=expired.email, count_address=False)
        if exceeded:
            return _form_too_many(request, form, email=expired.email, rate=exceeded, expired=True)
        form.add_error(
            None,
            _(
                "The confirmation of your e-mail address ran out after %(minutes)s minutes, "
                "so the request is not sent yet. What you typed is kept on this page: "
                "confirm your address again in another tab, then send this form again."
            )
            % {"minutes": minutes},
        )
        return _form_page(request, form, email=expired.email, expired=True)
    if expired is not None:
        messages.info(
            request,
            _(
                "The confirmation of your e-mail address ran out after %(minutes)s minutes: "
                "please confirm it again."
            )
            % {"minutes": minutes},
        )
    else:
        messages.info(request, _("Please confirm your e-mail address first."))
    return redirect("identity:start")


@never_cache
def done(request):
    filed = (
        RightsRequest.objects.select_related("identity")
        .filter(pk=_state(request).get("filed"))
        .first()
    )
    if filed is None:
        return redirect("identity:start")
    return render(
        request,
        "rights/public/done.html",
        {"req": filed, "email": filed.identity.requester_email, "keep_days": _keep_days()},
    )
