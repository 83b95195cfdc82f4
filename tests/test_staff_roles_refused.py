"""What a service handler and an auditor are refused, typed or posted by hand.

A handler of service A who types the address of a request of service B (its working
page, its identity documents, its thread's attachments, a fee of it) gets a 404 or
403 and never its contents, also when B's document is asked for under the number of
A's request; an auditor who posts a change (a status, an assignment, a fee, a hold,
a bulk action) is refused and nothing changes (APPI arts. 23 and 24: staff handle
personal data only as far as their work needs)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rights import fees, services, workflow
from rights.choices import Kind, Status
from rights.models import LegalHold, Payment, RequestEvent, RequestMessage, RightsRequest
from rights.requesters.filing import Upload, _documents_add
from rights.retention.holds.services import hold_place
from tests import sample_files
from tests.conftest import admin_login
from tests.factories import ProfileFactory, RegistrationFactory
from tests.rights.fee_support import publish
from tests.staff_roles_support import services_and_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage", "files")]

PDF = sample_files.pdf()
REFUSED = (403, 404)


@pytest.fixture
def files(monkeypatch, tmp_path):
    """Thread attachments go to a directory of the test."""
    from django.core.files.storage import FileSystemStorage

    field = RequestMessage._meta.get_field("attachment")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path / "messages")))


def _pdf():
    return SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def world():
    staff = services_and_staff()
    officer = staff["officer"]
    publish(amount=1000)  # APPI art. 38: only a published fee is asked
    made = {role: staff[role] for role in ("officer", "handler", "auditor")}
    for key, service in (("a", staff["service_a"]), ("b", staff["service_b"])):
        customer = ProfileFactory(user__email=f"customer.{key}@example.com").user
        RegistrationFactory(user=customer, service=service)
        request = services.request_submit(
            subject=customer,
            requester=customer,
            kind=Kind.DISCLOSURE,
            services=[service],
            regime="appi",
            delivery_method="electronic",
        )
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        (document,) = _documents_add(request, [Upload("licence", _pdf(), "application/pdf")])
        message = services.message_post(
            request=request, author=customer, body="My licence.", attachment=_pdf()
        )
        payment = fees.fee_request(request=request, actor=officer)
        made[key] = {
            "customer": customer,
            "request": request,
            "document": document,
            "message": message,
            "payment": payment,
        }
    return made


def _client(user):
    return admin_login(Client(), user)


def _state(world):
    """Every row a refused POST could have changed."""
    return (
        list(RightsRequest.objects.order_by("pk").values()),
        list(Payment.objects.order_by("pk").values()),
        list(LegalHold.objects.order_by("pk").values()),
        RequestEvent.objects.count(),
        RequestMessage.objects.count(),
    )


def _url(name, *args):
    return reverse(f"admin:rights_rightsrequest_{name}", args=args)


def test_a_handler_opens_nothing_of_another_services_request(world):
    client = _client(world["handler"])
    a, b = world["a"], world["b"]
    # Their own service's request, document and attachment open: the refusals below
    # are about the service, not about the pages.
    assert client.get(_url("change", a["request"].pk)).status_code == 200
    assert (
        client.get(_url("identity_document", a["request"].pk, a["document"].pk)).status_code == 200
    )
    assert client.get(_url("attachment", a["request"].pk, a["message"].pk)).status_code == 200

    typed = [
        _url("change", b["request"].pk),
        _url("history", b["request"].pk),
        _url("identity_document", b["request"].pk, b["document"].pk),
        _url("attachment", b["request"].pk, b["message"].pk),
        _url("disclosure_print", b["request"].pk),
        _url("erasure_plan", b["request"].pk),
        # B's document and attachment under the number of A's request.
        _url("identity_document", a["request"].pk, b["document"].pk),
        _url("attachment", a["request"].pk, b["message"].pk),
        reverse("admin:rights_payment_change", args=[b["payment"].pk]),
        reverse("admin:portal_user_change", args=[b["customer"].pk]),
        reverse("admin:portal_user_personal_data", args=[b["customer"].pk]),
    ]
    for url in typed:
        response = client.get(url)
        assert response.status_code in REFUSED, (url, response.status_code)
        assert b["customer"].email not in response.content.decode(errors="replace"), url
        assert PDF not in response.content, url


def test_a_handler_changes_nothing_of_another_services_request(world):
    client = _client(world["handler"])
    b = world["b"]
    before = _state(world)
    posts = [
        (_url("transition", b["request"].pk), {"to": "rejected", "reason": "x", "confirm": "1"}),
        (_url("assign", b["request"].pk), {"assignee": world["handler"].pk}),
        (_url("message", b["request"].pk), {"body": "Hello"}),
        (
            _url("fee_payment", b["request"].pk, b["payment"].pk, "waive"),
            {"reason": "Hardship", "confirm": "1"},
        ),
        (
            reverse("admin:rights_payment_change", args=[b["payment"].pk]),
            {"status": "waived"},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code in REFUSED, (url, response.status_code)
    for action in ("assign_selected",):
        client.post(
            reverse("admin:rights_rightsrequest_changelist"),
            {
                "action": action,
                "_selected_action": [b["request"].pk],
                "apply": "1",
                "assignee": world["handler"].pk,
            },
        )
    client.post(
        reverse("admin:rights_payment_changelist"),
        {
            "action": "waive",
            "_selected_action": [b["payment"].pk],
            "apply": "1",
            "reason": "Hardship",
            "confirm": "1",
        },
    )
    assert _state(world) == before


def test_an_auditor_changes_nothing(world):
    client = _client(world["auditor"])
    a = world["a"]
    hold = hold_place(
        actor=world["officer"],
        reason="Litigation",
        legal_basis="Court order",
        subject=a["customer"],
    )
    before = _state(world)
    pk, payment = a["request"].pk, a["payment"].pk
    posts = [
        (
            _url("transition", pk),
            {"to": "rejected", "reason": "x", "ground": "other", "confirm": "1"},
        ),
        (_url("transition", pk), {"to": "in_progress"}),
        (_url("assign", pk), {"assignee": world["auditor"].pk}),
        (_url("extend", pk), {"reason": "Complex", "days": "14"}),
        (_url("regime", pk), {"regime": "gdpr"}),
        (_url("message", pk), {"body": "Hello"}),
        (_url("fee", pk), {"amount": "2000", "reason": "copies"}),
        (_url("fee_payment", pk, payment, "paid"), {"method": "bank_transfer", "confirm": "1"}),
        (_url("fee_payment", pk, payment, "waive"), {"reason": "Hardship", "confirm": "1"}),
        (_url("disclosure_posted", pk), {"posted_on": "2026-12-01", "confirm": "1"}),
        (
            reverse("admin:rights_legalhold_release", args=[hold.pk]),
            {"reason": "x", "confirm": "1"},
        ),
        (
            reverse("admin:rights_legalhold_add"),
            {"subject": a["customer"].pk, "reason": "x", "legal_basis": "y"},
        ),
        (reverse("admin:rights_payment_change", args=[payment]), {"status": "waived"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code in REFUSED, (url, response.status_code)
    bulk = [
        ("rightsrequest", pk, {"action": "assign_selected", "assignee": world["auditor"].pk}),
        ("payment", payment, {"action": "record_paid", "method": "bank_transfer"}),
        ("payment", payment, {"action": "waive", "reason": "Hardship"}),
        ("payment", payment, {"action": "refund", "reason": "Refund"}),
    ]
    for model, selected, data in bulk:
        response = client.post(
            reverse(f"admin:rights_{model}_changelist"),
            {**data, "_selected_action": [selected], "apply": "1", "confirm": "1", "index": "0"},
        )
        # Django answers an action the user is not offered with the list again.
        assert response.status_code in (200, 302, *REFUSED)
    assert _state(world) == before
