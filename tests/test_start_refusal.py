"""A production start from an empty environment names everything it still needs.

With DEBUG=0 the portal refuses to start without SECRET_KEY, a shared cache
and the four keys (docs/configuration.md). Each start named only the first one
missing: an operator writing the settings from an empty environment needed six
starts to learn all of them. One start now lists each, with what it must hold
and the command that prints a value, and still refuses.
"""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]

FERNET_KEY_COMMAND = "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
SECRET_COMMAND = "import secrets; print(secrets.token_urlsafe("
REQUIRED = {
    "SECRET_KEY": SECRET_COMMAND,
    "FIELD_ENCRYPTION_KEYS": FERNET_KEY_COMMAND,
    "FIELD_HASH_KEY": SECRET_COMMAND,
    "DISCLOSURE_ENCRYPTION_KEY": FERNET_KEY_COMMAND,
    "AUDIT_CHAIN_KEY": SECRET_COMMAND,
}


def _start(**variables) -> subprocess.CompletedProcess:
    """`manage.py check` with nothing but DEBUG=0, no `.env`, and ``variables``."""
    env = {"PATH": os.environ["PATH"], "DEBUG": "0", "ENV_FILE": "", **variables}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _refusal(result: subprocess.CompletedProcess) -> str:
    """The error's text: from the ImproperlyConfigured line to the end."""
    assert result.returncode != 0
    marker = "django.core.exceptions.ImproperlyConfigured: "
    assert marker in result.stderr, result.stderr
    return result.stderr.rpartition(marker)[2]


def test_an_empty_environment_is_told_every_missing_setting_in_one_start():
    refusal = _refusal(_start())
    for name, command in REQUIRED.items():
        line = next((line for line in refusal.splitlines() if name in line), "")
        assert command in line, (name, refusal)
    assert "CACHE_URL or REDIS_URL" in refusal
    assert "docs/operations.md#keys" in refusal


def test_invalid_values_are_listed_with_the_missing_ones():
    refusal = _refusal(
        _start(
            FIELD_HASH_KEY="too-short",
            FIELD_ENCRYPTION_KEYS="not-a-key",
            DISCLOSURE_ENCRYPTION_KEY="c2hvcnQta2V5",  # "short-key"
        )
    )
    assert "FIELD_HASH_KEY must be at least 32 characters long" in refusal
    assert "FIELD_ENCRYPTION_KEYS entry must be a Fernet key" in refusal
    assert "DISCLOSURE_ENCRYPTION_KEY must be 32 random bytes" in refusal
    for name in ("SECRET_KEY", "AUDIT_CHAIN_KEY", "CACHE_URL or REDIS_URL"):
        assert name in refusal, refusal


def test_with_everything_set_the_start_goes_on():
    result = _start(
        SECRET_KEY="a-production-secret-key-" + "k" * 40,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_HASH_KEY="h" * 40,
        DISCLOSURE_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        AUDIT_CHAIN_KEY="a" * 40,
        CACHE_URL="redis://127.0.0.1:6379/12",
    )
    assert result.returncode == 0, result.stderr
