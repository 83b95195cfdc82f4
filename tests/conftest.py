import os
import re
import shutil
import uuid

import pgtrigger
import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import TransactionTestCase
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from portal.kernel.celery import app as celery_app
from tests.factories import PASSWORD, ProfileFactory, UserFactory
from tests.s3_support import s3_private, s3_server  # noqa: F401 (fixtures for every test)
from tests.worker_support import worker  # noqa: F401 (a fixture for every test)

# Hypothesis: the same examples on every run ("ci", the default, so `make test`
# and CI pass or fail alike every time); HYPOTHESIS_PROFILE=explore draws new
# random examples, to look for new failures locally.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_empty_the_database = TransactionTestCase._fixture_teardown


def _empty_the_database_past_the_append_only_triggers(self):
    """A test that commits empties the database afterwards with TRUNCATE, which the
    append-only tables' triggers refuse on PostgreSQL (portal.kernel.db); the
    test database's clean-up is the one deliberate exception."""
    with pgtrigger.ignore():
        _empty_the_database(self)


TransactionTestCase._fixture_teardown = _empty_the_database_past_the_append_only_triggers


def pytest_collection_modifyitems(items):
    """Every test that commits (transaction=True) restores the migrated data first.

    Such a test's database is emptied afterwards. Without serialized rollback
    the emptying re-creates content types and permissions (post_migrate) with
    new ids, and the next test that restores the migrated rows (the browser
    and fault tests) fails on a duplicate content type: whether a run passed
    depended on which test ran before which, on one process or on several
    (pytest-xdist). With it everywhere, each such test starts from the rows
    the migrations made, like every other test.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            if "transactional_db" not in getattr(item, "fixturenames", ()):
                continue
            kwargs = {}
        else:
            kwargs = dict(marker.kwargs)
            if marker.args:
                kwargs.setdefault("transaction", marker.args[0])
            if not (kwargs.get("transaction") or kwargs.get("reset_sequences")):
                continue
        if kwargs.get("serialized_rollback"):
            continue
        kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def pytest_unconfigure(config):
    """The directory of private files this process made (tests/settings.py) goes with it."""
    from django.conf import settings

    own = getattr(settings, "OWN_FILES", None)
    if own:
        shutil.rmtree(own, ignore_errors=True)


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    broker = settings.REDIS_URL or "none (tasks in-process)"
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('HOST') or db['NAME']})",
        f"broker: {broker}",
    ]


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"Tests ran on database: {connection.vendor}")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, the test database is a file of the run's own, as in the embedded default.

    Django's default test database on SQLite is in memory with a shared cache,
    where a second writer fails at once ("database table is locked") instead
    of waiting its turn as it does on the file the portal runs on: tests of
    concurrent writers would fail there for a reason production never has.
    Under pytest-xdist each worker has its own temporary directory, so its
    own file. Durability is of no use to a throw-away database, hence
    ``synchronous=OFF`` (tests only, see ``_fast_sqlite``).
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get(
        "NAME"
    ):
        path = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)
        connection_created.connect(_fast_sqlite, dispatch_uid="tests.fast_sqlite")


def _fast_sqlite(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")


@pytest.fixture(autouse=True, scope="session")
def _own_cache_and_files(worker_id, tmp_path_factory):
    """What test processes running side by side (pytest-xdist) must not share.

    The cache (Redis when REDIS_URL is set) gets a key prefix of this process,
    so counters and the throttle clean-up of one never touch another's; the
    erasure ledger is a file of this process. Each has its own test database
    already (pytest-django), and live servers take free ports. A run in one
    process (the fault tests, whose worker and beat processes read the same
    settings from the environment) keeps the cache as it is; its ledger file is
    still its own, never the checkout's ``var/erasure-ledger.jsonl`` (the fault
    tests give their workers a file of their own).
    """
    from django.conf import settings
    from django.test.utils import override_settings

    if worker_id == "master":
        ledger = tmp_path_factory.mktemp("ledger") / "erasure-ledger.jsonl"
        override = override_settings(RIGHTS_ERASURE_LEDGER_FILE=str(ledger))
        override.enable()
        yield
        override.disable()
        return
    caches = {
        alias: {**config, "KEY_PREFIX": f"test-{worker_id}-{uuid.uuid4().hex[:8]}"}
        for alias, config in settings.CACHES.items()
    }
    ledger = tmp_path_factory.mktemp("ledger") / "erasure-ledger.jsonl"
    override = override_settings(CACHES=caches, RIGHTS_ERASURE_LEDGER_FILE=str(ledger))
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True, scope="session")
def _tasks_in_process():
    """Run tasks eagerly, as the embedded default does; the worker tests opt out."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path):
    """Each test's audit chain is checkpointed to a file of its own: the chain is
    rolled back after the test, and the working copy's var/ is never touched."""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.FastPBKDF2PasswordHasher"]


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def customer(db):
    return ProfileFactory().user


@pytest.fixture
def other_customer(db):
    return ProfileFactory().user


def last_code(outbox=None) -> str:
    """The six-digit code in the most recent e-mail."""
    body = (outbox or mail.outbox)[-1].body
    match = re.search(r"\b(\d{6})\b", body)
    assert match, body
    return match.group(1)


def step_up(client, user, capture_on_commit, language: str | None = None):
    """``client`` logged in as ``user`` and past the e-mail code step, pages in
    ``language`` when given; ``capture_on_commit`` is pytest-django's
    ``django_capture_on_commit_callbacks`` (the code is mailed on commit)."""
    if language:
        client.cookies["django_language"] = language
    client.force_login(user)
    with capture_on_commit(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    response = client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def stepped_up_client(client, customer, django_capture_on_commit_callbacks):
    """A client logged in as ``customer`` that passed the e-mail code step."""
    return step_up(client, customer, django_capture_on_commit_callbacks)


@pytest.fixture
def still_clock():
    """The clock stopped for a test that compares the queries of two page loads.

    A session writes its last-seen time at most once a minute
    (``portal.kernel.middleware.LAST_SEEN_RESOLUTION``): on a slow run a minute
    can pass between the two loads, and one of them would count a session
    write the other does not. Ask for it before the logged-in client.
    """
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


__all__ = ["UserFactory"]


def staff_logged_in(client, role: str):
    """``(client, user)``: a new member of staff in ``role`` (a group name), logged in to
    the admin through ``client``."""
    from portal.kernel.staff import staff_create

    email = f"{role.replace(' ', '-')}@example.com"
    user, _device, _ = staff_create(email=email, role=role, password=PASSWORD)
    return admin_login(client, user), user


@pytest.fixture
def officer(db):
    """A privacy officer (po@example.com) with an authenticator."""
    from portal.kernel.staff import staff_create

    user, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    return user


@pytest.fixture
def officer_client(client, officer):
    """``client``, logged in to the admin as ``officer``."""
    return admin_login(client, officer)


def totp_code(device, *, wrong: bool = False) -> str:
    """The current code of a TOTP device, or one that is certainly wrong."""
    from django_otp.oath import totp

    code = totp(device.bin_key)
    return f"{(code + 1) % 10**6 if wrong else code:06d}"


def admin_login(client, user, password: str = PASSWORD):
    """Log ``user`` in to the admin with their password and authenticator code (a device
    is made for staff who have none); returns ``client``."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    response = client.post(
        "/admin/login/",
        {"username": user.email, "password": password, "otp_token": totp_code(device)},
    )
    assert response.status_code == 302, response.content
    return client


def full_width(code: str, separator: str = "\u3000") -> str:
    """``code`` as a Japanese input method types it: full-width digits, in two groups."""
    wide = code.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    return f"{wide[:3]}{separator}{wide[3:]}"


def clear_login_throttle() -> None:
    """Forget every login-failure counter (portal.kernel.throttle) in the cache.

    Only the throttle's keys of this test process (its key prefix): the test
    cache may share its Redis database with other data and other processes.
    """
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):  # django-redis: SCAN for this prefix's keys only
        cache.delete_pattern("login-failures:*")
    else:  # this process's own memory
        cache.clear()


@pytest.fixture(autouse=True)
def _account_mail_unlimited(settings):
    """Sign-up, reset and "send the link again" are counted per typed address in a
    cache that outlives a test: the many tests that sign the same address up would
    meet the limit. tests/security/test_account_mail_rate.py sets the rates it checks."""
    settings.ACCOUNT_MAIL_RATE_EMAIL = "100000/h"
    settings.ACCOUNT_MAIL_RATE_IP = "100000/h"


@pytest.fixture(autouse=True)
def _fresh_login_throttle():
    clear_login_throttle()
    yield


@pytest.fixture(autouse=True)
def _fresh_cached_texts():
    """Texts cached under a generation (portal.kernel.generations) start again in each
    test: a rolled-back test's rows changed the tables without a commit."""
    from portal.kernel import generations

    generations.bump_all()
    yield


@pytest.fixture
def private_storage(monkeypatch, tmp_path):
    """Documents go to a temporary directory, so a test can see files come and go.

    The field's storage is resolved when the model is built, so the field is
    pointed at the directory for the test.
    """
    from django.core.files.storage import FileSystemStorage

    from rights.requesters.models import IdentityDocument

    field = IdentityDocument._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path)))
    return tmp_path


@pytest.fixture
def fresh_rate_limits(settings):
    """Each test counts its attempts from zero (its own key prefix in the shared cache)."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"


def shared_cache_url() -> str:
    """A shared cache for a process the tests start with DEBUG=0 (which refuses to
    start without one): this run's Redis when set, else the machine's, which runs
    on every development and CI machine (.ci/run starts it)."""
    return os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def company_env() -> dict[str, str]:
    """What a deployment publishes about its own company (docs/operations.md): a
    process started with DEBUG=0 without these warns that it publishes the demo's."""
    return {
        "PRIVACY_COMPANY_NAME": "テスト商事株式会社",
        "PRIVACY_COMPANY_REPRESENTATIVE": "代表取締役 試験 花子",
        "PRIVACY_OFFICE_ADDRESS": "〒100-0001 東京都千代田区千代田1-1 テスト商事 個人情報窓口",
        "PRIVACY_OFFICE_PHONE": "03-0000-0000",
        "DEFAULT_FROM_EMAIL": "privacy@test-shoji.example.jp",
        "RIGHTS_FEE_BANK_ACCOUNT": "試験銀行 本店 普通預金 7654321 口座名義 テストシヨウジ(カ",
        "RIGHTS_FEE_POSTAL_ADDRESS": "〒100-0001 東京都千代田区千代田1-1 テスト商事株式会社",
        "RIGHTS_FEE_RECEIPT_ISSUER": "テスト商事株式会社",
    }
