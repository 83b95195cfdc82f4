"""The receipt of the paid fee of a request followed without an account: the same
printable receipt as a customer's, for the requester once their address is confirmed
on the follow page (the fee schedule promises it on the request's page)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..selectors import follow_role, request_view
from ..views import payer_name, receipt_page
from .views import confirmed_follow


@never_cache
@require_safe
def follow_receipt(request, token):
    followed = confirmed_follow(request, token)
    if followed is None:
        return redirect("identity:follow", token=token)
    rights_request, _email, is_requester = followed
    if not request_view(rights_request, follow_role(is_requester)).fee:
        raise Http404  # the person an agent acted for: the requester pays
    identity = getattr(rights_request, "identity", None)
    return receipt_page(
        request,
        rights_request,
        actor=None,
        # A closed account's request has no identity: the receipt names the customer.
        payer_name=identity.requester_name or identity.requester_email
        if identity is not None
        else payer_name(rights_request),
        back_url=reverse("identity:follow", kwargs={"token": token}),
    )
