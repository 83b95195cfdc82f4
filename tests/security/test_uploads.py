"""Hostile uploads: the names files are sent with, the types they claim, how they come back.

Every place a person sends a file (a message's attachment, the correction's
evidence, the public form's documents) keeps it under a random name of its
own, with the extension of the type found in its bytes; the sender's name is
kept, cut and cleaned, as metadata only. Downloads carry the type found at
upload, never one guessed from a name, and are neither sniffed nor cached.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.kernel.staff import staff_create
from rights.models import RequestMessage
from rights.requesters.models import IdentityDocument
from rights.services import message_post
from tests.conftest import totp_code
from tests.factories import PASSWORD
from tests.intake_support import file_through_review
from tests.rights.identity_support import PDF, agent_form, confirm_email

pytestmark = pytest.mark.django_db

# A PDF first (so the bytes say PDF) that is an HTML page after: a browser told
# "text/html" runs its script.
POLYGLOT = PDF + b"<html><body><script>alert(document.cookie)</script></body></html>"
RANDOM_FILE = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png|heic|bin)")
MAX_NAME = 200

# Names a careless or hostile client sends, and a part of each that must never
# reach the disk.
HOSTILE_NAMES = {
    "240 characters": ("a" * 236 + ".pdf", "aaaaaaaaaa"),
    "1,000 characters": ("b" * 996 + ".pdf", "bbbbbbbbbb"),
    "240 Japanese characters": ("証" * 236 + ".pdf", "証証証"),
    "path traversal": ("../../../etc/cron.d/evil.pdf", "evil"),
    "NUL byte": ("scan\x00.html.pdf", "scan"),
    "right-to-left override": ("invoice\u202efdp.exe.pdf", "invoice"),
    "Windows reserved name": ("CON.pdf", "CON"),
    "Japanese name": ("運転免許証の写し.pdf", "運転免許証"),
}


@pytest.fixture
def upload_dir(monkeypatch, tmp_path) -> Path:
    """Attachments and documents go to a temporary directory the test can look into."""
    storage = FileSystemStorage(location=str(tmp_path))
    monkeypatch.setattr(RequestMessage._meta.get_field("attachment"), "storage", storage)
    monkeypatch.setattr(IdentityDocument._meta.get_field("file"), "storage", storage)
    return tmp_path


@pytest.fixture
def officer_client(db):
    """A privacy officer logged in to the admin with a one-time password."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    client = Client()
    response = client.post(
        "/admin/login/",
        {
            "username": officer.email,
            "password": PASSWORD,
            "otp_token": totp_code(TOTPDevice.objects.get(user=officer)),
        },
    )
    assert response.status_code == 302
    return client


def files_in(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()]


def assert_random_names(root: Path, *sent: str):
    """Every file under ``root`` has a random name; no part of a sent name is in a path."""
    found = files_in(root)
    assert found
    for path in found:
        assert RANDOM_FILE.fullmatch(path.rsplit("/", 1)[-1]), path
        for part in sent:
            assert part not in path, path


def assert_clean_name(kept: str, fragment: str):
    assert 0 < len(kept) <= MAX_NAME, kept
    assert kept.endswith(".pdf"), kept
    assert not kept.startswith("."), kept
    assert not set(kept) & {"/", "\\", "\x00", "\u202e"}, kept
    assert not kept.upper().startswith("CON."), kept


def attach(client, request, name, content=PDF):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(f"/requests/{request.pk}/", {"body": "The file.", "attachment": upload})


def download(client, request, message):
    return client.get(f"/requests/{request.pk}/messages/{message.pk}/attachment/")


def assert_safe_download(response, content_type="application/pdf"):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


# --- the cases that were seen ----------------------------------------------------------------


@pytest.mark.parametrize("length", [240, 1000])
def test_an_over_long_file_name_is_not_a_server_error(
    stepped_up_client, own_request, upload_dir, length
):
    name = "長" * (length - 4) + ".pdf"
    response = attach(stepped_up_client, own_request, name)
    assert response.status_code == 302, response.status_code
    message = RequestMessage.objects.get(request=own_request)
    assert len(message.attachment_name) <= MAX_NAME
    assert message.attachment_name.endswith(".pdf")
    assert_random_names(upload_dir, "長長長")


def test_the_customers_file_name_never_reaches_the_disk(stepped_up_client, own_request, upload_dir):
    assert attach(stepped_up_client, own_request, "my-passport-scan.pdf").status_code == 302
    message = RequestMessage.objects.get(request=own_request)
    assert message.attachment_name == "my-passport-scan.pdf"
    assert "passport" not in message.attachment.name
    assert_random_names(upload_dir, "my-passport-scan")


def test_a_pdf_html_polyglot_named_html_is_served_as_pdf(
    stepped_up_client, own_request, upload_dir
):
    assert attach(stepped_up_client, own_request, "page.html", POLYGLOT).status_code == 302
    message = RequestMessage.objects.get(request=own_request)
    assert message.attachment_type == "application/pdf"
    response = download(stepped_up_client, own_request, message)
    assert_safe_download(response)
    assert "text/html" not in response["Content-Type"]
    assert 'filename="page.html.pdf"' in response["Content-Disposition"]
    assert_random_names(upload_dir, "page")


def test_the_customers_attachment_download_is_not_cached(
    stepped_up_client, own_request, upload_dir
):
    assert attach(stepped_up_client, own_request, "proof.pdf").status_code == 302
    message = RequestMessage.objects.get(request=own_request)
    response = download(stepped_up_client, own_request, message)
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == PDF


# --- every hostile name, every way in --------------------------------------------------------


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_on_a_message_attachment(stepped_up_client, own_request, upload_dir, case):
    name, fragment = HOSTILE_NAMES[case]
    response = attach(stepped_up_client, own_request, name)
    assert response.status_code == 302, response.status_code
    message = RequestMessage.objects.get(request=own_request)
    assert_clean_name(message.attachment_name, fragment)
    assert_random_names(upload_dir, fragment)
    assert_safe_download(download(stepped_up_client, own_request, message))


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_given_to_the_service_directly(own_request, customer, upload_dir, case):
    """The multipart parser already drops path parts and control characters; a file
    handed to the service by other code is kept as safely."""
    name, fragment = HOSTILE_NAMES[case]
    message = message_post(
        request=own_request,
        author=customer,
        body="The file.",
        attachment=SimpleUploadedFile(name, PDF),
        attachment_type="application/pdf",
    )
    assert_clean_name(message.attachment_name, fragment)
    assert_random_names(upload_dir, fragment)


def test_the_original_name_is_cleaned():
    from rights.uploads import clean_name

    assert clean_name("../../etc/passwd.pdf", max_length=200) == "passwd.pdf"
    assert clean_name("..\\..\\boot.ini.pdf", max_length=200) == "boot.ini.pdf"
    assert clean_name(".htaccess.pdf", max_length=200) == "htaccess.pdf"
    assert clean_name("a\x00b\x1fc\u202ed\u200be.pdf", max_length=200) == "abcde.pdf"
    assert clean_name("NUL.pdf", max_length=200) == "_NUL.pdf"
    assert clean_name("com1", max_length=200) == "_com1"
    assert clean_name("住所変更届　写し.pdf", max_length=200) == "住所変更届 写し.pdf"
    assert clean_name("x" * 1000 + ".jpeg", max_length=200) == "x" * 195 + ".jpeg"
    assert clean_name("report." + "y" * 300, max_length=20) == "report." + "y" * 13
    assert clean_name("", max_length=200) == "file"
    assert clean_name("...", max_length=200, fallback="document") == "document"


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_on_correction_evidence(stepped_up_client, customer, upload_dir, case):
    from tests.security.test_hostile_inputs import correction_target

    name, fragment = HOSTILE_NAMES[case]
    data = {"target": correction_target(customer), "new_value": "090-1", "details": "moved"}
    evidence = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    response = file_through_review(
        stepped_up_client, "/requests/new/correction/", data, files={"evidence": evidence}
    )
    assert response.status_code == 302, response.status_code
    message = RequestMessage.objects.exclude(attachment="").get()
    assert_clean_name(message.attachment_name, fragment)
    assert_random_names(upload_dir, fragment)
    assert_safe_download(download(stepped_up_client, message.request, message))


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_hostile_names_on_the_public_forms_documents(
    client, upload_dir, fresh_rate_limits, django_capture_on_commit_callbacks, case
):
    name, fragment = HOSTILE_NAMES[case]
    confirm_email(client, "agent@lawyers.example", django_capture_on_commit_callbacks)
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/requests/start/request/", agent_form(requester_document=upload))
    assert response.status_code == 302, response.status_code
    document = IdentityDocument.objects.get(kind="requester_id")
    assert_clean_name(document.original_name, fragment)
    assert document.content_type == "application/pdf"
    assert_random_names(upload_dir, fragment)


def test_a_polyglot_document_is_served_as_pdf_to_staff(
    upload_dir, fresh_rate_limits, django_capture_on_commit_callbacks, officer_client
):
    visitor = Client()
    confirm_email(visitor, "agent@lawyers.example", django_capture_on_commit_callbacks)
    upload = SimpleUploadedFile("id.html", POLYGLOT, content_type="text/html")
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post("/requests/start/request/", agent_form(requester_document=upload))
    assert response.status_code == 302, response.status_code
    document = IdentityDocument.objects.get(kind="requester_id")
    assert document.file.name.endswith(".pdf")
    url = f"/admin/rights/rightsrequest/{document.request_id}/documents/{document.pk}/"
    response = officer_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_staff_attachment_download_is_typed_and_not_cached(
    stepped_up_client, own_request, upload_dir, officer_client
):
    assert attach(stepped_up_client, own_request, "page.html", POLYGLOT).status_code == 302
    message = RequestMessage.objects.get(request=own_request)
    response = officer_client.get(
        f"/admin/rights/rightsrequest/{own_request.pk}/messages/{message.pk}/attachment/"
    )
    assert_safe_download(response)
    assert 'filename="page.html.pdf"' in response["Content-Disposition"]


def test_a_japanese_name_is_downloaded_under_its_own_name(
    stepped_up_client, own_request, upload_dir
):
    assert attach(stepped_up_client, own_request, "運転免許証.pdf").status_code == 302
    message = RequestMessage.objects.get(request=own_request)
    response = download(stepped_up_client, own_request, message)
    assert_safe_download(response)
    assert "filename*=utf-8''%E9%81%8B%E8%BB%A2" in response["Content-Disposition"]
