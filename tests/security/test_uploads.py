"""Hostile uploads: the names files are sent with, the types they claim, how they come back.

Every place a person sends a file (a message's attachment, the correction's
evidence, the public form's documents) keeps it under a random name of its
own, with the extension of the type found in its bytes; the sender's name is
kept, cut and cleaned, as metadata only. Downloads carry the type found at
upload, never one guessed from a name, and are neither sniffed nor cached.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.kernel.staff import staff_create
from rights.models import RequestMessage
from rights.requesters.filing import Person, Requester, Upload, identity_request_file
from rights.requesters.models import Capacity, IdentityDocument
from rights.uploads import clean_name
from tests.conftest import admin_login
from tests.factories import PASSWORD
from tests.rights.identity_support import PDF, agent_form, confirm_email

from .upload_support import (
    MAX_NAME,
    POLYGLOT,
    assert_random_names,
    assert_safe_download,
    attach,
    download,
)

pytestmark = pytest.mark.django_db

PDF_TYPE = "application/pdf"


@pytest.fixture
def officer_client(db):
    """A privacy officer logged in to the admin with a one-time password."""
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    return admin_login(Client(), officer)


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


def test_a_pdf_named_html_is_served_as_pdf(stepped_up_client, own_request, upload_dir):
    assert attach(stepped_up_client, own_request, "page.html").status_code == 302
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


# --- the kept name and the staff downloads ---------------------------------------------------


def test_the_original_name_is_cleaned():
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


def test_a_pdf_document_named_html_is_served_as_pdf_to_staff(
    upload_dir, fresh_rate_limits, django_capture_on_commit_callbacks, officer_client
):
    visitor = Client()
    confirm_email(visitor, "agent@lawyers.example", django_capture_on_commit_callbacks)
    upload = SimpleUploadedFile("id.html", PDF, content_type="text/html")
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
    assert attach(stepped_up_client, own_request, "page.html").status_code == 302
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


def test_the_agents_own_document_download_is_typed_and_not_cached(
    stepped_up_client, customer, upload_dir
):
    """An agent with an account downloads the documents they sent from their request page."""
    request = identity_request_file(
        kind="disclosure",
        requester=Requester(
            capacity=Capacity.AGENT, name="佐藤 一郎", email=customer.email, language="en"
        ),
        person=Person(name="山田 花子", email="hanako@example.com"),
        uploads=[Upload("requester_id", SimpleUploadedFile("id.html", POLYGLOT), PDF_TYPE)],
        account=customer,
    )
    document = request.identity_documents.get()
    assert_random_names(upload_dir, "id.html")
    response = stepped_up_client.get(f"/requests/{request.pk}/documents/{document.pk}/")
    assert_safe_download(response)
    assert 'filename="id.html.pdf"' in response["Content-Disposition"]
