"""The personal data issue 18 found readable at rest, one weakness a test (APPI 23,
GDPR 32(1)(a)): free text and names in the database, files on disk, the rotation of
the keys over the new columns. The whole picture: test_plaintext_scan.py; the
follow page's session: tests/rights/test_public_follow.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.kernel import encryption
from rights.disclosure import crypto
from rights.models import RequestMessage
from rights.requesters.models import IdentityDocument, RequestIdentity
from rights.services import message_post, request_submit
from rights.uploads import open_plain, stored_key
from tests import sample_files
from tests.factories import InquiryFactory, ProfileFactory, UsageRecordFactory
from tests.rights.identity_support import file_public_request, pdf

from .upload_support import attach, download

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
SECRET = b"PASSPORT-TK7654321"
SECRET_PDF = sample_files.pdf(SECRET)
AGENT = "agent.kobayashi@example.net"


def _raw(table: str, column: str, pk, pk_column: str = "id"):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(pk_column)} = %s", [pk]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def agent_request(client, upload_dir, django_capture_on_commit_callbacks, fresh_rate_limits):
    response = file_public_request(
        client,
        AGENT,
        django_capture_on_commit_callbacks,
        requester_name="小林 弁護士",
        subject_name="森 ひかり",
        subject_email="mori.hikari@example.org",
        details="森ひかりの全データ",
        authority_document=pdf("森ひかり-委任状.pdf", SECRET_PDF),
    )
    assert response.status_code == 302, response.content
    return RequestIdentity.objects.get()


@pytest.mark.django_db
def test_names_addresses_and_free_text_of_an_agents_request_are_tokens(agent_request):
    pk = agent_request.pk
    for column in ("requester_name", "requester_email", "subject_name", "subject_email"):
        stored = _raw("rights_requestidentity", column, pk, "request_id")
        assert encryption.looks_like_token(stored), column
    assert encryption.looks_like_token(_raw("rights_rightsrequest", "details", pk))
    document = IdentityDocument.objects.get(kind="attorney")
    stored_name = _raw("rights_identitydocument", "original_name", document.pk)
    assert encryption.looks_like_token(stored_name)
    # The portal reads the values as they were sent.
    assert (agent_request.requester_email, agent_request.subject_name) == (AGENT, "森 ひかり")
    assert document.original_name == "森ひかり-委任状.pdf"


@pytest.mark.django_db
def test_a_document_is_encrypted_on_disk_and_read_back_whole(agent_request, upload_dir):
    document = IdentityDocument.objects.get(kind="attorney")
    on_disk = (upload_dir / document.file.name).read_bytes()
    assert on_disk.startswith(crypto.MAGIC) and SECRET not in on_disk and b"%PDF" not in on_disk
    with open_plain(document.file) as plain:
        assert plain.read() == SECRET_PDF


@pytest.mark.django_db
def test_an_attachment_is_encrypted_on_disk_and_downloaded_in_clear(
    stepped_up_client, own_request, upload_dir
):
    big = sample_files.pdf(SECRET + bytes(range(256)) * 2100)  # more than two chunks of 256 KiB
    assert attach(stepped_up_client, own_request, "scan.pdf", content=big).status_code == 302
    message = RequestMessage.objects.get(request=own_request)
    on_disk = (upload_dir / message.attachment.name).read_bytes()
    assert SECRET not in on_disk and not on_disk.startswith(b"%PDF")
    stored_name = _raw("rights_requestmessage", "attachment_name", message.pk)
    assert encryption.looks_like_token(stored_name) and message.attachment_name == "scan.pdf"
    response = download(stepped_up_client, own_request, message)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == big


@pytest.mark.django_db
def test_a_damaged_stored_file_is_refused_not_served_altered(
    stepped_up_client, own_request, upload_dir
):
    assert attach(stepped_up_client, own_request, "scan.pdf", content=SECRET_PDF).status_code
    message = RequestMessage.objects.get(request=own_request)
    stored = upload_dir / message.attachment.name
    damaged = bytearray(stored.read_bytes())
    damaged[-5] ^= 0x01
    stored.write_bytes(bytes(damaged))
    response = download(stepped_up_client, own_request, message)
    with pytest.raises(crypto.PackageDecryptionError):
        b"".join(response.streaming_content)


@pytest.mark.django_db
def test_rotation_covers_the_new_columns_and_reports_its_progress(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    customer = ProfileFactory().user
    request = request_submit(
        subject=customer, requester=customer, kind="disclosure", details="私の記録を全部"
    )
    message = message_post(request=request, author=customer, body="追加の説明です")
    inquiries = InquiryFactory.create_batch(3, user=customer, message="請求が二重です")
    usage = UsageRecordFactory(user=customer, detail="映画「春の約束」")
    profile = ProfileFactory(occupation="看護師")
    checked = [
        ("rights_rightsrequest", "details", request.pk),
        ("rights_requestmessage", "body", message.pk),
        ("portal_inquiry", "message", inquiries[0].pk),
        ("portal_usagerecord", "detail", usage.pk),
        ("portal_profile", "occupation", profile.pk),
    ]
    for table, column, pk in checked:
        assert encryption.looks_like_token(_raw(table, column, pk)), (table, column)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = io.StringIO()
    call_command("rotate_field_keys", "--batch-size", "2", stdout=out)
    for table, column, pk in checked:
        assert encryption.is_current(_raw(table, column, pk)), (table, column)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert RequestMessage.objects.get(pk=message.pk).body == "追加の説明です"
    lines = out.getvalue().splitlines()
    assert "records.Inquiry (subject, message, reply): 3 row(s)" in " ".join(lines)
    assert any("records.Inquiry: 2/3 row(s) read (66%)" in line for line in lines), lines
    assert any("records.Inquiry: 3/3 row(s) read (100%)" in line for line in lines), lines


@pytest.mark.django_db(transaction=True)
def test_files_stored_before_are_encrypted_by_the_migration_and_decrypted_going_back(customer):
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    message = message_post(
        request=request, author=customer, body="scan", attachment=pdf("a.pdf", SECRET_PDF)
    )
    storage = storages["private"]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # every app: going back unapplies dependants too
    try:
        executor.migrate([("rights", "0022_encrypt_free_text_and_names")])
        before = RequestMessage.objects.get(pk=message.pk).attachment.name
        with storage.open(before, "rb") as handle:
            assert handle.read() == SECRET_PDF  # as files were stored before
        MigrationExecutor(connection).migrate(latest)
        after = RequestMessage.objects.get(pk=message.pk).attachment
        assert after.name != before and not storage.exists(before)
        assert Path(after.name).suffix == ".pdf"
        with storage.open(after.name, "rb") as handle:
            assert SECRET not in handle.read()
        with open_plain(after) as plain:
            assert plain.read() == SECRET_PDF
        MigrationExecutor(connection).migrate(latest)  # again: nothing left to do
        assert RequestMessage.objects.get(pk=message.pk).attachment.name == after.name
    finally:
        MigrationExecutor(connection).migrate(latest)


@pytest.mark.django_db
def test_stored_files_move_to_a_new_file_key(settings, stepped_up_client, own_request, upload_dir):
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.DISCLOSURE_ENCRYPTION_KEY = [old]
    assert attach(stepped_up_client, own_request, "scan.pdf", content=SECRET_PDF).status_code
    message = RequestMessage.objects.get(request=own_request)
    storage = RequestMessage._meta.get_field("attachment").storage
    assert stored_key(storage, message.attachment.name) == crypto.key_id(crypto.master_keys()[0])

    settings.DISCLOSURE_ENCRYPTION_KEY = [new, old]
    out = io.StringIO()
    call_command("rotate_file_keys", stdout=out)
    assert "rights.RequestMessage: 1/1 read, 1 re-encrypted" in out.getvalue()
    moved = RequestMessage.objects.get(pk=message.pk).attachment
    assert moved.name != message.attachment.name and not storage.exists(message.attachment.name)
    settings.DISCLOSURE_ENCRYPTION_KEY = [new]  # the old key can go now
    with open_plain(moved) as plain:
        assert plain.read() == SECRET_PDF
    call_command("rotate_file_keys", stdout=out)  # again: nothing left to do
    assert RequestMessage.objects.get(pk=message.pk).attachment.name == moved.name
