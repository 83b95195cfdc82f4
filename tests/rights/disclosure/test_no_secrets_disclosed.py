"""CCPA regs §7024(d): a response to a request to know never discloses a Social
Security or other government-issued identification number, a financial account
number, an account password or security questions and answers.

A fully loaded customer (a password, an authenticator, a stored card, an identity
document and an attachment whose bytes carry a passport and a licence number, a
logged-in session, the link to an earlier disclosure) files a disclosure under the
CCPA: no file of the package, and not the "my data" page, holds any of those secrets.
"""

from __future__ import annotations

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice

from rights.choices import Regime, Status
from rights.disclosure import crypto
from rights.disclosure.models import DisclosurePackage
from rights.disclosure.services import download_token
from rights.requesters.filing import Upload, _documents_add
from rights.requesters.models import DocumentKind
from rights.services import request_submit
from tests import sample_files
from tests.conftest import step_up
from tests.factories import PaymentMethodFactory
from tests.rights.disclosure_support import unzip
from tests.security.upload_support import attach

pytestmark = pytest.mark.django_db

PASSPORT = "TK1234567"
LICENCE = "305612345678"
#: A card number of 13 to 19 digits, with or without spaces or hyphens between groups.
CARD_NUMBER = re.compile(rb"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")


def _complete(subject, officer, capture, **kwargs):
    request = request_submit(
        subject=subject,
        requester=subject,
        kind="disclosure",
        delivery_method="electronic",
        regime=Regime.CCPA,
        **kwargs,
    )
    from rights import workflow

    with capture(execute=True):
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(request, to=Status.IN_PROGRESS, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    return request


def _files(request) -> dict[str, bytes]:
    package = DisclosurePackage.objects.get(request=request)
    with package.file.open("rb") as handle:
        return unzip(b"".join(crypto.decrypt_chunks(handle)))


@pytest.fixture
def loaded(subject, officer, client, django_capture_on_commit_callbacks):
    """The customer with every secret the portal may hold about them, and the secrets."""
    capture = django_capture_on_commit_callbacks
    device = TOTPDevice.objects.create(user=subject, name="phone", confirmed=True)
    PaymentMethodFactory(user=subject, last4="4242")
    step_up(client, subject, capture)
    earlier = _complete(subject, officer, capture)
    request = request_submit(
        subject=subject, requester=subject, kind="disclosure", details="My documents."
    )
    document = SimpleUploadedFile(
        "passport.pdf",
        sample_files.pdf(f"PASSPORT-{PASSPORT}".encode()),
        content_type="application/pdf",
    )
    _documents_add(
        request,
        [Upload(kind=DocumentKind.SUBJECT_ID, file=document, content_type="application/pdf")],
    )
    response = attach(
        client, request, "licence.pdf", content=sample_files.pdf(f"LICENCE-{LICENCE}".encode())
    )
    assert response.status_code == 302, response.content
    subject.refresh_from_db()
    algorithm, *parts = subject.password.split("$")
    secrets = {
        "password hash": subject.password,
        "password hash's digest": parts[-1],
        "authenticator key (hex)": device.key,
        "authenticator key (base32)": base64.b32encode(device.bin_key).decode(),
        "passport number": PASSPORT,
        "licence number": LICENCE,
        "session key": client.session.session_key,
        "download link token": download_token(DisclosurePackage.objects.get(request=earlier)),
    }
    assert all(secrets.values()) and algorithm
    return client, secrets


def _leaks(body: bytes, secrets: dict[str, str]) -> list[str]:
    found = [name for name, value in secrets.items() if value.encode() in body]
    found += [f"card number {m.decode()}" for m in CARD_NUMBER.findall(body)]
    return found


def test_the_package_discloses_no_password_key_id_number_card_or_token_ccpa_7024_d(
    loaded, subject, officer, django_capture_on_commit_callbacks
):
    """CCPA regs §7024(d): no file of the package holds a secret or an ID number."""
    client, secrets = loaded
    request = _complete(subject, officer, django_capture_on_commit_callbacks)
    files = _files(request)
    # The package is the full one: the card and the documents are in it, by kind only.
    everything = b"".join(files.values())
    assert b"4242" in everything and b"passport.pdf" in everything
    assert b"licence.pdf" in everything
    leaks = {name: _leaks(body, secrets) for name, body in files.items()}
    assert not any(leaks.values()), leaks


def test_the_my_data_page_shows_no_password_key_id_number_card_or_token_ccpa_7024_d(loaded):
    """CCPA regs §7024(d): the "my data" page holds none of them either."""
    client, secrets = loaded
    page = client.get("/my-data/")
    assert page.status_code == 200
    body = page.content
    assert b"4242" in body
    assert not _leaks(body, secrets)
