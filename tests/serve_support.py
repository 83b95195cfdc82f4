"""The production web process for tests: gunicorn as ``make serve`` starts it, ``DEBUG=0``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def production_env(tmp_path: Path, port: int, **variables: str) -> dict[str, str]:
    """The environment of a production web process on ``port`` with test-only keys.

    Static files are collected into ``tmp_path / "static"``; ``variables`` add to
    or override the defaults (``DATABASE_URL``, ``WEB_THREADS``...).
    """
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "test-only-production-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": "test-only-field-hash-key-0123456789abcdefghijklmnop",
        "AUDIT_CHAIN_KEY": "test-only-audit-chain-key-0123456789abcdefghijklm",
        "DISCLOSURE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        **variables,
    }


def collect_static(env: dict[str, str]) -> None:
    """``manage.py collectstatic`` into ``env["STATIC_ROOT"]``, as ``make serve`` does."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(env: dict[str, str], log, *, collect: bool = True) -> subprocess.Popen:
    """Collect the static files (unless ``collect`` is false: ``env["STATIC_ROOT"]``
    holds them already) and start gunicorn with the project's config, output to ``log``."""
    if collect:
        collect_static(env)
    return subprocess.Popen(
        [str(GUNICORN), "--config", "portal/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
