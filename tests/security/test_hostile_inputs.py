"""Every customer form and endpoint against hostile input.

Each case sends what a careless or malicious client might: values longer than
allowed, the wrong type, HTML and script, SQL meta-characters, text that is
not valid Unicode, huge bodies and files, a forged CSRF token, other people's
ids. Each gets a clear answer (a status and a message) and nothing is stored:
the rows of every table a form writes are counted before and after.
"""

import json
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from portal.kernel.models import Profile, User
from rights.choices import Status
from rights.correctable import correctable_fields
from rights.correction import requested_changes
from rights.models import PaymentEvent, RequestMessage, RightsRequest
from rights.payments import FakeProvider
from rights.requesters.models import IdentityDocument
from rights.services import message_post
from tests.conftest import admin_login
from tests.factories import PASSWORD, ServiceFactory
from tests.intake_support import file_from_review, file_through_review
from tests.rights.identity_support import PDF, agent_form, confirm_email, file_public_request, pdf

from .conftest import snapshot
from .upload_support import (
    HOSTILE_NAMES,
    assert_clean_name,
    assert_random_names,
    assert_safe_download,
    attach,
    download,
)

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
SQL = "x'; DROP TABLE rights_rightsrequest; -- \" OR 1=1 --"
NUL = "before\x00after"
# "é" as Latin-1, a lone surrogate in UTF-8 form, a stray continuation byte.
INVALID_UTF8 = [b"%E9t%E9", b"%ED%A0%80", b"%80abc"]


def refused(response, status: int, message: str, before: dict):
    assert response.status_code == status, response.content[:500]
    text = response.content.decode()
    assert message in text, f"{message!r} not in the page: " + _errors(text)
    assert snapshot() == before


def _errors(html: str) -> str:
    """The error lines of a page, for a short assertion message."""
    import re

    found = re.findall(r'class="(?:errorlist|error)[^"]*"[^>]*>(.*?)</', html, re.S)
    return " | ".join(found)[:600] or html[-600:]


def bad_text(client, path, data: dict, field: str, raw: bytes):
    """POST ``data`` url-encoded by hand, with ``field`` set to the raw bytes."""
    from urllib.parse import urlencode

    body = urlencode({k: v for k, v in data.items() if k != field}, doseq=True).encode()
    body += b"&" + field.encode() + b"=" + raw
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def correction_target(customer, field="phone") -> str:
    return next(t for t, _label, _value in correctable_fields(customer) if t.endswith(f"|{field}"))


# --- forged CSRF ---------------------------------------------------------------------------


def _logged_in_posts(own_request):
    return [
        ("/accounts/logout/", {}),
        ("/accounts/logout/everywhere/", {}),
        ("/accounts/code/", {"send": "1"}),
        ("/account/", {"save_profile": "1", "full_name": "Forged"}),
        ("/account/", {"save_language": "1", "language": "ja"}),
        ("/account/password/", {"old_password": PASSWORD, "new_password1": "x" * 12}),
        ("/account/authenticator/", {"token": "123456"}),
        ("/account/authenticator/remove/", {}),
        ("/requests/new/disclosure/", {"delivery_method": "electronic"}),
        ("/requests/new/deletion/", {"everything": "on"}),
        ("/requests/new/purpose_notice/", {"delivery_method": "electronic"}),
        ("/requests/new/stop_use/", {"purposes": ["marketing"], "details": "x"}),
        ("/requests/new/stop_provision/", {"recipients": ["1"], "details": "x"}),
        ("/requests/new/correction/", {"new_value": "x", "details": "x"}),
        (f"/requests/{own_request.pk}/", {"body": "Forged message"}),
        (f"/requests/{own_request.pk}/withdraw/", {"reason": "Forged"}),
        ("/consent/", {"purpose_1": "on"}),
        ("/consent/policy/", {"accept": "1"}),
    ]


def test_forged_csrf_is_refused_on_every_customer_form(csrf_client, customer, own_request):
    before = snapshot()
    for path, data in _logged_in_posts(own_request):
        for token in (None, "forged-token-" + "x" * 51):
            payload = dict(data)
            if token:
                payload["csrfmiddlewaretoken"] = token
            response = csrf_client.post(path, payload)
            refused(response, 403, "The form has expired", before)
    customer.refresh_from_db()
    assert customer.session_epoch == 0
    assert RightsRequest.objects.get(pk=own_request.pk).status == Status.SUBMITTED
    # The session was not ended by the forged logouts either.
    assert csrf_client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    "path,data",
    [
        ("/accounts/signup/", {"email": "new@example.com", "full_name": "New"}),
        ("/accounts/login/", {"username": "a@example.com", "password": "x"}),
        ("/accounts/password/reset/", {"email": "a@example.com"}),
        ("/accounts/verify/resend/", {"email": "a@example.com"}),
    ],
)
def test_forged_csrf_is_refused_on_the_public_forms(db, path, data):
    client = Client(enforce_csrf_checks=True)
    client.get(path)  # the CSRF cookie is set, but the form's token is missing
    before = snapshot()
    refused(client.post(path, data), 403, "The form has expired", before)


# --- text that is not text -----------------------------------------------------------------


def _text_fields(customer, own_request):
    return [
        ("/account/", {"save_profile": "1", "full_name": "Taro"}, "occupation"),
        ("/requests/new/correction/", {"target": correction_target(customer)}, "new_value"),
        ("/requests/new/disclosure/", {"delivery_method": "electronic"}, "details"),
        (f"/requests/{own_request.pk}/", {}, "body"),
        (f"/requests/{own_request.pk}/withdraw/", {}, "reason"),
        ("/accounts/code/", {"verify": "1"}, "token"),
        ("/consent/", {}, "anything"),
    ]


def test_nul_and_invalid_utf8_are_refused_before_any_view(stepped_up_client, customer, own_request):
    profile_before = Profile.objects.values().get(user=customer)
    before = snapshot()
    for path, data, field in _text_fields(customer, own_request):
        response = stepped_up_client.post(path, {**data, field: NUL})
        refused(response, 400, "Nothing was saved", before)
        for raw in INVALID_UTF8:
            refused(bad_text(stepped_up_client, path, data, field, raw), 400, "cannot read", before)
    # In the query string too, and in a field's name.
    refused(stepped_up_client.get("/my-data/?p=%00"), 400, "Nothing was saved", before)
    refused(stepped_up_client.get("/requests/?q=%ED%A0%80"), 400, "Nothing was saved", before)
    response = stepped_up_client.post("/account/", {"save_profile": "1", "full\x00name": "x"})
    refused(response, 400, "Nothing was saved", before)
    assert Profile.objects.values().get(user=customer) == profile_before
    assert RightsRequest.objects.get(pk=own_request.pk).status == Status.SUBMITTED


@pytest.mark.parametrize(
    "path,data,field",
    [
        ("/accounts/signup/", {"full_name": "x", "password1": "p" * 12}, "email"),
        ("/accounts/signup/", {"email": "n@example.com"}, "full_name"),
        ("/accounts/login/", {"password": "x"}, "username"),
        ("/accounts/password/reset/", {}, "email"),
        ("/accounts/verify/resend/", {}, "email"),
    ],
)
def test_public_forms_refuse_nul_and_invalid_utf8(client, path, data, field):
    before = snapshot()
    refused(client.post(path, {**data, field: NUL}), 400, "Nothing was saved", before)
    for raw in INVALID_UTF8:
        refused(bad_text(client, path, data, field, raw), 400, "cannot read", before)


# --- sign-up, login, reset -----------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("email", "a" * 250 + "@example.com", "Write at most 254 characters"),
        ("email", SQL, "Enter a valid e-mail address"),
        ("email", SCRIPT, "Enter a valid e-mail address"),
        ("email", ["a@example.com", "b@example.com"], ""),
        ("full_name", "名" * 151, "Write at most 150 characters"),
        ("full_name", "", "Enter your full name."),
        ("password1", ["short", "short"], "too short"),
        ("password2", "different-long-password-1", "do not match"),
        ("accept_policy", "", "accept"),
    ],
)
def test_signup_refuses_bad_values(client, field, value, message):
    data = {
        "email": "new@example.com",
        "full_name": "佐藤 花子",
        "password1": "a-long-enough-secret-77",
        "password2": "a-long-enough-secret-77",
        "accept_policy": "on",
        field: value,
    }
    if field == "password1" and isinstance(value, list):
        data["password1"] = data["password2"] = value[0]
    before = snapshot()
    response = client.post("/accounts/signup/", data)
    if field == "email" and isinstance(value, list):
        # A repeated field: the last value counts, as for any form field.
        assert response.status_code == 302
        assert User.objects.filter(email="b@example.com").exists()
        return
    refused(response, 200, message, before)


@pytest.mark.parametrize(
    "username,password,message",
    [
        (SQL, SQL, "Enter a valid e-mail address"),
        ("' OR '1'='1@example.com", "' OR '1'='1", "Enter a valid e-mail address"),
        ("or'1'='1@example.com", "' OR '1'='1", "not correct"),
        ("a" * 300 + "@example.com", "x", "at most 254 characters"),
        ("customer@example.com", "p" * 10_000, "not correct"),
        (SCRIPT, "x", "Enter a valid e-mail address"),
    ],
)
def test_login_refuses_bad_values_without_logging_in(client, username, password, message):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "<script>alert" not in response.content.decode()


def test_login_ignores_an_offsite_next(client, customer):
    response = client.post(
        "/accounts/login/?next=//evil.example.com/",
        {"username": customer.email, "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert "evil" not in response.url


@pytest.mark.parametrize("value", [SQL, "a" * 300 + "@example.com", SCRIPT, ""])
def test_reset_and_resend_refuse_bad_addresses(client, value):
    before = snapshot()
    for path in ("/accounts/password/reset/", "/accounts/verify/resend/"):
        response = client.post(path, {"email": value})
        assert response.status_code == 200
        assert response.context["form"].errors["email"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/verify/MQ/bad-token/",
        "/accounts/verify/%27%20OR%201%3D1/x/",
        "/accounts/verify/" + "A" * 5000 + "/x/",
        "/accounts/password/reset/MQ/set-password/",
        "/accounts/password/reset/" + "Z" * 5000 + "/abc/",
    ],
)
def test_forged_links_say_they_do_not_work(client, customer, path):
    before = snapshot()
    response = client.get(path, follow=True)
    assert response.status_code in (200, 400)
    text = response.content.decode()
    assert "does not work" in text or "invalid" in text.lower()
    assert snapshot() == before


# --- account settings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("full_name", "x" * 151, "at most 150 characters"),
        ("full_name_kana", "カ" * 151, "at most 150 characters"),
        ("postal_code", "1" * 17, "at most 16 characters"),
        ("address", "住" * 301, "at most 300 characters"),
        ("phone", "0" * 33, "at most 32 characters"),
        ("date_of_birth", "1990-02-31", "Enter the date as year-month-day"),
        ("date_of_birth", SQL, "Enter the date as year-month-day"),
        ("date_of_birth", "99999-01-01", "Enter the date as year-month-day"),
        ("gender", "robot", "Select a valid choice"),
        ("gender", SCRIPT, "Select a valid choice"),
        ("occupation", "x" * 100_000, "at most 100 characters"),
    ],
)
def test_account_details_refuse_bad_values(stepped_up_client, customer, field, value, message):
    profile_before = Profile.objects.values().get(user=customer)
    data = {"save_profile": "1", "full_name": "山田 太郎", field: value}
    response = stepped_up_client.post("/account/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Profile.objects.values().get(user=customer) == profile_before


def test_account_details_keep_script_and_sql_as_plain_text(stepped_up_client, customer):
    data = {"save_profile": "1", "full_name": SQL[:150], "occupation": SCRIPT[:100]}
    assert stepped_up_client.post("/account/", data).status_code == 302
    profile = Profile.objects.get(user=customer)
    assert profile.full_name == SQL.strip()[:150]
    html = stepped_up_client.get("/account/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


@pytest.mark.parametrize("language", ["xx", SCRIPT, ""])
def test_account_language_refuses_unknown_languages(stepped_up_client, customer, language):
    response = stepped_up_client.post("/account/", {"save_language": "1", "language": language})
    assert response.status_code == 200
    assert response.context["language_form"].errors["language"]
    customer.refresh_from_db()
    assert customer.language == "en"


def test_step_up_refuses_bad_codes_and_other_peoples_devices(client, customer, other_customer):
    from portal.kernel.stepup import email_device_for

    client.force_login(customer)
    others = email_device_for(other_customer)
    for data, message in [
        ({"verify": "1", "token": "abcdef"}, "Enter the 6-digit code"),
        ({"verify": "1", "token": "1" * 10_000}, "Enter the 6-digit code"),
        ({"verify": "1", "token": SCRIPT}, "Enter the 6-digit code"),
        ({"verify": "1", "device": others.persistent_id, "token": "123456"}, "Choose one"),
        ({"verify": "1", "device": SQL, "token": "123456"}, "Choose one"),
    ]:
        response = client.post("/accounts/code/", data)
        assert response.status_code == 200
        errors = str(response.context["form"].errors)
        assert message in response.content.decode(), (data, errors)
    assert client.get("/my-data/").status_code == 302  # still not stepped up


def test_authenticator_setup_refuses_bad_codes(stepped_up_client, customer):
    from portal.kernel.models import CustomerTOTPDevice

    for token in ("abcdef", SCRIPT, "9" * 100):
        response = stepped_up_client.post("/account/authenticator/", {"token": token})
        assert response.status_code == 200
        assert "Enter the 6-digit code" in response.content.decode()
    assert not CustomerTOTPDevice.objects.filter(user=customer, confirmed=True).exists()


# --- request forms -------------------------------------------------------------------------


def _request_cases(customer, other_customer):
    other_service = ServiceFactory(code="other-only")
    own = correction_target(customer)
    others = correction_target(other_customer)
    correction = {"target": own, "new_value": "090-1234-5678", "details": "moved"}
    return [
        ("disclosure", {"delivery_method": "pigeon"}, "Select a valid choice"),
        ("disclosure", {"delivery_method": ["electronic", SCRIPT]}, "Select a valid choice"),
        ("disclosure", {"delivery_method": "paper", "services": "abc"}, "valid value"),
        (
            "disclosure",
            {"delivery_method": "paper", "services": str(other_service.pk)},
            "Select a valid choice",
        ),
        (
            "disclosure",
            {"delivery_method": "paper", "services": "9" * 30},
            "Select a valid choice",
        ),
        ("disclosure", {"delivery_method": "paper", "categories": SQL}, "Select a valid choice"),
        ("disclosure", {"delivery_method": "paper", "details": "x" * 4001}, "at most 4000"),
        ("purpose_notice", {"delivery_method": ""}, "Choose how you would like to receive"),
        ("deletion", {"everything": "on", "services": ""}, None),
        ("stop_use", {"purposes": "not-a-purpose", "details": "x"}, "Select a valid choice"),
        ("stop_use", {"purposes": "billing", "details": ""}, "Tell us why you want us"),
        ("stop_provision", {"recipients": "abc", "details": "x"}, "Select a valid choice"),
        ("stop_provision", {"recipients": "99999999", "details": "x"}, "Select a valid choice"),
        ("correction", {**correction, "target": others}, "Select a valid choice"),
        ("correction", {**correction, "target": "portal.profile|1|password"}, "Select a valid"),
        ("correction", {**correction, "target": SQL}, "Select a valid choice"),
        ("correction", {**correction, "new_value": "0" * 301}, "at most 300 characters"),
        ("correction", {**correction, "new_value": ""}, "Give the correct value."),
        ("correction", {**correction, "details": "x" * 100_000}, "at most 4000 characters"),
        (
            "correction",
            {**correction, "target": correction_target(customer, "date_of_birth")},
            "Enter the date as year-month-day",
        ),
    ]


def test_request_forms_refuse_bad_values(stepped_up_client, customer, other_customer):
    for kind, data, message in _request_cases(customer, other_customer):
        if message is None:
            continue
        before = snapshot()
        response = stepped_up_client.post(f"/requests/new/{kind}/", data)
        refused(response, 200, message, before)


def test_deletion_of_everything_and_of_some_services_at_once_is_refused(
    stepped_up_client, customer
):
    service = customer.service_registrations.first().service
    before = snapshot()
    response = stepped_up_client.post(
        "/requests/new/deletion/", {"everything": "on", "services": str(service.pk)}
    )
    refused(response, 200, "Choose either everything", before)


@pytest.mark.parametrize("kind", ["unknown", "%3Cscript%3E", "DISCLOSURE", "x" * 300])
def test_unknown_request_kinds_are_not_found(stepped_up_client, kind):
    before = snapshot()
    response = stepped_up_client.get(f"/requests/new/{kind}/")
    assert response.status_code == 404
    assert snapshot() == before


def test_correction_evidence_is_checked_by_its_bytes_and_size(
    stepped_up_client, customer, settings
):
    settings.RIGHTS_UPLOAD_MAX_BYTES = 64 * 1024
    base = {"target": correction_target(customer), "new_value": "090-1", "details": "moved"}
    cases = [
        (SimpleUploadedFile("proof.pdf", b"<html><script>alert(1)</script></html>"), "Only PDF"),
        (SimpleUploadedFile("proof.pdf", b"%PDF-1.7\n" + b"0" * (64 * 1024)), "too large"),
        (SimpleUploadedFile("proof.pdf", b""), "empty"),
        (SimpleUploadedFile("<script>.png", b"MZ\x90\x00" + b"\x00" * 100), "Only PDF"),
    ]
    for upload, message in cases:
        before = snapshot()
        response = stepped_up_client.post("/requests/new/correction/", {**base, "evidence": upload})
        refused(response, 200, message, before)


def test_a_body_over_the_upload_limit_is_a_400(stepped_up_client, own_request, settings):
    before = snapshot()
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = stepped_up_client.post(f"/requests/{own_request.pk}/", {"body": huge})
    refused(response, 400, "too large", before)
    many = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = stepped_up_client.post("/requests/new/disclosure/", many)
    refused(response, 400, "too large", before)


def test_sql_and_script_in_free_text_are_stored_as_typed_and_shown_escaped(
    stepped_up_client, customer
):
    data = {
        "target": correction_target(customer, "address"),
        "new_value": SCRIPT,
        "details": SQL,
    }
    review = stepped_up_client.post("/requests/new/correction/", data)
    assert "&lt;script&gt;alert" in review.content.decode()
    assert "<script>alert" not in review.content.decode()
    response = file_from_review(stepped_up_client, "/requests/new/correction/", review)
    assert response.status_code == 302
    filed = RightsRequest.objects.get(subject=customer, kind="correction")
    assert requested_changes(filed)[0].new_value == SCRIPT
    assert filed.details == SQL
    html = stepped_up_client.get(f"/requests/{filed.pk}/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


# --- the message thread and other people's ids ----------------------------------------------


def test_messages_refuse_bad_values(stepped_up_client, own_request):
    cases = [
        ({"body": ""}, "Write the message you want to send."),
        ({"body": "x" * 4001}, "at most 4000 characters"),
        ({"body": "ok", "attachment": SimpleUploadedFile("a.pdf", b"<html></html>")}, "Only PDF"),
        ({"body": ["a", "b" * 5000]}, "at most 4000 characters"),
    ]
    for data, message in cases:
        before = snapshot()
        refused(stepped_up_client.post(f"/requests/{own_request.pk}/", data), 200, message, before)


def test_other_customers_requests_are_not_found(stepped_up_client, others_request, own_request):
    message = others_request.messages.get()
    before = snapshot()
    pk = others_request.pk
    for method, path, data in [
        ("get", f"/requests/{pk}/", None),
        ("post", f"/requests/{pk}/", {"body": "mine now"}),
        ("post", f"/requests/{pk}/withdraw/", {"reason": "mine"}),
        ("get", f"/requests/{pk}/receipt/", None),
        ("get", f"/requests/{pk}/messages/{message.pk}/attachment/", None),
        # The customer's own request with the other's message id.
        ("get", f"/requests/{own_request.pk}/messages/{message.pk}/attachment/", None),
        ("get", "/requests/99999999999/", None),
    ]:
        response = getattr(stepped_up_client, method)(path, data or {})
        assert response.status_code == 404, path
        assert "B&#x27;s" not in response.content.decode()
        assert "B's private message" not in response.content.decode()
    assert snapshot() == before
    others_request.refresh_from_db()
    assert others_request.status == Status.SUBMITTED
    listing = stepped_up_client.get("/requests/").content.decode()
    assert others_request.reference not in listing


def test_withdraw_twice_and_withdraw_a_finished_request_say_so(stepped_up_client, own_request):
    assert stepped_up_client.post(f"/requests/{own_request.pk}/withdraw/").status_code == 302
    before = snapshot()
    response = stepped_up_client.post(f"/requests/{own_request.pk}/withdraw/", follow=True)
    assert response.status_code == 200
    assert snapshot() == before
    notes = [str(m) for m in response.context["messages"]]
    assert any("withdraw" in note.lower() or "not allowed" in note.lower() for note in notes)


# --- consent pages -------------------------------------------------------------------------


def test_consent_pages_ignore_forged_and_malformed_fields(stepped_up_client, customer):
    from consent.models import ConsentRecord, Purpose

    required = Purpose.objects.filter(is_required=True).first()
    before = ConsentRecord.objects.filter(subject=customer).count()
    for data in [
        {f"purpose_{required.pk}": ""} if required else {},
        {"purpose_abc": "on", "purpose_99999999": "on"},
        {"purpose_1": SCRIPT},
    ]:
        response = stepped_up_client.post("/consent/", data)
        assert response.status_code in (200, 302)
    if required is not None:
        assert (
            ConsentRecord.objects.filter(
                subject=customer, purpose=required, action=ConsentRecord.Action.WITHDRAWN
            ).count()
            == 0
        )
    response = stepped_up_client.post("/consent/policy/", {"something": "else"})
    assert response.status_code == 302
    assert ConsentRecord.objects.filter(subject=customer).count() >= before


def test_query_strings_with_hostile_values_do_not_break_pages(stepped_up_client):
    for path in [
        "/my-data/?p.portal.usage.mobile=abc",
        "/my-data/?p.portal.usage.mobile=-5",
        "/my-data/?p.portal.usage.mobile=" + "9" * 40,
        "/my-data/?p." + "x" * 500 + "=1",
        "/fees/?" + SQL.replace(" ", "+"),
        "/accounts/code/?next=javascript:alert(1)",
        "/accounts/code/?next=//evil.example.com/",
    ]:
        response = stepped_up_client.get(path)
        assert response.status_code in (200, 302), path
        html = response.content.decode()
        # The address may be echoed in the language switch's hidden field
        # (escaped, and checked again by that view), never as a link or the
        # code page's way back.
        assert 'href="javascript:' not in html
        assert 'value="javascript:' not in html
        assert 'href="//evil' not in html


# --- the payment webhook -------------------------------------------------------------------

WEBHOOK = "/payments/webhook/fake/"
SECRET = "whsec-hostile-test"


def _deliver(body: bytes, *, signature=None):
    client = Client(enforce_csrf_checks=True)
    headers = FakeProvider.signed_headers(body, SECRET)
    if signature is not None:
        headers["X-Signature"] = signature
    return client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)


def _event(**overrides) -> bytes:
    payload = {"id": "evt_1", "type": "payment.succeeded", "reference": "RP-1", "amount": 1000}
    payload.update(overrides)
    return json.dumps(payload).encode()


@override_settings(PAYMENT_WEBHOOK_SECRET=SECRET)
@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2, 3]",
        b'"just a string"',
        b"\xff\xfe\x00",
        _event(id=""),
        _event(id="e" * 101),
        _event(id="evt\u0000nul"),
        _event(id="\ud800"),
        _event(reference="RP\u0000"),
        _event(reference="\udfff"),
        _event(reference="R" * 10_000),
        _event(amount="abc"),
        _event(amount=-1),
        _event(amount=10**30),
        _event(amount=1.5),
        _event(amount=[1]),
        _event(id={"nested": "object"}),
        _event(id=None),
        _event(reference=None),
        # JSON in UTF-16 or UTF-32: json.loads(bytes) guesses and reads these, the
        # provider sends UTF-8 (RFC 8259 §8.1).
        _event().decode().encode("utf-16"),
        _event().decode().encode("utf-32-le"),
        # Deeper than the parser follows.
        b'{"id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
)
def test_signed_webhook_calls_with_bad_bodies_are_refused(db, body):
    before = snapshot()
    response = _deliver(body)
    refused(response, 400, "", before)
    assert not PaymentEvent.objects.exists()


@override_settings(PAYMENT_WEBHOOK_SECRET=SECRET)
def test_webhook_refuses_bad_signatures_and_huge_bodies(db, settings):
    before = snapshot()
    for signature in ("", "00" * 32, "<script>", "x" * 10_000):
        refused(_deliver(_event(), signature=signature), 400, "", before)
    refused(
        _deliver(
            _event(), signature=FakeProvider.sign(_event(), "other", timestamp=int(time.time()))
        ),
        400,
        "",
        before,
    )
    huge = _event(padding="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    refused(_deliver(huge), 400, "", before)
    assert _deliver(b"{}", signature=None).status_code == 200  # signed, ignored kind
    assert Client().get(WEBHOOK).status_code == 405
    assert Client().post("/payments/webhook/%3Cscript%3E/", {}).status_code == 404


# --- admin: script typed by a customer stays text ---------------------------------------------


def test_script_in_a_correction_is_escaped_in_the_admin(stepped_up_client, customer, client):

    from portal.kernel.staff import staff_create

    data = {
        "target": correction_target(customer, "address"),
        "new_value": SCRIPT,
        "details": SCRIPT,
    }
    response = file_through_review(stepped_up_client, "/requests/new/correction/", data)
    assert response.status_code == 302
    filed = RightsRequest.objects.get(subject=customer, kind="correction")
    stepped_up_client.post(f"/requests/{filed.pk}/", {"body": SCRIPT})
    assert [m.body for m in RequestMessage.objects.filter(request=filed)] == [SCRIPT]

    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    admin_login(client, officer)
    for path in (
        f"/admin/rights/rightsrequest/{filed.pk}/change/",
        "/admin/rights/rightsrequest/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
    assert (
        "&lt;script&gt;alert"
        in client.get(f"/admin/rights/rightsrequest/{filed.pk}/change/").content.decode()
    )


# --- the public request form: no account, agents ----------------------------------------------

START, CODE, FORM = "/requests/start/", "/requests/start/code/", "/requests/start/request/"
DONE = "/requests/start/done/"
AGENT = "agent@lawyers.example"


@pytest.fixture
def public(settings, private_storage, fresh_rate_limits):
    """The public pages, with rate limits high enough for a test's many tries; documents go
    to a temporary directory, which a refusal must leave empty."""
    from rights.requesters.throttle import STEPS

    for names in STEPS.values():
        for name in names:
            setattr(settings, name, "1000/h")
    return private_storage


def stored_files(storage) -> list:
    return [path for path in storage.rglob("*") if path.is_file()]


def nothing_kept(response, status: int, message: str, before: dict, storage):
    refused(response, status, message, before)
    assert stored_files(storage) == []
    assert "<script>alert" not in response.content.decode()


@pytest.fixture
def visitor():
    return Client()


@pytest.fixture
def started(visitor, public, django_capture_on_commit_callbacks):
    """A visitor who asked for a code and has not entered it yet."""
    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.post(START, {"email": AGENT}).status_code == 302
    return visitor


@pytest.fixture
def confirmed(visitor, public, django_capture_on_commit_callbacks):
    """A visitor whose address is confirmed, on the form."""
    confirm_email(visitor, AGENT, django_capture_on_commit_callbacks)
    return visitor


@pytest.fixture
def agent_link(public, other_customer, officer, django_capture_on_commit_callbacks):
    """An appointed agent's pending request about the other customer, and the token of the
    link the person was sent to confirm the agent."""
    from rights.requesters.agents import agent_confirmation_request, confirmation_token
    from rights.requesters.filing import Person, Requester, identity_request_file
    from rights.requesters.models import Capacity
    from rights.requesters.verification import identity_match_subject

    with django_capture_on_commit_callbacks(execute=True):
        filed = identity_request_file(
            kind="disclosure",
            requester=Requester(
                capacity=Capacity.AGENT, email="b-agent@example.com", language="en", name="B-Agent"
            ),
            person=Person(name="B's name", email=other_customer.email),
            uploads=[],
            details="B's request",
        )
        # The link goes to the matched customer's own address.
        identity_match_subject(
            request=filed, subject=other_customer, actor=officer, reason="Checked by phone."
        )
        identity = agent_confirmation_request(request=filed, actor=None)
    return filed, confirmation_token(identity)


def _unchanged_confirmation(**expected):
    from rights.requesters.models import EmailConfirmation

    confirmation = EmailConfirmation.objects.get()
    for name, value in expected.items():
        assert getattr(confirmation, name) == value, name


@pytest.mark.parametrize(
    "value,message",
    [
        ("a" * 250 + "@example.com", "at most 254 characters"),
        ("a" * 100_000, "at most 254 characters"),
        (SQL, "Enter a valid e-mail address"),
        (SCRIPT, "Enter a valid e-mail address"),
        ("agent@lawyers.example\r\nBcc: victim@example.com", "Enter a valid e-mail address"),
        # A repeated field: the last value counts, as for any form field.
        ([AGENT, SCRIPT], "Enter a valid e-mail address"),
        ("", "Enter the e-mail address we should send the code to."),
    ],
)
def test_public_start_refuses_bad_addresses_and_sends_nothing(visitor, public, value, message):
    from django.core import mail

    before = snapshot()
    nothing_kept(visitor.post(START, {"email": value}), 200, message, before, public)
    assert not mail.outbox


@pytest.mark.parametrize(
    "code,message",
    [
        ("abcdef", "Enter the six digits of the code"),
        ("12345", "Enter the six digits of the code"),
        ("１２３ａｂｃ", "Enter the six digits of the code"),
        ("١٢٣٤٥٦", "Enter the six digits of the code"),
        ("1" * 10_000, "Enter the six digits of the code"),
        (SQL, "Enter the six digits of the code"),
        (SCRIPT, "Enter the six digits of the code"),
        (["123456", "abcdef"], "Enter the six digits of the code"),
        ("", "Enter the six digits of the code"),
    ],
)
def test_public_code_step_refuses_malformed_codes_without_counting_them(
    started, public, code, message
):
    before = snapshot()
    nothing_kept(started.post(CODE, {"code": code}), 200, message, before, public)
    _unchanged_confirmation(failed_attempts=0, confirmed_at=None)
    assert started.get(FORM).status_code == 302  # the form stays closed


def _public_form_cases():
    over = "x" * 151
    return [
        ({"subject_name": over}, "at most 150 characters"),
        ({"subject_name": ["山田 花子", over]}, "at most 150 characters"),
        ({"subject_name": ""}, "Give the name of the person the request is about."),
        ({"requester_name": over}, "at most 150 characters"),
        ({"requester_name": " "}, "Please give your name"),
        ({"requester_phone": "0" * 33}, "at most 32 characters"),
        ({"subject_phone": "0" * 100_000}, "at most 32 characters"),
        ({"subject_email": "a" * 250 + "@example.com"}, "at most 254 characters"),
        ({"subject_email": SQL}, "Enter a valid e-mail address"),
        ({"subject_email": SCRIPT}, "Enter a valid e-mail address"),
        ({"subject_email": "", "subject_phone": ""}, "Give the person&#x27;s e-mail address"),
        ({"details": "x" * 4001}, "at most 4000 characters"),
        ({"subject_date_of_birth": "1990-02-31"}, "Enter the date as year-month-day"),
        ({"subject_date_of_birth": "99999-01-01"}, "Enter the date as year-month-day"),
        ({"subject_date_of_birth": SQL}, "Enter the date as year-month-day"),
        ({"subject_date_of_birth": ["1980-04-01", "tomorrow"]}, "Enter the date as year-month-day"),
        ({"subject_date_of_birth": "2999-01-01"}, "The date of birth is in the future"),
        ({"kind": "robot"}, "Select a valid choice"),
        ({"kind": SCRIPT}, "Select a valid choice"),
        ({"kind": ["disclosure", "DISCLOSURE"]}, "Select a valid choice"),
        ({"capacity": "king"}, "Select a valid choice"),
        ({"capacity": SQL}, "Select a valid choice"),
        ({"delivery_method": "pigeon"}, "Select a valid choice"),
        ({"delivery_method": "paper"}, "Give the postal code we post the paper answer to"),
        (
            {"delivery_method": "paper", "postal_code": SQL, "postal_address": SCRIPT},
            "Enter a postal code",
        ),
        ({"postal_address": "x" * 301, "delivery_method": "paper"}, "at most 300 characters"),
        ({"authority_kind": "passport-of-mars"}, "Select a valid choice"),
        ({"authority_kind": ""}, "Choose the document that proves it"),
        ({"documents_consent": None}, "Tick the box to agree to this use of the documents"),
        # Text where a file belongs.
        ({"requester_document": "licence.pdf"}, "Send a photo or scan of your identity document."),
        ({"authority_document": None}, "Please send the document that proves it"),
    ]


def test_public_form_refuses_bad_values_and_stores_nothing(confirmed, public):
    for overrides, message in _public_form_cases():
        before = snapshot()
        response = confirmed.post(FORM, agent_form(**overrides))
        nothing_kept(response, 200, message, before, public)
    _unchanged_confirmation(used_at=None)


def test_public_form_checks_every_document_by_its_bytes_and_size(confirmed, public, settings):
    settings.RIGHTS_UPLOAD_MAX_BYTES = 64 * 1024
    html = b"<html><script>alert(1)</script></html>"
    exe = b"MZ\x90\x00" + b"\x00" * 100
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    cases = [
        ("requester_document", pdf("licence.pdf", html), "Only PDF"),
        ("requester_document", pdf("<script>.png", exe), "Only PDF"),
        ("requester_document", pdf("licence.pdf", b""), "empty"),
        ("requester_document", pdf("big.pdf", PDF + b"0" * (64 * 1024)), "too large"),
        ("authority_document", pdf("letter.png", svg), "Only PDF"),
        ("authority_document", pdf("letter.pdf", b"<html>" + PDF), "Only PDF"),
        ("subject_document", pdf("id.jpg", exe), "Only PDF"),
        ("subject_document", pdf("id.pdf", PDF * 2000), "too large"),
    ]
    for field, upload, message in cases:
        before = snapshot()
        response = confirmed.post(FORM, agent_form(**{field: upload}))
        nothing_kept(response, 200, message, before, public)
    _unchanged_confirmation(used_at=None)


def test_public_form_refuses_a_body_over_the_limits(confirmed, public, settings):
    before = snapshot()
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    nothing_kept(confirmed.post(FORM, agent_form(details=huge)), 400, "too large", before, public)
    many = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    nothing_kept(confirmed.post(FORM, agent_form(**many)), 400, "too large", before, public)
    files = {f"file{i}": pdf(f"{i}.pdf") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES)}
    nothing_kept(confirmed.post(FORM, agent_form(**files)), 400, "too large", before, public)
    _unchanged_confirmation(used_at=None)


def test_public_form_refuses_a_huge_document_streamed_to_disk(confirmed, public, settings):
    """A document larger than what Django keeps in memory goes to a temporary file: it is
    still refused, and nothing reaches the private storage."""
    settings.RIGHTS_UPLOAD_MAX_BYTES = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    big = PDF + b"0" * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    before = snapshot()
    response = confirmed.post(FORM, agent_form(requester_document=pdf("scan.pdf", big)))
    nothing_kept(response, 200, "too large", before, public)


def test_public_pages_refuse_nul_and_invalid_utf8(confirmed, public, agent_link):
    _filed, token = agent_link
    before = snapshot()
    for path, data, field in [
        (START, {}, "email"),
        (CODE, {}, "code"),
        (FORM, {"capacity": "self", "kind": "disclosure"}, "subject_name"),
        (FORM, {"capacity": "self"}, "details"),
        (f"/requests/confirm-agent/{token}/", {}, "answer"),
    ]:
        nothing_kept(
            confirmed.post(path, {**data, field: NUL}), 400, "Nothing was saved", before, public
        )
        for raw in INVALID_UTF8:
            response = bad_text(confirmed, path, data, field, raw)
            nothing_kept(response, 400, "cannot read", before, public)
    # Inside a multipart form with its documents, and in a field's name.
    response = confirmed.post(FORM, agent_form(requester_name="弁護士\x00佐藤"))
    nothing_kept(response, 400, "Nothing was saved", before, public)
    response = confirmed.post(FORM, {**agent_form(), "subject\x00name": "x"})
    nothing_kept(response, 400, "Nothing was saved", before, public)
    nothing_kept(confirmed.get(START + "?next=%00"), 400, "Nothing was saved", before, public)
    _unchanged_confirmation(used_at=None)


def test_forged_csrf_is_refused_on_the_public_request_pages(confirmed, public, agent_link):
    filed, token = agent_link
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = confirmed.cookies
    confirm = f"/requests/confirm-agent/{token}/"
    for path in (START, FORM, confirm):
        assert csrf_client.get(path).status_code == 200, path  # the CSRF cookie is set
    before = snapshot()
    for path, data in [
        (START, {"email": "someone@example.com"}),
        (CODE, {"code": "123456"}),
        (FORM, agent_form()),
        (confirm, {"answer": "yes"}),
        (confirm, {"answer": "no"}),
    ]:
        for token_sent in (None, "forged-token-" + "x" * 51):
            payload = dict(data)
            if token_sent:
                payload["csrfmiddlewaretoken"] = token_sent
            nothing_kept(
                csrf_client.post(path, payload), 403, "The form has expired", before, public
            )
    filed.identity.refresh_from_db()
    assert filed.identity.confirmation_nonce and filed.identity.subject_denied_at is None
    assert filed.identity.subject_confirmed_at is None
    _unchanged_confirmation(used_at=None)


def _forged_tokens(token: str, other_pk: int) -> list[str]:
    pk, _sep, mac = token.partition("-")
    return [
        "x",
        f"{pk}-",
        f"{pk}-{mac[:-1]}0" if mac[-1] != "0" else f"{pk}-{mac[:-1]}1",
        f"{pk}-{mac.upper()}",
        f"{other_pk}-{mac}",  # this link's code on another request's identity
        f"{pk}-{mac}-{mac}",
        "9" * 40 + f"-{mac}",
        f"-{pk}-{mac}",
        f"²-{mac}",  # a digit to str.isdigit, not to int()
        f"١{pk}-{mac}",  # an Arabic-Indic digit
        "%27%20OR%201%3D1--",
        "%3Cscript%3E",
        "%00",
        "A" * 5000,
    ]


def test_forged_agent_links_open_nothing_and_show_nothing(visitor, public, agent_link, own_request):
    from rights.requesters.models import RequestIdentity

    filed, token = agent_link
    other = RequestIdentity.objects.create(request=own_request, capacity="agent")
    before = snapshot()
    for forged in _forged_tokens(token, other.pk):
        path = f"/requests/confirm-agent/{forged}/"
        for response in (visitor.get(path), visitor.post(path, {"answer": "yes"})):
            nothing_kept(response, 404, "This link is no longer valid", before, public)
            text = response.content.decode()
            assert "B-Agent" not in text and filed.reference not in text, forged
    filed.identity.refresh_from_db()
    assert filed.identity.subject_confirmed_at is None
    assert filed.identity.subject_denied_at is None
    assert filed.status == Status.AWAITING_VERIFICATION


@pytest.mark.parametrize("answer", [None, "", "maybe", "YES", SCRIPT, SQL, ["yes", "perhaps"]])
def test_an_agent_link_answered_with_nonsense_asks_again(visitor, public, agent_link, answer):
    filed, token = agent_link
    before = snapshot()
    data = {} if answer is None else {"answer": answer}
    response = visitor.post(f"/requests/confirm-agent/{token}/", data)
    nothing_kept(response, 200, "Please answer yes or no. Nothing was recorded.", before, public)
    assert "Yes, I appointed them" in response.content.decode()
    filed.identity.refresh_from_db()
    assert filed.identity.confirmation_nonce
    assert filed.identity.subject_confirmed_at is None and filed.identity.subject_denied_at is None


def test_another_requesters_session_and_ids_are_out_of_reach(
    visitor, public, django_capture_on_commit_callbacks
):
    """The public pages keep their state in the session only: another visitor, or one who
    names someone else's confirmation or address in the form, reaches nothing of theirs."""
    from rights.requesters.models import EmailConfirmation

    first = Client()
    response = file_public_request(first, AGENT, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    theirs = RightsRequest.objects.get()
    assert AGENT in first.get(DONE).content.decode()

    before = snapshot()
    for path in (CODE, FORM, DONE):
        response = visitor.get(path)
        assert response.status_code == 302 and response.url == START, path
        response = visitor.post(path, agent_form())
        assert response.status_code in (302, 405) and AGENT not in response.content.decode()
    assert snapshot() == before
    response = visitor.get(START, follow=True)
    assert theirs.reference not in response.content.decode()

    # A second visitor with their own address cannot borrow the first one's confirmation.
    confirm_email(visitor, "second@example.com", django_capture_on_commit_callbacks)
    (used,) = [c for c in EmailConfirmation.objects.all() if c.email == AGENT]
    forged = agent_form(confirmation=str(used.pk), email=AGENT, requester_email=AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.post(FORM, forged).status_code == 302
    mine = RightsRequest.objects.exclude(pk=theirs.pk).get()
    assert mine.identity.requester_email == "second@example.com"
    done = visitor.get(DONE).content.decode()
    assert mine.reference in done and theirs.reference not in done and AGENT not in done


def test_script_and_sql_in_the_public_form_are_kept_as_typed_and_shown_escaped(
    confirmed, public, other_customer, officer, django_capture_on_commit_callbacks
):
    from rights.requesters.agents import agent_confirmation_request, confirmation_token
    from rights.requesters.verification import identity_match_subject

    data = agent_form(
        requester_name=SCRIPT[:150],
        subject_name=SQL,
        subject_email=other_customer.email,
        details=SCRIPT + SQL,
        requester_document=pdf('"><script>alert(1)</script>.pdf'),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmed.post(FORM, data).status_code == 302
    filed = RightsRequest.objects.get()
    identity = filed.identity
    assert (identity.requester_name, identity.subject_name) == (SCRIPT[:150], SQL)
    assert filed.details == SCRIPT + SQL
    for document in filed.identity_documents.all():
        assert "<" not in Path(document.file.name).name  # a random name on disk
    assert len(stored_files(public)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        identity_match_subject(
            request=filed, subject=other_customer, actor=officer, reason="Checked by phone."
        )
        agent_confirmation_request(request=filed, actor=None)
    identity.refresh_from_db()
    page = Client().get(f"/requests/confirm-agent/{confirmation_token(identity)}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


# --- file names: every upload path --------------------------------------------------------------
# Each hostile name (over-long, path parts, NUL, right-to-left override, Windows
# reserved, Japanese) is accepted on every way a file comes in, kept cut and
# cleaned as metadata, never used on disk; the file comes back typed by its bytes.


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_on_a_message_attachment(stepped_up_client, own_request, upload_dir, case):
    name, fragment, kept = HOSTILE_NAMES[case]
    response = attach(stepped_up_client, own_request, name)
    assert response.status_code == 302, response.status_code
    message = RequestMessage.objects.get(request=own_request)
    assert_clean_name(message.attachment_name, kept)
    assert_random_names(upload_dir, fragment)
    assert_safe_download(download(stepped_up_client, own_request, message))


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_given_to_the_service_directly(own_request, customer, upload_dir, case):
    """The multipart parser already drops path parts and control characters; a file
    handed to the service by other code is kept as safely."""
    name, fragment, kept = HOSTILE_NAMES[case]
    message = message_post(
        request=own_request,
        author=customer,
        body="The file.",
        attachment=SimpleUploadedFile(name, PDF),
        attachment_type="application/pdf",
    )
    assert_clean_name(message.attachment_name, kept)
    assert_random_names(upload_dir, fragment)


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_on_correction_evidence(stepped_up_client, customer, upload_dir, case):
    name, fragment, kept = HOSTILE_NAMES[case]
    data = {"target": correction_target(customer), "new_value": "090-1234-5678", "details": "moved"}
    evidence = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    response = file_through_review(
        stepped_up_client, "/requests/new/correction/", data, files={"evidence": evidence}
    )
    assert response.status_code == 302, response.status_code
    message = RequestMessage.objects.exclude(attachment="").get()
    assert_clean_name(message.attachment_name, kept)
    assert_random_names(upload_dir, fragment)
    assert_safe_download(download(stepped_up_client, message.request, message))


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_on_the_public_forms_documents(
    confirmed, upload_dir, django_capture_on_commit_callbacks, case
):
    name, fragment, kept = HOSTILE_NAMES[case]
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = confirmed.post(FORM, agent_form(requester_document=upload))
    assert response.status_code == 302, response.status_code
    document = IdentityDocument.objects.get(kind="requester_id")
    assert_clean_name(document.original_name, kept)
    assert document.content_type == "application/pdf"
    assert_random_names(upload_dir, fragment)
