"""Helpers for the tests of requests without an account and by agents."""

from __future__ import annotations

import re

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import sample_files
from tests.conftest import last_code

#: The agent of the public-form tests.
AGENT = "agent@lawyers.example"
#: A follow link in a notice.
LINK = re.compile(r"https?://[^\s]+/requests/follow/[^\s/]+/")

PDF = sample_files.pdf()


def pdf(name="licence.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def confirm_email(client, email, capture, *, language="en"):
    """Pass the start and code steps of the public form for ``email``."""
    with capture(execute=True):
        response = client.post("/requests/start/", {"email": email}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302, response.content
    assert response.url == "/requests/start/code/"
    assert mail.outbox[-1].to == [email]
    response = client.post("/requests/start/code/", {"code": last_code()})
    assert response.status_code == 302, response.content
    assert response.url == "/requests/start/request/"


def agent_form(**overrides) -> dict:
    """A complete public form of an appointed agent asking for disclosure."""
    data = {
        "capacity": "agent",
        "requester_name": "弁護士 佐藤 一郎",
        "requester_phone": "03-1111-2222",
        "subject_name": "山田 花子",
        "subject_email": "hanako@example.com",
        "subject_phone": "",
        "subject_date_of_birth": "1980-04-01",
        "kind": "disclosure",
        "delivery_method": "electronic",
        "details": "All data, please.",
        "requester_document": pdf("bar-card.pdf"),
        "authority_kind": "attorney",
        "authority_document": pdf("letter-of-attorney.pdf"),
        "documents_consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def file_public_request(client, email, capture, **overrides):
    """Confirm ``email`` and send the agent form; returns the response to the form."""
    confirm_email(client, email, capture)
    with capture(execute=True):
        return client.post("/requests/start/request/", agent_form(**overrides))


def notice_to(address: str, needle: str):
    for message in reversed(mail.outbox):
        if message.to == [address] and needle in message.body:
            return message
    raise AssertionError(f"no notice with {needle!r} to {address}")


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return "/" + match.group(0).split("/", 3)[3]


def confirm(client, url, capture, code=None):
    """Ask for a code on the follow page and enter it."""
    with capture(execute=True):
        response = client.post(url, {"send": "1"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == [AGENT]
    return client.post(url, {"code": code or last_code()})


def agents_request_with_fee(officer, capture, *, pay: bool = False):
    """An appointed agent's disclosure filed without an account (an English visitor),
    verified, its published fee asked, and paid by bank transfer when ``pay``; the
    request, with the mail sent so far cleared."""
    from django.test import Client

    from rights import fees
    from rights.choices import PaymentMethod
    from rights.models import RightsRequest
    from rights.requesters.verification import identity_verify

    response = file_public_request(Client(HTTP_ACCEPT_LANGUAGE="en"), AGENT, capture)
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    mail.outbox.clear()
    with capture(execute=True):
        identity_verify(request=request, actor=officer, no_customer=True)
        request.refresh_from_db()
        payment = fees.fee_request(request=request, actor=officer)
        if pay:
            fees.payment_record(payment=payment, method=PaymentMethod.BANK_TRANSFER, actor=officer)
    request.refresh_from_db()
    return request


def followed(request, capture):
    """(a client whose address is confirmed on ``request``'s follow page, its URL), for
    the agent who filed it."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = link_in(notice_to(AGENT, request.reference))
    assert confirm(client, url, capture).status_code == 302
    return client, url


def parents_request(
    *,
    capacity: str = "parent",
    language: str = "en",
    requester_name: str = "",
    subject_name: str = "Kenta Yamada",
    born=None,
):
    """A disclosure filed by a legal representative (a parent by default) for
    kenta@example.com, with their identity document and a family register extract."""
    from rights.choices import Kind
    from rights.requesters.filing import Person, Requester, Upload, identity_request_file
    from rights.requesters.models import DocumentKind

    return identity_request_file(
        kind=Kind.DISCLOSURE,
        requester=Requester(
            capacity=capacity,
            email="parent@example.com",
            language=language,
            name=requester_name,
        ),
        person=Person(name=subject_name, email="kenta@example.com", date_of_birth=born),
        uploads=[
            Upload(DocumentKind.REQUESTER_ID, pdf("id.pdf"), "application/pdf"),
            Upload(DocumentKind.FAMILY_REGISTER, pdf("koseki.pdf"), "application/pdf"),
        ],
    )


def agent_to_confirm(officer, capture, *, language: str = "en", **changes):
    """An appointed agent's disclosure filed on the public form, matched to the customer
    hanako@example.com (who reads ``language``), the person asked to confirm the agent;
    (the request, the path of the link), with the mail so far cleared. ``changes`` are
    written on the request before the link is sent (its regime, its zone)."""
    from django.test import Client

    from rights.models import RightsRequest
    from rights.requesters.agents import agent_confirmation_request, confirmation_token
    from rights.requesters.verification import identity_match_subject
    from tests.factories import ProfileFactory

    person = ProfileFactory(
        user__email="hanako@example.com", user__language=language, full_name="山田 花子"
    ).user
    assert file_public_request(Client(HTTP_ACCEPT_LANGUAGE="en"), AGENT, capture).status_code
    if changes:
        RightsRequest.objects.update(**changes)
    request = RightsRequest.objects.get()
    with capture(execute=True):
        identity_match_subject(request=request, subject=person, actor=officer)
        identity = agent_confirmation_request(request=request, actor=officer)
    return request, f"/requests/confirm-agent/{confirmation_token(identity)}/"
