"""Profile values encrypted at rest (issue 10, acceptance 3; APPI 23, GDPR 32(1)(a)).

The database holds tokens for postal code, address, phone and date of birth
(and the phone numbers and dates of birth of public-form requests), while the
portal, the admin and the registry see the values; staff still find a customer
by phone number or date of birth through keyed hashes.
"""

import base64
import datetime as dt
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.test import Client

from portal.kernel import encryption
from portal.kernel.fields import table_spec
from portal.kernel.models import Profile
from portal.kernel.registry import Category, registry
from tests.conftest import shared_cache_url, step_up
from tests.factories import ProfileFactory

ROOT = Path(__file__).resolve().parents[2]
PHONE = "090-1234-5678"
ADDRESS = "東京都渋谷区道玄坂1-2-3 ハイツ101"
POSTAL = "150-0043"
BORN = dt.date(1988, 4, 12)
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture
def profile(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    return ProfileFactory(
        full_name="暗号 花子",
        phone=PHONE,
        address=ADDRESS,
        postal_code=POSTAL,
        date_of_birth=BORN,
        user__language="en",
    )


def _raw(pk, *columns):
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM portal_profile WHERE id = %s", [pk])
        return cursor.fetchone()


def test_the_columns_hold_no_plaintext_while_the_model_reads_the_values(profile):
    stored = _raw(profile.pk, "phone", "address", "postal_code", "date_of_birth")
    for value in stored:
        assert encryption.looks_like_token(value)
    joined = " ".join(stored)
    for plain in (PHONE, "09012345678", "渋谷", POSTAL, "1988-04-12", "1988"):
        assert plain not in joined
    # Nor anywhere else in the row: the derived columns are hashes and coarse values.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM portal_profile WHERE id = %s", [profile.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    for plain in (PHONE, "09012345678", "道玄坂", POSTAL, "1988-04-12"):
        assert plain not in row

    fresh = Profile.objects.get(pk=profile.pk)
    assert (fresh.phone, fresh.address, fresh.postal_code, fresh.date_of_birth) == (
        PHONE,
        ADDRESS,
        POSTAL,
        BORN,
    )
    assert (fresh.birth_year, fresh.prefecture) == (1988, "東京都")
    assert Profile.objects.filter(pk=profile.pk).values_list("phone", flat=True).get() == PHONE


def test_equal_values_give_different_tokens(profile):
    twin = ProfileFactory(phone=PHONE, address=ADDRESS)
    assert _raw(profile.pk, "phone") != _raw(twin.pk, "phone")
    assert profile.phone_hash == twin.phone_hash  # the search key is what matches


def test_the_portal_and_the_admin_show_the_values(
    profile,
    officer_client,
    django_capture_on_commit_callbacks,
):
    client = step_up(Client(), profile.user, django_capture_on_commit_callbacks)
    page = client.get("/my-data/").content.decode()
    assert PHONE in page and ADDRESS in page and POSTAL in page

    change = officer_client.get(f"/admin/portal/user/{profile.user_id}/change/").content.decode()
    assert f'value="{PHONE}"' in change and f'value="{POSTAL}"' in change
    assert 'value="1988-04-12"' in change and ADDRESS in change


@pytest.mark.parametrize("typed", ["09012345678", "+81 90-1234-5678", "０９０（１２３４）５６７８"])
def test_staff_find_the_customer_by_phone_however_it_is_typed(profile, typed):
    ProfileFactory(phone="090-1234-5679")
    assert registry.find_subjects(typed) == [profile.user_id]


@pytest.mark.parametrize("typed", ["1988-04-12", "1988/4/12", "19880412", "1988年4月12日"])
def test_staff_find_the_customer_by_date_of_birth(profile, typed):
    ProfileFactory(date_of_birth=dt.date(1988, 4, 13))
    assert registry.find_subjects(typed) == [profile.user_id]


def test_the_admin_subject_lookup_finds_by_phone_and_shows_the_customer(
    profile,
    officer_client,
):
    page = officer_client.get("/admin/portal/user/subjects/", {"q": "+81 90 1234 5678"})
    assert profile.full_name in page.content.decode()


def test_the_database_cannot_be_asked_about_the_values(profile):
    with pytest.raises(FieldError, match="encrypted"):
        list(Profile.objects.filter(phone=PHONE))
    with pytest.raises(FieldError, match="encrypted"):
        list(Profile.objects.filter(address__contains="渋谷"))
    with pytest.raises(FieldError, match="encrypted"):
        list(Profile.objects.filter(date_of_birth__year=1988))
    with pytest.raises(FieldError, match="encrypted"):
        list(Profile.objects.filter(phone__in=[PHONE]))
    # Whether a value is there at all can still be asked.
    ProfileFactory(phone="", date_of_birth=None)
    assert Profile.objects.filter(phone="").count() == 1
    assert Profile.objects.filter(date_of_birth__isnull=True).count() == 1
    assert Profile.objects.exclude(phone="").get() == profile


def test_derived_columns_follow_every_kind_of_write(profile):
    Profile.objects.filter(pk=profile.pk).update(phone="03-5555-0000", address="大阪府大阪市")
    profile.refresh_from_db()
    assert profile.phone_hash == encryption.phone_hash("0355550000")
    assert profile.prefecture == "大阪府"

    profile.date_of_birth = dt.date(2001, 1, 2)
    profile.address = "Sapporo, Hokkaido"
    profile.save(update_fields=["date_of_birth", "address"])
    profile.refresh_from_db()
    assert (profile.birth_year, profile.prefecture) == (2001, "北海道")
    assert profile.date_of_birth_hash == encryption.date_hash(dt.date(2001, 1, 2))

    profile.phone = "011-222-3333"
    Profile.objects.bulk_update([profile], ["phone"])
    assert registry.find_subjects("0112223333") == [profile.user_id]

    with pytest.raises(FieldError, match="not a database expression"):
        Profile.objects.filter(pk=profile.pk).update(phone=F("full_name"))


def test_erasure_clears_the_values_and_their_search_keys(profile):
    registry.erase(profile.user, Category.CONTACT, actor=None)
    registry.erase(profile.user, Category.DEMOGRAPHIC, actor=None)
    assert _raw(profile.pk, "phone", "address", "postal_code", "date_of_birth") == (
        "",
        "",
        "",
        None,
    )
    assert _raw(profile.pk, "phone_hash", "date_of_birth_hash", "birth_year", "prefecture") == (
        "",
        "",
        None,
        "",
    )
    assert registry.find_subjects(PHONE) == []


def test_a_tampered_value_is_an_error_not_a_wrong_answer(profile):
    token = _raw(profile.pk, "phone")[0]
    forged = token[:-8] + ("A" if token[-8] != "A" else "B") + token[-7:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_profile SET phone = %s WHERE id = %s", [forged, profile.pk])
    with pytest.raises(encryption.FieldDecryptionError):
        Profile.objects.get(pk=profile.pk)


def test_keys_rotate_without_losing_a_value(profile, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert Profile.objects.get(pk=profile.pk).phone == PHONE  # old tokens still open
    assert not encryption.is_current(_raw(profile.pk, "phone")[0])

    call_command("rotate_field_keys", stdout=io.StringIO())
    for token in _raw(profile.pk, "phone", "address", "postal_code", "date_of_birth"):
        assert encryption.is_current(token)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # the old key can go now
    assert Profile.objects.get(pk=profile.pk).address == ADDRESS

    settings.FIELD_HASH_KEY = "a-new-hash-key-for-the-search-columns-0123456789"
    assert registry.find_subjects(PHONE) == []  # hashes of the old key
    call_command("rotate_field_keys", stdout=io.StringIO())
    assert registry.find_subjects(PHONE) == [profile.user_id]


def test_rows_written_before_encryption_are_encrypted_resumably(profile):
    others = ProfileFactory.create_batch(4)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for p in [profile, *others]:
            cursor.execute(
                f"UPDATE portal_profile SET {quote('phone')} = %s, {quote('address')} = %s, "
                f"{quote('date_of_birth')} = %s, {quote('phone_hash')} = '' WHERE id = %s",
                [PHONE, ADDRESS, "1988-04-12", p.pk],
            )
    spec = table_spec(Profile)
    calls = []

    def failing_on_the_fourth(value):
        calls.append(value)
        if len(calls) == 4:
            raise ConnectionError("lost the database half-way")
        return encryption.phone_hash(value)

    broken = _with_phone_hash(spec, failing_on_the_fourth)
    with pytest.raises(ConnectionError):
        encryption.reencrypt_table(connection, broken, batch_size=2)
    # The first batch committed; the row of the failed batch is untouched.
    pks = sorted(p.pk for p in [profile, *others])
    assert encryption.looks_like_token(_raw(pks[0], "phone")[0])
    assert _raw(pks[2], "phone")[0] == PHONE

    progress = encryption.reencrypt_table(connection, spec, batch_size=2)
    assert (progress.rows, progress.changed) == (5, 3)
    for pk in pks:
        assert encryption.looks_like_token(_raw(pk, "phone")[0])
    users = sorted(p.user_id for p in [profile, *others])
    assert registry.find_subjects(PHONE) == users
    assert Profile.objects.get(pk=pks[4]).phone == PHONE
    assert encryption.reencrypt_table(connection, spec).changed == 0  # nothing left to do


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_rows_and_decrypt_them_going_back():
    executor = MigrationExecutor(connection)
    before = [("portal", "0007_user_session_epoch")]
    latest = executor.loader.graph.leaf_nodes()  # every app: going back unapplies dependants too
    try:
        executor.migrate(before)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO portal_user (password, email, language, is_staff, is_active, "
                "is_superuser, date_joined, session_epoch, sessions_ended_reason) "
                "VALUES ('', 'old@example.com', 'ja', false, true, false, %s, 0, '')",
                [dt.datetime(2020, 1, 1, tzinfo=dt.UTC)],
            )
            cursor.execute("SELECT id FROM portal_user WHERE email = 'old@example.com'")
            user_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO portal_profile (user_id, full_name, full_name_kana, postal_code, "
                "address, phone, date_of_birth, gender, occupation, industry, updated_at) "
                "VALUES (%s, '旧 太郎', '', %s, %s, %s, %s, '', '', '', %s)",
                [user_id, POSTAL, ADDRESS, PHONE, BORN, dt.datetime(2020, 1, 1, tzinfo=dt.UTC)],
            )
            cursor.execute("SELECT id FROM portal_profile WHERE user_id = %s", [user_id])
            pk = cursor.fetchone()[0]

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        assert all(
            encryption.looks_like_token(v)
            for v in _raw(pk, "phone", "address", "postal_code", "date_of_birth")
        )
        migrated = Profile.objects.get(pk=pk)
        assert (migrated.phone, migrated.date_of_birth, migrated.prefecture) == (
            PHONE,
            BORN,
            "東京都",
        )
        assert registry.find_subjects("1988/04/12") == [user_id]

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        phone, address, born = _raw(pk, "phone", "address", "date_of_birth")
        assert (phone, address, str(born)) == (PHONE, ADDRESS, "1988-04-12")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)


def _manage_check(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELD_")}
    env.update(DEBUG="0", SECRET_KEY="test-only-secret-key-" + "s" * 40, **extra)
    env.setdefault("ALLOWED_HOSTS", "portal.example.com")
    env.setdefault("CACHE_URL", shared_cache_url())
    env.setdefault("AUDIT_CHAIN_KEY", "test-only-audit-chain-key-" + "a" * 40)
    env.setdefault("DISCLOSURE_ENCRYPTION_KEY", "ZGlzY2xvc3VyZS1rZXktZm9yLXRlc3RzLW9ubHktMzI=")
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_the_keys():
    result = _manage_check(FIELD_HASH_KEY="h" * 40)
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEYS is required" in result.stderr
    result = _manage_check(FIELD_ENCRYPTION_KEYS=KEY_A)
    assert result.returncode != 0 and "FIELD_HASH_KEY is required" in result.stderr
    result = _manage_check(FIELD_ENCRYPTION_KEYS="not-a-key", FIELD_HASH_KEY="h" * 40)
    assert result.returncode != 0 and "must be a Fernet key" in result.stderr
    result = _manage_check(FIELD_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}", FIELD_HASH_KEY="h" * 40)
    assert result.returncode == 0, result.stderr


def test_request_json_stored_before_encryption_is_encrypted_and_empty_stays_askable(db):
    from rights.models import RightsRequest
    from rights.services import request_submit

    customer = ProfileFactory().user
    asked = request_submit(
        subject=customer, requester=customer, kind="stop_use", scope={"purposes": ["marketing"]}
    )
    empty = request_submit(subject=customer, requester=customer, kind="disclosure")
    with connection.cursor() as cursor:  # as 0011 leaves rows written before it
        cursor.execute(
            "UPDATE rights_rightsrequest SET scope = %s WHERE id = %s",
            ['{"purposes": ["marketing"]}', asked.pk],
        )
        cursor.execute("UPDATE rights_rightsrequest SET scope = '{}' WHERE id = %s", [empty.pk])
    spec = table_spec(RightsRequest)
    assert spec.columns == {"scope": "json", "details": "text", "unfounded_reason": "text"}
    encryption.reencrypt_table(connection, spec)

    def stored(pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT scope FROM rights_rightsrequest WHERE id = %s", [pk])
            return cursor.fetchone()[0]

    assert encryption.looks_like_token(stored(asked.pk)) and stored(empty.pk) == ""
    assert RightsRequest.objects.get(pk=asked.pk).scope == {"purposes": ["marketing"]}
    assert list(RightsRequest.objects.filter(scope={}).values_list("pk", flat=True)) == [empty.pk]

    encryption.decrypt_table(connection, spec)  # going back, as jsonb can hold it again
    assert (stored(asked.pk), stored(empty.pk)) == ('{"purposes": ["marketing"]}', "{}")


def test_values_are_aes_gcm_siv_tokens_under_a_key_derived_from_the_configured_one(profile):
    token = _raw(profile.pk, "phone")[0]
    assert token.startswith(encryption.PREFIX) and encryption.is_current(token)
    # Equal values give different tokens: a random nonce per value.
    assert encryption.encrypt(PHONE) != encryption.encrypt(PHONE)
    # The AES key is not the configured key's bytes: HKDF-SHA256 of them.
    raw = base64.urlsafe_b64decode(token[len(encryption.PREFIX) :])
    naive = AESGCMSIV(base64.urlsafe_b64decode(KEY_A))
    with pytest.raises(InvalidTag):
        naive.decrypt(raw[:12], raw[12:], None)


def test_fernet_tokens_written_before_are_read_and_rewritten_by_rotation(profile):
    legacy = Fernet(KEY_A).encrypt(PHONE.encode()).decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_profile SET phone = %s WHERE id = %s", [legacy, profile.pk])
    assert encryption.looks_like_token(legacy) and not encryption.is_current(legacy)
    assert Profile.objects.get(pk=profile.pk).phone == PHONE

    call_command("rotate_field_keys", stdout=io.StringIO())
    token = _raw(profile.pk, "phone")[0]
    assert token.startswith(encryption.PREFIX) and encryption.is_current(token)
    assert Profile.objects.get(pk=profile.pk).phone == PHONE


@pytest.mark.parametrize("broken", ["fe2:", "fe2:!!!!", "fe2:" + "A" * 60, "gAAAAA" + "B" * 120])
def test_a_malformed_token_is_an_error(db, settings, broken):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    with pytest.raises(encryption.FieldDecryptionError):
        encryption.decrypt(broken)


@pytest.mark.django_db(transaction=True)
def test_a_customer_change_during_rotation_is_kept(settings):
    """Rotation runs on a live portal: a value a customer saves while its batch is
    between reading a row and writing it back waits for the batch, and is kept."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks of concurrent connections: PostgreSQL")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    profile = ProfileFactory(phone=PHONE, address=ADDRESS)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    spec = table_spec(Profile)
    saved = threading.Event()

    def customer_saves():
        from django.db import connection as own

        try:
            with own.cursor() as cursor:
                cursor.execute("SET lock_timeout = '10s'")
            Profile.objects.filter(pk=profile.pk).update(address="大阪府大阪市北区1-1")
            saved.set()
        finally:
            own.close()

    rotation_read = _with_phone_hash(spec, _after_saving(customer_saves, saved))
    encryption.reencrypt_table(connection, rotation_read)
    assert saved.wait(15)
    assert Profile.objects.get(pk=profile.pk).address == "大阪府大阪市北区1-1"
    assert encryption.is_current(_raw(profile.pk, "address")[0])


def _after_saving(save, saved):
    """A phone hash that first lets the customer save from another connection (the
    rotation has read the row by then) and waits a moment for it to land."""

    def compute(value):
        thread = threading.Thread(target=save)
        thread.start()
        saved.wait(2)  # a row the batch locked keeps the customer waiting until its commit
        return encryption.phone_hash(value)

    return compute


def _with_phone_hash(spec, compute):
    """The profile table's spec with ``compute`` as the phone hash (run while the
    batch holds the row it has read)."""
    return spec.__class__(
        spec.table,
        spec.pk,
        spec.columns,
        tuple(
            d if d.column != "phone_hash" else d.__class__(d.column, d.source, compute)
            for d in spec.derived
        ),
    )
