"""Security headers and cookies, and the deployment check under production settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import company_env, shared_cache_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/privacy/"])
def test_every_page_sends_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # a script without src
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick= and the like
    re.compile(r"\sstyle\s*=", re.I),  # style attributes
    re.compile(r"<style", re.I),
    re.compile(r"javascript:", re.I),
]


def _assert_nothing_inline(response, path):
    assert response.status_code == 200, path
    html = response.content.decode()
    for pattern in INLINE:
        assert not pattern.search(html), (path, pattern.pattern)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/verify/resend/",
        "/fees/",
        "/privacy/",
        "/admin/login/",
    ],
)
def test_public_pages_have_nothing_inline_the_policy_would_block(client, path):
    _assert_nothing_inline(client.get(path), path)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/account/",
        "/my-data/",
        "/requests/",
        "/requests/new/",
        "/requests/new/correction/",
        "/requests/new/disclosure/",
        "/consent/",
        "/account/authenticator/",
        "/account/password/",
    ],
)
def test_customer_pages_have_nothing_inline_the_policy_would_block(stepped_up_client, path):
    _assert_nothing_inline(stepped_up_client.get(path), path)


def test_session_and_csrf_cookies_are_httponly(client, customer):
    from tests.factories import PASSWORD

    client.get("/accounts/login/")
    assert client.cookies["csrftoken"]["httponly"]
    assert client.cookies["csrftoken"]["samesite"] == "Lax"
    client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert client.cookies["sessionid"]["httponly"]
    assert client.cookies["sessionid"]["samesite"] == "Lax"


def _production_env() -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="test-only-secret-key-" + "x" * 40 + "0123456789abcdef",
        ALLOWED_HOSTS="portal.example.com",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_HASH_KEY="test-only-hash-key-" + "y" * 40,
        DISCLOSURE_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        AUDIT_CHAIN_KEY="test-only-audit-chain-key-" + "y" * 40,
        CACHE_URL=shared_cache_url(),
        **company_env(),
    )
    return env


def test_production_settings_pass_the_deployment_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_cookies_are_secure_and_hsts_is_on():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True", "True"], (
        result.stderr
    )


@pytest.mark.parametrize(
    "path",
    ["/", "/requests/new/", "/account/password/", "/fees/", "/privacy/", "/no-such-page/"],
)
def test_no_page_a_logged_in_customer_sees_is_kept_by_a_cache(stepped_up_client, customer, path):
    """APPI art. 23 (security control measures): every page shows the login address
    ("Logged in as ..."), error pages included; a shared computer's browser or a proxy
    must not keep any of them, not only the pages that list personal data."""
    response = stepped_up_client.get(path)
    assert "no-store" in response.get("Cache-Control", ""), (path, response.status_code)
    assert "private" in response["Cache-Control"], path


def test_a_visitors_public_page_may_still_be_cached(client):
    """Without a login nothing on the page is about anyone: caching stays allowed."""
    assert "no-store" not in client.get("/privacy/").get("Cache-Control", "")


def test_an_answer_made_before_any_view_still_sends_the_security_headers(client):
    """A request for a host the site does not serve is refused by Django's middleware
    (400) before any view: that page, too, may not be framed and runs no script."""
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert _csp(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
