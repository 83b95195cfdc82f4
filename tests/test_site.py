"""Health check, languages and production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import shared_cache_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")


def test_healthz_fails_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


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


def test_check_deploy_is_clean_with_production_environment():
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DEBUG": "0",
        "SECRET_KEY": "a-production-secret-key-" + "k" * 40,
        "ALLOWED_HOSTS": "portal.example.com",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": "test-only-field-hash-key-0123456789abcdefghijklmnop",
        "AUDIT_CHAIN_KEY": "test-only-audit-chain-key-0123456789abcdefghijklm",
        "CACHE_URL": shared_cache_url(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_without_debug():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
