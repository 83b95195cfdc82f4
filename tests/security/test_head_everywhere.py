"""HEAD is answered as GET is on every page of the customers and of the public, and on
the admin's own screens: the same status and headers, no body (RFC 9110 §9.3.2: a
server that answers GET answers HEAD). Link checkers, mail scanners and ``curl -I``
send HEAD; a 405 there reads as a broken page. And HEAD changes nothing: a HEAD on a
mailed link neither confirms an address or an agent, nor uses up a download."""

from __future__ import annotations

import pprint
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models import Count
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from portal.accounts.services import email_change_request, user_signup
from portal.kernel.models import AuditEvent
from rights import fees, workflow
from rights.choices import Kind, PaymentMethod, Status
from rights.disclosure.models import DisclosurePackage
from rights.disclosure.services import download_path
from rights.models import RightsRequest
from rights.requesters.agents import agent_confirmation_request, confirmation_token
from rights.requesters.follow_links import follow_token
from rights.requesters.models import IdentityDocument, RequestIdentity
from rights.requesters.verification import identity_match_subject, identity_verify
from rights.services import message_post, request_submit
from tests.conftest import step_up
from tests.factories import PASSWORD, ServiceFactory
from tests.rights.fee_support import publish
from tests.rights.identity_support import AGENT, confirm, file_public_request, pdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

#: The namespaces of the customers' and the public's pages, and the public rights
#: pages outside them (by URL name).
NAMESPACES = ("portal", "consent", "rights", "identity")
PUBLIC_NAMES = ("fees", "disclosure_download", "payment_webhook", "healthz")
ANSWERED = (200, 302, 303)


def _patterns(patterns, namespace=None, prefix=""):
    """Every (route, namespace, name, module of the view) below ``patterns``."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(
                entry.url_patterns, entry.namespace or namespace, prefix + str(entry.pattern)
            )
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "")
            yield prefix + str(entry.pattern), namespace, entry.name, module


def _routes(wanted) -> list[str]:
    return sorted({entry[0] for entry in _patterns(get_resolver().url_patterns) if wanted(*entry)})


def _site_routes() -> list[str]:
    return _routes(
        lambda route, namespace, name, _module: (
            not route.startswith("admin/") and (namespace in NAMESPACES or name in PUBLIC_NAMES)
        )
    )


def _admin_routes() -> list[str]:
    """The admin screens with addresses of their own: views of this project's modules,
    not Django's model pages."""
    return _routes(
        lambda route, _namespace, _name, module: (
            route.startswith("admin/") and module.startswith(("portal.", "rights.", "consent."))
        )
    )


def _fill(route: str, values: dict[str, list[str]]) -> list[str]:
    """The URLs of ``route`` for each value of its parameters (one of each in turn)."""
    urls = ["/" + route]
    for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
        urls = [
            re.sub(rf"<(?:\w+:)?{name}>", value, url, count=1)
            for url in urls
            for value in values.get(name, ["1"])
        ]
    return urls


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _head_like_get(client, urls) -> dict:
    """HEAD first (so that a GET cannot have used up what HEAD is to find), then GET;
    the URLs whose HEAD differs from their answered GET."""
    wrong = {}
    for url in urls:
        head = client.head(url)
        get = client.get(url)
        if get.status_code not in ANSWERED:
            continue
        got = (head.status_code, head.get("Location"), head.get("Content-Type"), _body(head))
        expected = (get.status_code, get.get("Location"), get.get("Content-Type"), b"")
        if got != expected:
            wrong[url] = {"HEAD": got[:3], "GET": expected[:3]}
    return wrong


def _assert_head_like_get(client, urls) -> None:
    wrong = _head_like_get(client, urls)
    assert not wrong, pprint.pformat(wrong)


def _link(path_start: str) -> str:
    for message in reversed(mail.outbox):
        match = re.search(rf"https?://[^/\s]+({re.escape(path_start)}[^\s]+)", message.body)
        if match:
            return match.group(1)
    raise AssertionError(f"no link to {path_start} in the mail")


def _state() -> dict:
    """The rows of every model of the site, and the fields a mailed link would change."""
    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in ("portal", "rights", "consent")
    }
    fields = {
        "packages": list(
            DisclosurePackage.objects.order_by("pk").values_list(
                "download_count", "last_downloaded_at", "renewed_at", "token_hash"
            )
        ),
        "identities": list(
            RequestIdentity.objects.order_by("pk").values_list(
                "subject_confirmed_at", "subject_denied_at"
            )
        ),
        "users": list(
            get_user_model()
            .objects.order_by("pk")
            .values_list("email", "email_verified_at", "email_change_to", "is_active")
        ),
        "audit": sorted(
            AuditEvent.objects.values_list("action")
            .annotate(n=Count("pk"))
            .values_list("action", "n")
        ),
        "requests": list(RightsRequest.objects.order_by("pk").values_list("status", "closed_at")),
    }
    return {**counts, **fields}


@pytest.fixture
def world(customer, officer, django_capture_on_commit_callbacks):
    """A customer with a request of each kind and a disclosure ready to download, a
    newcomer's verification link, the customer's e-mail change link, an agent's request
    with its follow link and the person's confirmation link; the URL values."""
    capture = django_capture_on_commit_callbacks
    service = ServiceFactory(code="mobile")
    with capture(execute=True):
        requests = [
            request_submit(subject=customer, requester=customer, kind=kind)
            for kind in Kind.values
            if kind != Kind.DISCLOSURE
        ]
        disclosure = request_submit(
            subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
        )
        workflow.transition(disclosure, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(disclosure, to=Status.IN_PROGRESS, actor=officer)
    package = DisclosurePackage.objects.get(request=disclosure)
    # A message of staff with an attachment, and a disclosure whose published fee is paid.
    message = message_post(
        request=requests[0],
        author=officer,
        body="Our answer is attached.",
        attachment=pdf("answer.pdf"),
        attachment_type="application/pdf",
    )
    publish()
    paid = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
    )
    with capture(execute=True):
        workflow.transition(paid, to=Status.IN_REVIEW, actor=officer)
        payment = fees.fee_request(request=paid, actor=officer)
        fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    with capture(execute=True):
        user_signup(
            email="newcomer@example.com",
            password=PASSWORD,
            full_name="New Comer",
            language="en",
            consent=None,
            request=None,
        )
    verify = _link("/accounts/verify/")
    with capture(execute=True):
        email_change_request(user=customer, new_email="moved@example.com")
    change = _link("/account/email/confirm/")

    # An agent's request for the customer, waiting for the person's confirmation, and
    # one for someone without an account, answered: its copy waits on the follow page.
    file_public_request(Client(), AGENT, capture, subject_email=customer.email)
    agents = RightsRequest.objects.get(identity__isnull=False)
    with capture(execute=True):
        identity_match_subject(
            request=agents, subject=customer, actor=officer, reason="Phone number on file."
        )
        identity = agent_confirmation_request(request=agents, actor=officer)
    file_public_request(Client(), AGENT, capture, subject_email="someone@example.com")
    answered = RightsRequest.objects.exclude(pk=agents.pk).get(identity__isnull=False)
    with capture(execute=True):
        identity_verify(request=answered, actor=officer, no_customer=True)
        answered.refresh_from_db()
        workflow.transition(answered, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(answered, to=Status.IN_PROGRESS, actor=officer)
    assert DisclosurePackage.objects.filter(request=answered).exists()
    follow = follow_token(answered, AGENT)
    return {
        "requests": requests + [disclosure, paid],
        "attachment": f"/requests/{requests[0].pk}/messages/{message.pk}/attachment/",
        "receipt": f"/requests/{paid.pk}/receipt/",
        "download": download_path(package),
        "verify": verify,
        "change": change,
        "follow": follow,
        "confirm_agent": confirmation_token(identity),
        "values": {
            "pk": [str(r.pk) for r in requests + [disclosure, paid, agents, answered]],
            "message_pk": [str(message.pk)],
            "document_pk": [
                str(pk) for pk in IdentityDocument.objects.values_list("pk", flat=True)
            ],
            "kind": list(Kind.values),
            "code": [service.code],
            "token": [
                download_path(package).split("/")[-2],
                follow,
                follow_token(agents, AGENT),
                confirmation_token(identity),
            ],
        },
    }


def test_every_customer_and_public_page_answers_head_as_get(
    client, customer, world, django_capture_on_commit_callbacks
):
    routes = _site_routes()
    assert len(routes) >= 35
    urls = [url for route in routes for url in _fill(route, world["values"])]
    urls += [world["verify"], world["change"]]
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    _assert_head_like_get(public, urls)
    step_up(client, customer, django_capture_on_commit_callbacks)
    _assert_head_like_get(client, urls)


def test_head_on_the_mailed_links_changes_nothing(
    client, customer, world, django_capture_on_commit_callbacks
):
    """A scanner's HEAD on a mailed link: no address confirmed (APPI art. 37 identity),
    no agent confirmed or denied (CCPA §7063), no download used up (single-use links);
    nor is an attachment recorded as downloaded, or a receipt as viewed, when neither
    was sent (the audit trail records what happened, DESIGN.md core idea 7)."""
    step_up(client, customer, django_capture_on_commit_callbacks)
    follower = Client(HTTP_ACCEPT_LANGUAGE="en")
    follow = f"/requests/follow/{world['follow']}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(follower, follow, django_capture_on_commit_callbacks).status_code == 302
    before = _state()
    for who, url in [
        (Client(), world["verify"]),
        (client, world["change"]),
        (Client(), f"/requests/confirm-agent/{world['confirm_agent']}/"),
        (client, world["download"]),
        (client, world["attachment"]),
        (client, world["receipt"]),
        (follower, follow),
        (follower, f"{follow}download/"),
        (follower, f"{follow}withdraw/"),
    ]:
        response = who.head(url)
        assert response.status_code in ANSWERED, (url, response.status_code)
        assert _body(response) == b"", url
    assert _state() == before
    # Nor does a HEAD on any other page, for the customer or the follower.
    urls = [url for route in _site_routes() for url in _fill(route, world["values"])]
    for who in (client, follower):
        for url in urls:
            who.head(url)
    assert _state() == before


def test_every_admin_screen_of_its_own_answers_head_as_get(officer_client, world):
    """The same for the admin's own screens, for a privacy officer."""
    routes = _admin_routes()
    assert len(routes) >= 5
    values = {
        **world["values"],
        "object_id": world["values"]["pk"][:1],
    }
    urls = [url for route in routes for url in _fill(route, values)]
    before = _state()
    for url in urls:
        officer_client.head(url)
    # A HEAD shows staff no personal data: none is recorded as viewed.
    after = _state()
    assert dict(after["audit"]) == dict(before["audit"])
    assert after == before
    _assert_head_like_get(officer_client, urls)
