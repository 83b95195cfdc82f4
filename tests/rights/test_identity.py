"""Requests without an account and by agents: documents, verification, My Number, limits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights import deadlines
from rights.choices import Channel, RejectionGround, Status
from rights.models import RightsRequest
from rights.requesters.agents import agent_confirmation_request
from rights.requesters.models import (
    Capacity,
    DestroyedBecause,
    EmailConfirmation,
    IdentityDocument,
    RequestIdentity,
    VerificationStatus,
)
from rights.requesters.public_form import confirmation_code
from rights.retention.purge import run_purge
from rights.uploads import open_plain
from tests.conftest import full_width, last_code
from tests.factories import ProfileFactory

from .identity_support import (
    PDF,
    agent_form,
    confirm_email,
    file_public_request,
    pdf,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

AGENT = "agent@lawyers.example"


@pytest.fixture
def visitor():
    """Someone without an account, browsing in English."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def hanako(db):
    """The customer an agent asks about."""
    return ProfileFactory(
        user__email="hanako@example.com",
        user__language="ja",
        full_name="山田 花子",
        date_of_birth=dt.date(1980, 4, 1),
    ).user


@pytest.fixture
def filed(visitor, django_capture_on_commit_callbacks, hanako, private_storage):
    """An appointed agent's disclosure request for Hanako, with two documents."""
    response = file_public_request(visitor, AGENT, django_capture_on_commit_callbacks)
    assert response.status_code == 302, response.content
    return RightsRequest.objects.get()


def test_the_phone_numbers_and_date_of_birth_are_encrypted_at_rest(filed):
    """Issue 10: what the requester typed about themselves and the person is kept as tokens."""
    from django.db import connection

    from portal.kernel.encryption import looks_like_token

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT requester_phone, subject_date_of_birth FROM rights_requestidentity "
            "WHERE request_id = %s",
            [filed.pk],
        )
        phone, born = cursor.fetchone()
    assert looks_like_token(phone) and looks_like_token(born)
    assert "1111" not in phone + born and "1980" not in phone + born
    identity = filed.identity
    assert identity.requester_phone == "03-1111-2222"
    assert identity.subject_date_of_birth == dt.date(1980, 4, 1)


def _identity_post(officer_client, request, action, capture, follow=False, **data):
    if action == "reject":
        data["confirm"] = "1"  # as sent from its confirmation page
    with capture(execute=True):
        return officer_client.post(
            f"/admin/rights/rightsrequest/{request.pk}/identity/{action}/",
            data,
            follow=follow,
            headers={"accept-language": "en"},
        )


# -- acceptance 1 --------------------------------------------------------------------------


def test_agent_request_with_documents_awaits_verification(filed, private_storage):
    """APPI Art. 37: an appointed agent's request with proof of identity and authority is
    taken only after the e-mail code, and waits, clock paused, for verification."""
    assert filed.status == Status.AWAITING_VERIFICATION
    assert filed.channel == Channel.AGENT
    assert filed.subject is None and filed.requester is None
    assert filed.pauses.get().ended_at is None
    identity = filed.identity
    assert identity.capacity == Capacity.AGENT
    assert identity.requester_email == AGENT and identity.email_confirmed_at is not None
    assert identity.subject_name == "山田 花子"
    assert identity.subject_date_of_birth == dt.date(1980, 4, 1)
    assert identity.documents_consent_at is not None
    documents = {d.kind: d for d in filed.identity_documents.all()}
    assert set(documents) == {"requester_id", "attorney"}
    for document in documents.values():
        assert document.content_type == "application/pdf"
        stored = Path(document.file.path)
        assert PDF not in stored.read_bytes()  # encrypted on disk
        with open_plain(document.file) as plain:
            assert plain.read() == PDF
        assert private_storage in stored.parents  # private storage, never under a public URL
        assert "letter" not in stored.name  # a random name on disk
    # The receipt and the verification notice went to the agent's confirmed address.
    assert {m.to[0] for m in mail.outbox[-2:]} == {AGENT}
    assert filed.reference in mail.outbox[-1].body


def test_the_code_is_derived_never_stored(visitor, django_capture_on_commit_callbacks):
    confirm_email(visitor, AGENT, django_capture_on_commit_callbacks)
    confirmation = EmailConfirmation.objects.get()
    code = confirmation_code(confirmation)
    row = [str(v) for v in EmailConfirmation.objects.values().get().values()]
    assert not any(code in value for value in row)
    assert not AuditEvent.objects.filter(details__icontains=code).exists()


def test_the_code_may_be_typed_in_full_width_digits(visitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/requests/start/", {"email": AGENT})
    response = visitor.post("/requests/start/code/", {"code": full_width(last_code(), " ")})
    assert response.status_code == 302, response.content
    assert response.url == "/requests/start/request/"
    confirmation = EmailConfirmation.objects.get()
    assert confirmation.confirmed_at is not None
    assert confirmation.failed_attempts == 0


def test_staff_verification_moves_the_request_on(
    filed, hanako, officer, officer_client, django_capture_on_commit_callbacks
):
    page = officer_client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/")
    assert page.status_code == 200
    candidates = page.context["identity_candidates"]
    assert [c.pk for c in candidates] == [hanako.pk]  # found by the registry's search
    # While identity is undecided the generic buttons do not skip the decision.
    assert Status.IN_REVIEW not in [status for status, _label in page.context["allowed"]]

    _identity_post(
        officer_client, filed, "match", django_capture_on_commit_callbacks, subject=hanako.pk
    )
    _identity_post(
        officer_client,
        filed,
        "verify",
        django_capture_on_commit_callbacks,
        note="Bar card and letter of attorney match.",
    )
    filed.refresh_from_db()
    assert filed.subject == hanako
    assert filed.status == Status.IN_REVIEW
    assert filed.pauses.get().ended_at is not None  # the clock runs again
    identity = RequestIdentity.objects.get(pk=filed.pk)
    assert identity.verification == VerificationStatus.VERIFIED
    assert identity.decided_by == officer and identity.decided_at is not None
    assert AuditEvent.objects.filter(action="identity.verified", target__endswith=f":{filed.pk}")


def test_rejection_tells_the_requester_the_reason(
    filed, officer_client, django_capture_on_commit_callbacks
):
    """APPI Art. 37 / GDPR 12(6): not verified is a rejection with its ground and reason,
    sent to the requester."""
    _identity_post(officer_client, filed, "reject", django_capture_on_commit_callbacks, note="")
    filed.refresh_from_db()
    assert filed.status == Status.AWAITING_VERIFICATION  # no reason: nothing changed

    mail.outbox.clear()
    reason = "The letter of attorney is not signed by the person."
    _identity_post(officer_client, filed, "reject", django_capture_on_commit_callbacks, note=reason)
    filed.refresh_from_db()
    assert filed.status == Status.REJECTED
    assert filed.rejection_ground == RejectionGround.IDENTITY
    assert filed.identity.verification == VerificationStatus.NOT_VERIFIED
    (notice,) = [m for m in mail.outbox if m.to == [AGENT]]
    assert reason in notice.body


def test_an_html_file_renamed_pdf_is_refused(visitor, django_capture_on_commit_callbacks):
    fake = pdf("passport.pdf", b"<html><body><script>alert(1)</script></body></html>")
    response = file_public_request(
        visitor, AGENT, django_capture_on_commit_callbacks, requester_document=fake
    )
    assert response.status_code == 200
    assert "Only PDF, JPEG, PNG or HEIC files can be sent." in response.content.decode()
    assert not RightsRequest.objects.exists()
    assert not IdentityDocument.objects.exists()
    assert EmailConfirmation.objects.get().used_at is None  # the person may send it again


def test_documents_go_after_the_keep_period_and_the_verification_fact_stays(
    filed, hanako, officer_client, settings, django_capture_on_commit_callbacks
):
    settings.RIGHTS_IDENTITY_DOCUMENT_KEEP_DAYS = 30
    _identity_post(
        officer_client, filed, "match", django_capture_on_commit_callbacks, subject=hanako.pk
    )
    _identity_post(officer_client, filed, "verify", django_capture_on_commit_callbacks)
    identity = RequestIdentity.objects.get(pk=filed.pk)
    paths = [Path(d.file.path) for d in filed.identity_documents.all()]
    decided = timezone.localdate(identity.decided_at)

    with django_capture_on_commit_callbacks(execute=True):
        run_purge(today=decided + dt.timedelta(days=30))
    assert all(p.exists() for p in paths)  # not yet

    with django_capture_on_commit_callbacks(execute=True):
        run = run_purge(today=decided + dt.timedelta(days=31))
    assert run.counts["identity-documents"] == {"rights.identitydocument": 2}
    assert not any(p.exists() for p in paths)
    for document in filed.identity_documents.all():
        assert document.destroyed_because == DestroyedBecause.KEEP_PERIOD
        assert not document.file and not document.original_name
    identity.refresh_from_db()
    assert identity.verification == VerificationStatus.VERIFIED
    assert identity.decided_at is not None and identity.documents_deleted_at is not None
    assert identity.subject_date_of_birth is None  # used for matching only
    page = officer_client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/")
    shown = page.context["identity"]
    assert shown.verification == VerificationStatus.VERIFIED
    assert shown.get_verification_display() in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        again = run_purge(today=decided + dt.timedelta(days=32))
    assert "identity-documents" not in again.counts  # nothing twice


def test_documents_of_a_request_withdrawn_undecided_also_go(
    filed, officer, django_capture_on_commit_callbacks
):
    from rights.workflow import transition

    transition(filed, to=Status.WITHDRAWN, actor=officer, reason="The person asked by letter.")
    with django_capture_on_commit_callbacks(execute=True):
        run_purge(today=timezone.localdate() + dt.timedelta(days=31))
    assert not IdentityDocument.objects.filter(destroyed_at__isnull=True).exists()


def test_a_document_with_a_my_number_is_destroyed_at_once(
    filed, officer, officer_client, django_capture_on_commit_callbacks
):
    """My Number Act art. 20: a document showing an individual number is destroyed at once;
    the row keeps only that it was, when and by whom."""
    document = filed.identity_documents.get(kind="requester_id")
    stored = Path(document.file.path)
    url = f"/admin/rights/rightsrequest/{filed.pk}/documents/{document.pk}/my-number/"
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(url)  # without the tick: nothing happens
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(url, {"confirm": "1"})
    document.refresh_from_db()
    assert not stored.exists()
    assert document.destroyed_because == DestroyedBecause.MY_NUMBER
    assert document.destroyed_by == officer and document.destroyed_at is not None
    assert not document.file and not document.original_name and document.size == 0
    assert AuditEvent.objects.filter(action="identity.my_number_destroyed").count() == 1
    view = officer_client.get(f"/admin/rights/rightsrequest/{filed.pk}/documents/{document.pk}/")
    assert view.status_code == 404


# -- acceptance 2 --------------------------------------------------------------------------


def test_another_customer_cannot_reach_the_documents(
    client, customer, other_customer, django_capture_on_commit_callbacks
):
    from rights.requesters.filing import Person, Requester, Upload, identity_request_file

    request = identity_request_file(
        kind="disclosure",
        requester=Requester(capacity=Capacity.SELF, email=customer.email, language="en"),
        person=Person(name="A", email=customer.email),
        uploads=[Upload("subject_id", pdf(), "application/pdf")],
        subject=customer,
        account=customer,
    )
    document = request.identity_documents.get()
    url = f"/requests/{request.pk}/documents/{document.pk}/"

    for user, expected in ((other_customer, 404), (customer, 200)):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/code/", {"send": "1"})
        client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
        response = client.get(url)
        assert response.status_code == expected, user
    assert b"".join(response.streaming_content) == PDF


def test_staff_views_of_documents_are_audited(filed, officer, officer_client):
    document = filed.identity_documents.first()
    response = officer_client.get(
        f"/admin/rights/rightsrequest/{filed.pk}/documents/{document.pk}/"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    event = AuditEvent.objects.get(action="staff.viewed_identity_document")
    assert event.actor == officer
    assert event.target == f"rights.identitydocument:{document.pk}"


def test_a_handler_of_other_services_cannot_open_the_documents(filed, client):
    """Staff see only requests of their services; another service's documents are a 404
    and leave no trace of a view."""

    from portal.kernel.roles import SERVICE_HANDLER
    from portal.kernel.staff import staff_create
    from tests.conftest import admin_login
    from tests.factories import PASSWORD, ServiceFactory

    handler, _device, _ = staff_create(
        email="handler@example.com", role=SERVICE_HANDLER, password=PASSWORD
    )
    filed.services.add(ServiceFactory())  # a service the handler does not serve
    admin_login(client, handler)
    assert client.get("/admin/").status_code == 200  # logged in
    document = filed.identity_documents.first()
    response = client.get(f"/admin/rights/rightsrequest/{filed.pk}/documents/{document.pk}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="staff.viewed_identity_document").exists()


# -- acceptance 3 --------------------------------------------------------------------------


def test_the_start_step_is_throttled_per_ip(visitor, settings, django_capture_on_commit_callbacks):
    settings.RIGHTS_PUBLIC_RATE_START_IP = "3/h"
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = visitor.post("/requests/start/", {"email": f"person{n}@example.com"})
        assert response.status_code == 302
    response = visitor.post("/requests/start/", {"email": "person9@example.com"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 3600
    assert "Too many attempts" in response.content.decode()
    assert EmailConfirmation.objects.count() == 3  # the refused attempt changed nothing
    # Another address, the same connection: still refused; another connection: fine.
    other = visitor.post("/requests/start/", {"email": "x@example.com"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 302


def test_the_start_step_is_throttled_per_email_address(visitor, settings):
    settings.RIGHTS_PUBLIC_RATE_START_EMAIL = "2/h"
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert visitor.post("/requests/start/", {"email": AGENT}, REMOTE_ADDR=ip).status_code == 302
    response = visitor.post("/requests/start/", {"email": AGENT.upper()}, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 429


def test_an_address_typed_in_full_width_counts_against_the_same_limit(visitor, settings):
    """The form reads ｘ＠ｅｘａｍｐｌｅ．ｃｏｍ as x@example.com: the limit per address
    cannot be passed by typing it the other way."""
    settings.RIGHTS_PUBLIC_RATE_START_EMAIL = "2/h"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in AGENT)
    for ip, email in (("10.0.0.1", AGENT), ("10.0.0.2", full_width)):
        assert visitor.post("/requests/start/", {"email": email}, REMOTE_ADDR=ip).status_code == 302
    response = visitor.post("/requests/start/", {"email": full_width}, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 429


def test_the_code_step_is_throttled(visitor, settings, django_capture_on_commit_callbacks):
    settings.RIGHTS_PUBLIC_RATE_CODE_IP = "3/h"
    settings.OTP_FREE_ATTEMPTS = 10
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/requests/start/", {"email": AGENT})
    right = last_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _n in range(3):
        response = visitor.post("/requests/start/code/", {"code": wrong})
        assert response.status_code == 200
        assert "The code is not correct" in response.content.decode()
    response = visitor.post("/requests/start/code/", {"code": right})
    assert response.status_code == 429  # even the right code, until the hour is over
    assert EmailConfirmation.objects.get().confirmed_at is None


def test_the_throttle_page_is_japanese_for_japanese_visitors(visitor, settings):
    settings.RIGHTS_PUBLIC_RATE_START_IP = "1/h"
    visitor.post("/requests/start/", {"email": AGENT}, HTTP_ACCEPT_LANGUAGE="ja")
    response = visitor.post("/requests/start/", {"email": AGENT}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 429
    assert "試行" in response.content.decode()


def test_wrong_codes_kill_the_confirmation(visitor, settings, django_capture_on_commit_callbacks):
    settings.OTP_FREE_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/requests/start/", {"email": AGENT})
    right = last_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    visitor.post("/requests/start/code/", {"code": wrong})
    visitor.post("/requests/start/code/", {"code": wrong})
    response = visitor.post("/requests/start/code/", {"code": right})
    assert "ask for a new code" in response.content.decode()
    assert visitor.get("/requests/start/request/").status_code == 302


def test_the_form_needs_a_confirmed_address(visitor):
    response = visitor.post("/requests/start/request/", agent_form())
    assert response.status_code == 302 and response.url == "/requests/start/"
    assert not RightsRequest.objects.exists()


def test_a_confirmation_files_one_request_only(visitor, django_capture_on_commit_callbacks):
    file_public_request(visitor, AGENT, django_capture_on_commit_callbacks)
    response = visitor.post("/requests/start/request/", agent_form())
    # Sent again: the receipt of the one filed (test_public_form_resend), nothing new.
    assert response.status_code == 302 and response.url == "/requests/start/done/"
    assert RightsRequest.objects.count() == 1


# -- who is told, and the person's own confirmation --------------------------------------


def test_a_legal_representative_alone_receives_the_answers(
    visitor, hanako, officer_client, django_capture_on_commit_callbacks
):
    """APPI Art. 37: the parent of a minor exercises the child's rights; notices go to them."""
    file_public_request(
        visitor,
        "parent@example.com",
        django_capture_on_commit_callbacks,
        capacity="parent",
        requester_name="山田 太郎",
        subject_name="山田 健太",
        subject_date_of_birth="2014-06-01",
        authority_kind="family_register",
    )
    request = RightsRequest.objects.get()
    assert request.identity.capacity == Capacity.PARENT
    mail.outbox.clear()
    _identity_post(
        officer_client, request, "reject", django_capture_on_commit_callbacks, note="Unreadable."
    )
    assert [m.to for m in mail.outbox] == [["parent@example.com"]]


def test_an_appointed_agents_principal_is_told_of_the_outcome(
    filed, hanako, officer_client, django_capture_on_commit_callbacks
):
    """APPI Art. 37, CCPA §7063: the person learns of a request made in their name and how
    it ended; the agent receives every notice."""
    _identity_post(
        officer_client, filed, "match", django_capture_on_commit_callbacks, subject=hanako.pk
    )
    mail.outbox.clear()
    _identity_post(
        officer_client, filed, "reject", django_capture_on_commit_callbacks, note="No signature."
    )
    assert sorted(m.to[0] for m in mail.outbox) == [AGENT, hanako.email]
    to_hanako = next(m for m in mail.outbox if m.to == [hanako.email])
    to_agent = next(m for m in mail.outbox if m.to == [AGENT])
    assert "No signature." in to_hanako.body
    assert to_hanako.subject != to_agent.subject  # each in their own language


def test_ccpa_the_person_confirms_the_agent_by_a_link(
    filed, hanako, visitor, officer_client, django_capture_on_commit_callbacks
):
    """CCPA §7063: the person may be asked to confirm the agent directly; confirming by the
    e-mailed link verifies the request and moves it on."""
    _identity_post(
        officer_client, filed, "match", django_capture_on_commit_callbacks, subject=hanako.pk
    )
    mail.outbox.clear()
    _identity_post(officer_client, filed, "ask-person", django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [hanako.email]
    path = message.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    assert path.startswith("/requests/confirm-agent/")

    page = visitor.get(path)
    assert page.status_code == 200 and "弁護士 佐藤 一郎" in page.content.decode()
    assert visitor.head(path).status_code in (200, 405)
    # A mail scanner opening the link answers nothing.
    opened = RequestIdentity.objects.get(request=filed)
    assert opened.subject_confirmed_at is None and opened.subject_denied_at is None
    assert visitor.get(path[:-2] + "x/").status_code == 404  # a forged link opens nothing
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(path, {"answer": "yes"})
    filed.refresh_from_db()
    assert filed.status == Status.IN_REVIEW
    identity = filed.identity
    assert identity.verification == VerificationStatus.VERIFIED
    assert identity.subject_confirmed_at is not None and identity.decided_by is None
    used = visitor.get(path)
    assert used.status_code == 410 and "already used" in used.content.decode()


def test_ccpa_an_agent_cannot_confirm_their_own_authority_by_a_typed_address(
    visitor, hanako, officer_client, django_capture_on_commit_callbacks
):
    """CCPA §7063, APPI art. 37: the person confirms the agent directly. An agent who
    writes an address of their own as the person's gets no link there: the link goes
    only to the address of the customer the request is matched to."""
    response = file_public_request(
        visitor,
        AGENT,
        django_capture_on_commit_callbacks,
        subject_email="hanako.private@agent-controlled.example",
    )
    assert response.status_code == 302
    filed = RightsRequest.objects.get()
    page = officer_client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/")
    assert "Ask the person to confirm the agent" not in page.content.decode()
    mail.outbox.clear()
    shown = _identity_post(
        officer_client, filed, "ask-person", django_capture_on_commit_callbacks, follow=True
    )
    assert "Match the customer first: the link goes to the address of their account." in [
        str(m) for m in shown.context["messages"]
    ]
    assert mail.outbox == []
    assert filed.identity.confirmation_nonce == ""

    _identity_post(
        officer_client, filed, "match", django_capture_on_commit_callbacks, subject=hanako.pk
    )
    _identity_post(officer_client, filed, "ask-person", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[hanako.email]]


def test_ccpa_a_link_sent_to_a_customer_no_longer_matched_answers_nothing(
    filed, hanako, visitor, officer_client, django_capture_on_commit_callbacks
):
    """CCPA §7063: when staff change the match, the link sent to the customer matched
    before opens nothing and cannot verify the request."""
    path = _ask_person(filed, hanako, officer_client, django_capture_on_commit_callbacks)
    other = ProfileFactory(user__email="someone.else@example.com").user
    _identity_post(
        officer_client,
        filed,
        "match",
        django_capture_on_commit_callbacks,
        subject=other.pk,
        reason="She called from the number in our records.",
    )
    assert visitor.get(path).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(path, {"answer": "yes"})
    filed.refresh_from_db()
    assert filed.status == Status.AWAITING_VERIFICATION
    assert filed.identity.verification == VerificationStatus.PENDING
    assert filed.identity.subject_confirmed_at is None


def test_a_request_matched_to_no_customer_is_verified_only_when_staff_say_none_matches(
    filed, officer_client, django_capture_on_commit_callbacks
):
    """APPI art. 33(1): verified without a match, the answer is that we hold no data about
    the person; staff must say so, not reach it by forgetting the match."""
    shown = _identity_post(
        officer_client,
        filed,
        "verify",
        django_capture_on_commit_callbacks,
        note="Licence checked",
        follow=True,
    )
    assert any("Match the customer first" in str(m) for m in shown.context["messages"])
    filed.refresh_from_db()
    assert filed.status == Status.AWAITING_VERIFICATION
    assert filed.identity.verification == VerificationStatus.PENDING

    page = officer_client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/")
    assert 'name="no_customer"' in page.content.decode()
    _identity_post(
        officer_client,
        filed,
        "verify",
        django_capture_on_commit_callbacks,
        note="No customer by these details",
        no_customer="on",
    )
    filed.refresh_from_db()
    assert filed.status == Status.IN_REVIEW
    assert filed.identity.verification == VerificationStatus.VERIFIED
    event = AuditEvent.objects.filter(action="identity.verified").get()
    assert event.details["no_customer"] is True


def test_ccpa_a_person_who_denies_the_agent_blocks_verification(
    filed, hanako, visitor, officer_client, django_capture_on_commit_callbacks
):
    _identity_post(
        officer_client, filed, "match", django_capture_on_commit_callbacks, subject=hanako.pk
    )
    _identity_post(officer_client, filed, "ask-person", django_capture_on_commit_callbacks)
    path = mail.outbox[-1].body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    visitor.post(path, {"answer": "no"})
    _identity_post(officer_client, filed, "verify", django_capture_on_commit_callbacks)
    filed.refresh_from_db()
    assert filed.status == Status.AWAITING_VERIFICATION
    assert filed.identity.subject_denied_at is not None
    assert filed.identity.verification == VerificationStatus.PENDING


def _ask_person(filed, hanako, officer_client, capture) -> str:
    """Staff match the person and ask them to confirm; the path of the link mailed."""
    _identity_post(officer_client, filed, "match", capture, subject=hanako.pk)
    mail.outbox.clear()
    _identity_post(officer_client, filed, "ask-person", capture)
    (message,) = mail.outbox
    return message.body.split("http://127.0.0.1:8000", 1)[1].split()[0]


def _unchanged(filed, audits: int) -> None:
    filed.refresh_from_db()
    assert filed.status == Status.AWAITING_VERIFICATION
    assert filed.identity.verification == VerificationStatus.PENDING
    assert filed.identity.subject_confirmed_at is None
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_ccpa_an_agent_link_expires_after_the_configured_days(
    filed, hanako, visitor, officer_client, django_capture_on_commit_callbacks, settings, answer
):
    """CCPA §7063: the link works RIGHTS_AGENT_LINK_DAYS; after that it records nothing and
    tells the person how to answer instead (never an error page)."""
    settings.RIGHTS_AGENT_LINK_DAYS = 14
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        path = _ask_person(filed, hanako, officer_client, django_capture_on_commit_callbacks)
    assert "までの1回限り" in mail.outbox[-1].body  # the mail says until when, once
    with time_machine.travel(sent + dt.timedelta(days=14, seconds=-1), tick=False):
        assert visitor.get(path).status_code == 200  # still open on its last second
    audits = AuditEvent.objects.count()
    with time_machine.travel(sent + dt.timedelta(days=14), tick=False):
        page = visitor.get(path)
        with django_capture_on_commit_callbacks(execute=True):
            posted = visitor.post(path, {"answer": answer})
    for response in (page, posted):
        assert response.status_code == 410
        text = response.content.decode()
        assert "This link expired on" in text and filed.reference in text
        assert "contact our privacy office" in text and "Yes, I appointed them" not in text
    _unchanged(filed, audits)
    assert filed.identity.subject_denied_at is None

    # Staff send a new link: it opens again for the configured days.
    with time_machine.travel(sent + dt.timedelta(days=15), tick=False):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            agent_confirmation_request(request=filed, actor=None)
        fresh = mail.outbox[-1].body.split("http://127.0.0.1:8000", 1)[1].split()[0]
        assert visitor.get(path).status_code == 404  # the old link is replaced
        assert visitor.get(fresh).status_code == 200


@pytest.mark.parametrize("first, second", [("yes", "no"), ("no", "yes"), ("no", "no")])
def test_ccpa_an_agent_link_answers_once(
    filed, hanako, visitor, officer_client, django_capture_on_commit_callbacks, first, second
):
    """CCPA §7063: once the person answered, the link says what they answered and a second
    answer changes nothing."""
    path = _ask_person(filed, hanako, officer_client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.post(path, {"answer": first}).status_code == 200
    filed.refresh_from_db()
    identity = filed.identity
    state = (identity.verification, identity.subject_confirmed_at, identity.subject_denied_at)
    status, audits, events = filed.status, AuditEvent.objects.count(), filed.events.count()

    with django_capture_on_commit_callbacks(execute=True):
        again = visitor.post(path, {"answer": second})
    page = visitor.get(path)
    for response in (again, page):
        assert response.status_code == 410
        text = response.content.decode()
        assert "This link was already used" in text and filed.reference in text
        said = "you confirmed the agent" if first == "yes" else "you did not appoint"
        assert said in text and "Yes, I appointed them" not in text
    filed.refresh_from_db()
    identity = filed.identity
    assert (identity.verification, identity.subject_confirmed_at, identity.subject_denied_at) == (
        state
    )
    assert filed.status == status and filed.events.count() == events
    assert AuditEvent.objects.count() == audits


def test_an_agent_link_of_a_request_staff_decided_changes_nothing(
    filed, hanako, visitor, officer_client, django_capture_on_commit_callbacks
):
    path = _ask_person(filed, hanako, officer_client, django_capture_on_commit_callbacks)
    _identity_post(
        officer_client, filed, "reject", django_capture_on_commit_callbacks, note="No proof."
    )
    filed.refresh_from_db()
    assert filed.identity.verification == VerificationStatus.NOT_VERIFIED
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(path, {"answer": "yes"})
    assert response.status_code == 410
    assert "This link is no longer valid" in response.content.decode()
    filed.refresh_from_db()
    assert filed.identity.verification == VerificationStatus.NOT_VERIFIED
    assert filed.identity.subject_confirmed_at is None


# -- staff-entered requests ------------------------------------------------------------------


def test_staff_enter_a_letter_and_the_deadline_counts_from_its_arrival(
    hanako, officer_client, django_capture_on_commit_callbacks
):
    received_on = timezone.localdate() - dt.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            "/admin/rights/rightsrequest/enter/",
            {
                "subject_email": hanako.email.upper(),
                "kind": "deletion",
                "everything": "on",
                "channel": "mail",
                "received_on": received_on.isoformat(),
                "regime": "appi",
                "details": "Please delete my account (letter of 3 March).",
            },
        )
    request = RightsRequest.objects.get()
    assert response.status_code == 302
    assert response.url == f"/admin/rights/rightsrequest/{request.pk}/change/"
    assert request.subject == hanako and request.channel == Channel.MAIL
    assert timezone.localdate(request.received_at) == received_on
    assert request.due_at == deadlines.due_at("appi", request.received_at)
    assert request.status == Status.SUBMITTED
    assert request.scope == {"everything": True}
    assert mail.outbox[-1].to == [hanako.email]  # she is told as for any request
    assert officer_client.get("/admin/rights/rightsrequest/add/").status_code == 200


def test_staff_entry_refuses_a_future_date_and_an_unknown_customer(officer_client):
    response = officer_client.post(
        "/admin/rights/rightsrequest/enter/",
        {
            "subject_email": "nobody@example.com",
            "kind": "deletion",
            "channel": "phone",
            "received_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "regime": "appi",
            "details": "x",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "subject_email" in errors and "received_on" in errors
    assert not RightsRequest.objects.exists()


def test_staff_entry_refuses_an_arrival_date_years_ago(officer_client, customer):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        "/admin/rights/rightsrequest/enter/",
        {
            "subject_email": customer.email,
            "kind": "deletion",
            "channel": "phone",
            "received_on": "1999-01-01",
            "regime": "appi",
            "details": "x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["received_on"] == [
        "The date received is more than a year ago: check the date on the letter."
    ]
    assert not RightsRequest.objects.exists()


def test_staff_entry_awaiting_verification(
    hanako, officer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            "/admin/rights/rightsrequest/enter/",
            {
                "subject_email": hanako.email,
                "kind": "disclosure",
                "channel": "phone",
                "received_on": timezone.localdate().isoformat(),
                "regime": "appi",
                "delivery_method": "paper",
                "details": "Called in.",
                "needs_verification": "on",
            },
        )
    request = RightsRequest.objects.get()
    assert request.status == Status.AWAITING_VERIFICATION
    assert request.identity.capacity == Capacity.SELF
    assert request.channel == Channel.PHONE


@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False)
def test_public_pages_in_both_languages(client):
    for language, text in (("ja", "マイナンバー"), ("en", "My Number")):
        response = client.get("/requests/start/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert text in response.content.decode()


def test_a_retried_notice_mails_only_the_recipient_it_missed(
    filed, hanako, officer, monkeypatch, django_capture_on_commit_callbacks
):
    """The agent and the person each get the rejection once, even when the mail server
    refused one of them the first time and the task ran again."""
    from rights import notice_sending, tasks
    from rights.models import RequestNotification
    from rights.requesters.verification import identity_match_subject, identity_reject

    identity_match_subject(request=filed, subject=hanako, actor=officer)
    with django_capture_on_commit_callbacks(execute=False):
        identity_reject(request=filed, actor=officer, note="No signature.")
    notification = RequestNotification.objects.get(request=filed, kind="rejected")
    real_send = notice_sending.mail_notice

    def refuse_hanako(subject, body, to):
        if to == [hanako.email]:
            raise ConnectionRefusedError("mail server down")
        return real_send(subject, body, to)

    monkeypatch.setattr(notice_sending, "mail_notice", refuse_hanako)
    mail.outbox.clear()
    with pytest.raises(ConnectionRefusedError):
        tasks.send_request_notification.run(notification.pk)
    assert [m.to for m in mail.outbox] == [[AGENT]]
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert AGENT not in str(notification.context)  # digests, never addresses

    monkeypatch.setattr(notice_sending, "mail_notice", real_send)
    tasks.send_request_notification.run(notification.pk)
    tasks.send_request_notification.run(notification.pk)  # a late duplicate: nothing
    assert [m.to for m in mail.outbox] == [[AGENT], [hanako.email]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_person_sees_the_identity_check_among_their_data(filed, hanako, officer):
    """The identity record and the documents are the person's data: "my data" lists them."""
    from portal.kernel.subject_view import subject_view
    from rights.requesters.verification import identity_match_subject

    identity_match_subject(request=filed, subject=hanako, actor=officer)
    view = subject_view(hanako, pages={})
    labels = [
        str(section.source.label)
        for group in view.groups
        for category in group.categories
        for section in category.sections
    ]
    assert "Identity checks of your requests" in labels
    assert "Documents sent with your requests" in labels


def test_matching_a_customer_records_the_services_they_are_registered_with(filed, hanako, officer):
    """The request filed without an account concerns the matched customer's services
    from the match on; matching another customer replaces them, unmatching clears them."""
    from portal.kernel.models import Service
    from rights.requesters.verification import identity_match_subject
    from tests.factories import RegistrationFactory

    mobile = RegistrationFactory(user=hanako).service
    other = ProfileFactory().user
    video = RegistrationFactory(user=other).service
    assert list(filed.registered_services.all()) == []

    identity_match_subject(request=filed, subject=hanako, actor=officer)
    assert list(filed.registered_services.all()) == [mobile]
    identity_match_subject(request=filed, subject=other, actor=officer, reason="By phone.")
    assert list(filed.registered_services.all()) == [video]
    identity_match_subject(request=filed, subject=None, actor=officer)
    assert list(filed.registered_services.all()) == []
    assert Service.objects.count() == 2


@pytest.mark.parametrize("posted", ["abc", "1e5", "99999999999999999999999", "-1", "２"])
def test_a_customer_id_that_cannot_be_one_matches_nobody(
    filed, officer_client, django_capture_on_commit_callbacks, posted
):
    """A forged customer id is "not found", as in a URL, not a server error."""
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{filed.pk}/identity/match/", {"subject": posted}
    )
    assert response.status_code == 404
    filed.refresh_from_db()
    assert filed.subject is None
