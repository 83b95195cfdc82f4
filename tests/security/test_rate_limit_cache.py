"""Rate limits count in a cache every web process shares, or the portal does not start.

Rate limits and the login throttle are the measures that keep guessing of
passwords, codes and addresses slow (GDPR art. 32, APPI art. 23). Counted in
each gunicorn worker's own memory, three workers allow three times the
attempts; django-ratelimit's own system check says so, and must not be
silenced in production.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import company_env, shared_cache_url

ROOT = Path(__file__).resolve().parents[2]


def _env(debug: bool, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' session fixture, and
        # refused by check --deploy.
        if key
        not in {
            "DEBUG",
            "CACHE_URL",
            "REDIS_URL",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
        and not key.startswith("FIELD_")
    }
    env.update(
        DEBUG="1" if debug else "0",
        SECRET_KEY="test-only-secret-key-" + "c" * 40 + "0123456789abcdef",
        ALLOWED_HOSTS="portal.example.com",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_HASH_KEY="test-only-hash-key-" + "z" * 40,
        AUDIT_CHAIN_KEY="test-only-audit-chain-key-" + "z" * 40,
        DISCLOSURE_ENCRYPTION_KEY="ZGlzY2xvc3VyZS1rZXktZm9yLXRlc3RzLW9ubHktMzI=",
        **company_env(),
        **extra,
    )
    return env


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# What gunicorn loads (it runs no system checks), and what `manage.py check` loads.
STARTS = [["-c", "import portal.wsgi"], ["manage.py", "check"]]


@pytest.mark.parametrize("start", STARTS, ids=["wsgi", "check"])
def test_production_refuses_to_start_without_a_shared_cache(start):
    result = _run(start, _env(debug=False))
    assert result.returncode != 0
    assert "ImproperlyConfigured: CACHE_URL or REDIS_URL is required when DEBUG is off" in (
        result.stderr
    )


@pytest.mark.parametrize(
    "url, reason",
    [
        ("locmemcache://", "is not a shared cache"),
        ("dbcache://portal_cache", "does not support atomic increment"),
        ("filecache:///tmp/portal-cache", "does not support atomic increment"),
        ("dummycache://", "is not a real cache"),
    ],
)
@pytest.mark.parametrize("start", STARTS, ids=["wsgi", "check"])
def test_production_refuses_a_cache_that_is_not_shared_or_not_atomic(start, url, reason):
    result = _run(start, _env(debug=False, CACHE_URL=url))
    assert result.returncode != 0
    assert f"{reason}, so rate limits and the login throttle would miscount" in result.stderr


@pytest.mark.parametrize("variable", ["CACHE_URL", "REDIS_URL"])
def test_production_check_deploy_runs_the_rate_limit_check_unsilenced(variable):
    env = _env(debug=False, **{variable: shared_cache_url()})
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    code = (
        "from django.conf import settings as s;"
        "print(s.CACHES['default']['BACKEND'], s.SILENCED_SYSTEM_CHECKS)"
    )
    result = _run(["manage.py", "shell", "--verbosity", "0", "-c", code], env)
    assert result.stdout.split() == ["django_redis.cache.RedisCache", "[]"], result.stderr


def test_development_with_a_non_atomic_cache_is_told_by_the_rate_limit_check():
    result = _run(["manage.py", "check"], _env(debug=True, CACHE_URL="dbcache://portal_cache"))
    assert result.returncode != 0
    assert "django_ratelimit.E003" in result.stderr + result.stdout


def test_development_default_is_local_memory_and_passes_the_checks():
    result = _run(["manage.py", "check", "--fail-level", "WARNING"], _env(debug=True))
    assert result.returncode == 0, result.stdout + result.stderr
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    result = _run(["manage.py", "shell", "--verbosity", "0", "-c", code], _env(debug=True))
    assert result.stdout.split() == ["django.core.cache.backends.locmem.LocMemCache"]
