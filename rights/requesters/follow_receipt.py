"""The receipt of the paid fee of a request followed without an account: the same
printable receipt as a customer's, for the requester once their address is confirmed
on the follow page (the fee schedule promises it on the request's page)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..selectors import follow_role, request_view
from ..views import receipt_page
from .follow import request_for_follow_token
from .views import _follow_confirmed


@never_cache
@require_GET
def follow_receipt(request, token):
    found = request_for_follow_token(token)
    if found is None:
        raise Http404
    rights_request, email, is_requester = found
    if not _follow_confirmed(request, rights_request, email):
        return redirect("identity:follow", token=token)
    if not request_view(rights_request, follow_role(is_requester)).fee:
        raise Http404  # the person an agent acted for: the requester pays
    identity = rights_request.identity
    return receipt_page(
        request,
        rights_request,
        actor=None,
        payer_name=identity.requester_name or identity.requester_email,
        back_url=reverse("identity:follow", kwargs={"token": token}),
    )
