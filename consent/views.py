"""Customer pages: the public privacy policy, the policy gate, the consent page."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.kernel.company import CompanyContact
from portal.kernel.decorators import step_up_required

from . import selectors, services
from .forms import ConsentChoicesForm
from .middleware import notice_once
from .models import ConsentRecord, Recipient


def privacy(request):
    """The privacy policy in force, its purposes of use and recipients; public."""
    version = selectors.current_policy_version()
    if version is None:
        raise Http404("No privacy policy is in force.")
    recipients = list(selectors.active_recipients())
    return render(
        request,
        "consent/privacy.html",
        {
            "version": version,
            "purposes": selectors.active_purposes(),
            "recipients": [{"recipient": r} for r in recipients],
            "joint_users": [r for r in recipients if r.is_joint_use],
            "company": CompanyContact(),
            "service_pages": sorted(
                selectors.published_service_pages(), key=lambda page: page.service.name_order
            ),
        },
    )


def service_page(request, code):
    """What one service publishes: purposes, method and scope, retention, partner
    companies, its inquiry window; public. A request filed from it names the service."""
    page = get_object_or_404(selectors.published_service_pages(), service__code=code)
    request_url = reverse("rights:request_new") + "?" + urlencode({"service": code})
    return render(
        request,
        "consent/service_page.html",
        {
            "page": page,
            "service": page.service,
            "purposes": page.purposes.filter(is_active=True),
            "data": selectors.service_data(code),
            "recipients": [
                {"recipient": r}
                for r in page.recipients.filter(is_active=True).prefetch_related("purposes")
            ],
            "company": CompanyContact(),
            "request_url": request_url,
        },
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def policy(request):
    """Show the version in force; accept it, or (for a material one) decline and leave."""
    status = selectors.policy_status(request.user)
    version = status.current
    if version is None:
        raise Http404("No privacy policy is in force.")
    next_url = _next_url(request)
    if request.method == "POST":
        if "decline" in request.POST and status.must_accept:
            services.policy_decline(subject=request.user, version=version, request=request)
            logout(request)
            messages.info(
                request,
                _(
                    "You have not accepted the new privacy policy, so you have been logged out. "
                    "You can log in again at any time to read it and accept it."
                ),
            )
            return redirect("portal:home")
        if "accept" in request.POST and status.pending:
            services.policy_accept(
                subject=request.user,
                version=version,
                method=ConsentRecord.Method.POLICY_PAGE,
                request=request,
            )
            messages.success(request, _("Thank you. You have accepted the privacy policy."))
            return redirect(next_url)
        return redirect(request.get_full_path())
    if status.pending and not request.user.is_staff and request.method == "GET":
        # Shown on a GET; a HEAD shows nothing to record.
        notice_once(request, version, method=ConsentRecord.Method.POLICY_PAGE)
    return render(
        request,
        "consent/policy.html",
        {
            "status": status,
            "version": version,
            "acceptance": selectors.policy_acceptance(request.user, version),
            "next": next_url,
        },
    )


@never_cache
@step_up_required
@require_http_methods(["GET", "HEAD", "POST"])
def dashboard(request):
    """The customer's consents: current choices, changes in one go, history."""
    subject = request.user
    optional = list(selectors.optional_purposes())
    latest = selectors.current_choices(subject)
    current = {p.pk: True for p in optional if p.is_opt_out}
    current.update({pk: row.action == ConsentRecord.Action.GRANTED for pk, row in latest.items()})
    data = request.POST if request.method == "POST" else None
    form = ConsentChoicesForm(data, purposes=optional, current=current)
    if request.method == "POST" and form.is_valid():
        changed = services.consent_update(
            subject=subject,
            choices=form.purpose_choices(),
            method=ConsentRecord.Method.DASHBOARD,
            request=request,
            with_opt_out_signal=getattr(request, "opt_out_signal", False),
        )
        if changed:
            messages.success(request, _("Your choices are saved and apply from now on."))
        else:
            messages.info(request, _("Nothing changed: your choices were already as shown."))
        return redirect("consent:dashboard")
    restrictions = list(selectors.restrictions_in_force_for(subject))
    for restriction in restrictions:
        restriction.request_id = selectors.restriction_request_id(restriction)
    purposes = [
        {
            "purpose": purpose,
            "allowed": services.may_use(subject, purpose),
            "latest": latest.get(purpose.pk),
            "stopped": any(
                r.scope == r.Scope.USE and r.purpose_id in (None, purpose.pk) for r in restrictions
            ),
        }
        for purpose in selectors.active_purposes()
    ]
    form.note_stopped({row["purpose"] for row in purposes if row["stopped"]})
    recipients = [
        {"recipient": recipient, "allowed": services.may_provide(subject, recipient)}
        for recipient in selectors.active_recipients().exclude(
            kind__in=[Recipient.Kind.PUBLIC_AUTHORITY, Recipient.Kind.SUCCESSOR]
        )
    ]
    status = selectors.policy_status(subject)
    return render(
        request,
        "consent/dashboard.html",
        {
            "form": form,
            "purposes": purposes,
            "recipients": recipients,
            "restrictions": restrictions,
            "status": status,
            "acceptance": (
                selectors.policy_acceptance(subject, status.accepted) if status.accepted else None
            ),
            "history": selectors.consent_history(subject),
            "signal": _signal(request, optional, latest, current),
        },
    )


def _signal(request, optional, latest, current) -> dict | None:
    """What the opt-out preference signal on this request did (CCPA regs
    §7025(c)(6)): the sale and sharing purposes it withdrew, and those the customer
    allowed again afterwards, which the signal asks the opposite of (§7025(c)(3));
    None when the request carries no signal that is honoured."""
    if not getattr(request, "opt_out_signal", False):
        return None
    sale = set(services.sale_sharing_purposes().values_list("pk", flat=True))
    sale_purposes = [p for p in optional if p.pk in sale]
    return {
        "withdrawn": [
            p
            for p in sale_purposes
            if p.pk in latest and latest[p.pk].method == ConsentRecord.Method.OPT_OUT_SIGNAL
        ],
        "overridden": [p for p in sale_purposes if current.get(p.pk)],
    }
