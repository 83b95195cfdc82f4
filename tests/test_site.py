"""Health check, languages and production settings."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import time_machine
from cryptography.fernet import Fernet
from django.utils import timezone

from portal.accounts import views as accounts_views
from portal.kernel.models import OutboxMessage
from tests.conftest import company_env, shared_cache_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")


def test_healthz_answers_head_without_a_warning(client, caplog):
    """A monitor's `curl -I /healthz` (HEAD) gets the status a GET gets, and logs no
    "Method Not Allowed" warning on every probe."""
    with caplog.at_level("INFO", logger="django.request"):
        response = client.head("/healthz")
    assert response.status_code == 200
    assert response.content == b""
    assert [r for r in caplog.records if r.levelno >= 30] == []


def test_healthz_fails_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_healthz_fails_while_the_static_files_are_not_collected(client, settings, tmp_path):
    """Production names its static files from collectstatic's manifest: without one every
    page answers 500, so a load balancer must not send customers there."""
    manifest = "whitenoise.storage.CompressedManifestStaticFilesStorage"
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": manifest}}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["static"].startswith("error")

    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1"}'
    )
    settings.STORAGES = {**settings.STORAGES}  # a new process: the manifest is read again
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["static"] == "ok"


def test_healthz_reads_the_outbox_backlog_in_one_query(client, django_assert_num_queries):
    """Monitors probe every few seconds: "SELECT 1" and one pass over the messages not done."""
    now = timezone.now()
    OutboxMessage.objects.create(task_name="t.waiting", created_at=now - dt.timedelta(minutes=2))
    OutboxMessage.objects.create(
        task_name="t.redelivered",
        created_at=now - dt.timedelta(minutes=5),
        published_at=now - dt.timedelta(minutes=1),
        deliveries=2,
    )
    OutboxMessage.objects.create(
        task_name="t.queued", created_at=now - dt.timedelta(minutes=1), published_at=now
    )
    OutboxMessage.objects.create(
        task_name="t.done", created_at=now - dt.timedelta(hours=1), published_at=now, done_at=now
    )
    with time_machine.travel(now, tick=False), django_assert_num_queries(2):
        body = client.get("/healthz").json()
    assert body["outbox"] == {
        "waiting": 1,
        "oldest_seconds": 120,
        "undone": 2,
        "oldest_undone_seconds": 300,
        "redelivered": 1,
    }


def test_healthz_keeps_its_broker_connection_between_probes(client, settings, monkeypatch):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker")
    opened = []
    from_url = redis.Redis.from_url

    def counting(*args, **kwargs):
        opened.append(args)
        return from_url(*args, **kwargs)

    monkeypatch.setattr(redis.Redis, "from_url", counting)
    accounts_views._broker_client.cache_clear()
    for _ in range(3):
        assert client.get("/healthz").json()["broker"] == "ok"
    assert len(opened) == 1


def test_japanese_is_the_default_and_the_switcher_changes_language(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="ja"' in response.content.decode()
    assert 'action="/i18n/setlang/"' in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    assert '<html lang="en"' in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/verify/resend/",
    ],
)
def test_public_pages_are_translated(client, path):
    ja = client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    client.cookies["django_language"] = "en"
    en = client.get(path).content.decode()
    assert ja != en
    assert any("\u3040" <= ch <= "\u30ff" for ch in ja), "no kana on the Japanese page"


KEYS = ("FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "DISCLOSURE_ENCRYPTION_KEY", "AUDIT_CHAIN_KEY")


def _production_env(**changes) -> dict:
    """What docs/configuration.md and the README say a deployment with DEBUG=0 sets;
    a variable changed to None is left out."""
    left_out = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "REDIS_URL", *KEYS}
    env = {k: v for k, v in os.environ.items() if k not in left_out}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-production-secret-key-" + "k" * 40,
        ALLOWED_HOSTS="portal.example.com",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_HASH_KEY="test-only-field-hash-key-0123456789abcdefghijklmnop",
        DISCLOSURE_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        AUDIT_CHAIN_KEY="test-only-audit-chain-key-0123456789abcdefghijklm",
        CACHE_URL=shared_cache_url(),
        **company_env(),
    )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_environment():
    result = _check_deploy(_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_while_the_demo_company_is_published():
    """APPI art. 32(1), 38: /privacy/, /fees/, disclosure reports and receipts name
    the company, its representative and office, and where to pay. A production
    start that set none of them published the demo's ("Rights Portal K.K.",
    "Sample Bank ... 1234567") without a word; check --deploy now names them."""
    demo = dict.fromkeys(company_env())
    result = _check_deploy(_production_env(**demo))
    assert result.returncode != 0
    assert "portal.W001" in result.stderr
    for name in company_env():
        assert name in result.stderr


def _english_twin(**env) -> str:
    code = "from django.conf import settings as s; print(repr(s.PRIVACY_COMPANY_NAME_EN))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=_production_env(**env),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_english_pages_name_the_configured_company_not_the_demos():
    """docs/configuration.md: English falls back to Japanese. With only
    PRIVACY_COMPANY_NAME set, the English pages named the demo's "Rights Portal
    K.K." (its English twin's default) instead of the company (APPI art. 32(1))."""
    assert _english_twin() == "''"
    assert _english_twin(PRIVACY_COMPANY_NAME_EN="Test Shoji K.K.") == "'Test Shoji K.K.'"
    assert _english_twin(PRIVACY_COMPANY_NAME=None) == "'Rights Portal K.K.'"


@pytest.mark.parametrize(
    ("missing", "refusal"),
    [
        ({"CACHE_URL": None}, "CACHE_URL or REDIS_URL is required when DEBUG is off"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS is required when DEBUG is off"),
        ({"FIELD_HASH_KEY": None}, "FIELD_HASH_KEY is required when DEBUG is off"),
        ({"AUDIT_CHAIN_KEY": None}, "AUDIT_CHAIN_KEY is required when DEBUG is off"),
        (
            {"DISCLOSURE_ENCRYPTION_KEY": None},
            "DISCLOSURE_ENCRYPTION_KEY is required when DEBUG is off",
        ),
        (
            {"DISCLOSURE_ENCRYPTION_KEY": "c2hvcnQta2V5"},  # "short-key"
            "Each DISCLOSURE_ENCRYPTION_KEY must be 32 random bytes",
        ),
    ],
    ids=["cache", "field-keys", "hash-key", "audit-key", "disclosure-key", "disclosure-key-bad"],
)
def test_check_deploy_refuses_to_start_without_what_the_docs_say_is_required(missing, refusal):
    """docs/configuration.md: with DEBUG=0 nothing starts without the shared cache and
    the four keys (it said SECRET_KEY and ALLOWED_HOSTS were enough; a missing
    disclosure key passed, and the first upload or disclosure package failed)."""
    result = _check_deploy(_production_env(**missing))
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {refusal}" in result.stderr


FERNET_KEY_COMMAND = "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
SECRET_COMMAND = "import secrets; print(secrets.token_urlsafe("


@pytest.mark.parametrize(
    ("missing", "command"),
    [
        ({"SECRET_KEY": None}, SECRET_COMMAND),
        ({"FIELD_ENCRYPTION_KEYS": None}, FERNET_KEY_COMMAND),
        ({"FIELD_HASH_KEY": None}, SECRET_COMMAND),
        ({"AUDIT_CHAIN_KEY": None}, SECRET_COMMAND),
        ({"DISCLOSURE_ENCRYPTION_KEY": None}, FERNET_KEY_COMMAND),
    ],
    ids=["secret-key", "field-keys", "hash-key", "audit-key", "disclosure-key"],
)
def test_a_missing_key_says_how_to_make_one(missing, command):
    """An operator writing the production settings from an empty environment met
    "FIELD_ENCRYPTION_KEYS is required when DEBUG is off." (and for SECRET_KEY
    django-environ's "Set the SECRET_KEY environment variable"): what value, and
    how to generate it, was only in docs/operations.md. The refusal now gives the
    command that prints one and the section on keys."""
    result = _check_deploy(_production_env(**missing))
    assert result.returncode != 0
    refusal = result.stderr.strip().splitlines()[-1]
    name = next(iter(missing))
    assert refusal.startswith(f"django.core.exceptions.ImproperlyConfigured: {name} is required")
    assert command in refusal
    assert "docs/operations.md#keys" in refusal


def test_secret_key_is_required_without_debug():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_secret_key_stops_the_start_without_debug(value):
    """An empty SECRET_KEY (a `SECRET_KEY=` line left in .env) passed every start;
    gunicorn then answered every page, /healthz included, with a 500."""
    result = _check_deploy(_production_env(SECRET_KEY=value))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is required when DEBUG is off" in result.stderr


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_home_page_leads_to_the_form_for_someone_else_logged_in_or_not(
    client, customer, logged_in
):
    """APPI art. 37: a legal representative or an appointed agent files through the
    form without an account; the home page leads there, also when logged in."""
    if logged_in:
        client.force_login(customer)
    for language in ("ja", "en"):
        client.cookies["django_language"] = language
        page = client.get("/").content.decode()
        assert 'href="/requests/start/"' in page, (language, logged_in)


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_home_page_asks_to_create_an_account_only_of_visitors(client, customer, logged_in):
    """A logged-in customer was still told, first, to create an account."""
    if logged_in:
        client.force_login(customer)
    client.cookies["django_language"] = "en"
    page = client.get("/").content.decode()
    assert ("Create an account." in page) is not logged_in
    assert "Confirm it is you." in page
