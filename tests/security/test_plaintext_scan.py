"""No personal value in plaintext at rest (issue 18, acceptance 3; APPI 23, GDPR 32(1)(a)).

After the demo data and a full set of requests (a customer's with a message
and an attachment, staff's answer, an agent's on the public form with identity
documents), every text and JSON column of every model declared to the
personal-data registry and of the request models, read with plain SQL, and
every file in private storage, read as bytes, hold none of the personal
values seeded or sent.

What stays readable on purpose (docs/security.md#personal-data-at-rest): the
customer's login address (signing in, uniqueness, staff search by part of
it) and their name and kana (staff search by part of a name).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.test import Client

from portal.kernel.models import Profile, User
from portal.kernel.registry import registry
from portal.records.models import Inquiry, UsageRecord
from rights.models import (
    RequestEvent,
    RequestMessage,
    RequestNotification,
    RightsRequest,
)
from rights.requesters.models import EmailConfirmation, IdentityDocument, RequestIdentity
from rights.services import message_post, request_submit
from tests import sample_files
from tests.conftest import step_up
from tests.rights.identity_support import file_public_request, pdf

from .upload_support import attach

pytestmark = pytest.mark.django_db

# Columns kept readable on purpose, each for a reason given in docs/security.md.
CLEAR_ON_PURPOSE = {
    ("portal_user", "email"),
    ("portal_profile", "full_name"),
    ("portal_profile", "full_name_kana"),
}
REQUEST_MODELS = (
    RightsRequest,
    RequestEvent,
    RequestMessage,
    RequestNotification,
    RequestIdentity,
    IdentityDocument,
    EmailConfirmation,
)
TEXT_TYPES = {"CharField", "TextField", "JSONField"}

# What the requests below send.
SENT = {
    "request text": "私の購買履歴と位置情報の提供先を全部教えてください",
    "message body": "昨日の電話の件で追加の資料を送ります",
    "staff answer": "ご本人様確認のため免許証の裏面もお送りください",
    "attachment name": "運転免許証の写し-鈴木.pdf",
    "agent name": "弁護士 渡辺 正義",
    "agent e-mail": "watanabe.lawyer@example.net",
    "agent phone": "03-7777-1212",
    "subject name": "中村 さくら",
    "subject e-mail": "nakamura.sakura@example.org",
    "agent request text": "委任状に基づき中村さくらの全データの開示を求めます",
    "document name": "中村さくら-委任状.pdf",
}
# Bytes inside the files sent: a passport number and a licence number.
FILE_SECRETS = (b"PASSPORT-TK1234567", b"LICENCE-305612345678")


def _seeded_values() -> set[str]:
    values = set(SENT.values())
    for profile in Profile.objects.all():
        values |= {
            profile.full_name,
            profile.full_name_kana,
            profile.address,
            profile.phone,
            profile.postal_code,
            profile.occupation,
            profile.industry,
        }
        if profile.date_of_birth:
            values.add(profile.date_of_birth.isoformat())
    values |= set(User.objects.filter(is_staff=False).values_list("email", flat=True))
    for inquiry in Inquiry.objects.all():
        values |= {inquiry.subject, inquiry.message, inquiry.reply}
    values |= {record.detail for record in UsageRecord.objects.all()}
    return {v for v in values if v and len(v) >= 3}


def _scanned_models() -> set[type[models.Model]]:
    declared = {source.model for source in registry.sources() if hasattr(source, "model")}
    return declared | set(REQUEST_MODELS)


def _text_columns(model) -> list[str]:
    return [
        field.column
        for field in model._meta.concrete_fields
        if field.get_internal_type() in TEXT_TYPES
        and (model._meta.db_table, field.column) not in CLEAR_ON_PURPOSE
    ]


def _raw_values(model, column: str):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(model._meta.db_table)}")
        for (value,) in cursor.fetchall():
            if value is None:
                continue
            # JSON comes back as text or (PostgreSQL jsonb) as a document.
            yield value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _make_requests(client, customer_client, capture, officer):
    customer = User.objects.get(email="demo@example.com")
    own = request_submit(
        subject=customer, requester=customer, kind="disclosure", details=SENT["request text"]
    )
    message_post(request=own, author=customer, body=SENT["message body"])
    response = attach(
        customer_client, own, SENT["attachment name"], content=sample_files.pdf(FILE_SECRETS[0])
    )
    assert response.status_code == 302, response.content
    message_post(request=own, author=officer, body=SENT["staff answer"])
    response = file_public_request(
        client,
        SENT["agent e-mail"],
        capture,
        requester_name=SENT["agent name"],
        requester_phone=SENT["agent phone"],
        subject_name=SENT["subject name"],
        subject_email=SENT["subject e-mail"],
        details=SENT["agent request text"],
        authority_document=pdf(SENT["document name"], sample_files.pdf(FILE_SECRETS[1])),
    )
    assert response.status_code == 302, response.content
    assert RequestIdentity.objects.count() == 1


@pytest.fixture
def demo(settings):
    settings.LANGUAGE_CODE = "en"
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def customer_client(demo, django_capture_on_commit_callbacks):
    demo_customer = User.objects.get(email="demo@example.com")
    return step_up(Client(), demo_customer, django_capture_on_commit_callbacks)


def test_no_seeded_or_sent_personal_value_is_readable_in_the_database_or_the_files(
    client, customer_client, upload_dir, django_capture_on_commit_callbacks
):
    officer = User.objects.get(email="officer@example.com")
    _make_requests(client, customer_client, django_capture_on_commit_callbacks, officer)
    values = _seeded_values()
    assert len(values) > 30

    found = []
    for model in sorted(_scanned_models(), key=lambda m: m._meta.label):
        for column in _text_columns(model):
            for stored in _raw_values(model, column):
                found += [
                    f"{model._meta.db_table}.{column}: {value!r}"
                    for value in values
                    if value in stored
                ]
    stored_files = [path for path in Path(upload_dir).rglob("*") if path.is_file()]
    assert len(stored_files) >= 3  # the attachment and the agent's two documents
    for path in stored_files:
        content = path.read_bytes()
        found += [f"file {path.name}: {s!r}" for s in FILE_SECRETS if s in content]
        if content.startswith(b"%PDF"):
            found.append(f"file {path.name}: a PDF in clear")
    # One line per column or file, with the first value found there.
    first = {}
    for line in found:
        first.setdefault(line.split(": ", 1)[0], line)
    assert not first, "\n".join(sorted(first.values()))
