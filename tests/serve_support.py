"""The production web process for tests: gunicorn as ``make serve`` starts it, ``DEBUG=0``."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
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


def static_files_key() -> str:
    """A digest of everything ``collectstatic`` reads: each source file the finders
    list (path and content), the settings module, and the versions of Django,
    whitenoise and brotli. Two collections with the same key hold the same files."""
    from importlib.metadata import version

    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for package in ("django", "whitenoise", "brotli"):
        digest.update(f"{package} {version(package)}\n".encode())
    digest.update((ROOT / "portal" / "settings.py").read_bytes())
    sources = {}
    for finder in get_finders():
        for path, storage in finder.list([]):
            sources.setdefault(path, storage.path(path))  # the first found is collected
    for path in sorted(sources):
        digest.update(f"\n{path}\n".encode())
        digest.update(Path(sources[path]).read_bytes())
    return digest.hexdigest()


def collected_static(env: dict[str, str], cache: Path | None) -> Path:
    """The static files collected as ``make serve`` collects them, into
    ``env["STATIC_ROOT"]`` (returned); with ``cache`` (a directory of pytest's cache),
    into a directory there named by ``static_files_key()``, reused by later runs.

    Compressing them (brotli and gzip for some 300 files) takes about 40 s of CPU;
    CI runs the suite twice on one checkout (SQLite, then PostgreSQL) and the
    second run used to collect the very same files again. A change to any source
    file, the settings or the versions makes a new key, so a new collection.
    """
    if cache is None:
        collect_static(env)
        return Path(env["STATIC_ROOT"])
    kept = cache / static_files_key()
    # One test process collects; another one (pytest-xdist) waits for its files.
    with open(cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (kept / "staticfiles.json").exists():
            partial = cache / f"partial-{os.getpid()}"
            shutil.rmtree(partial, ignore_errors=True)
            collect_static({**env, "STATIC_ROOT": str(partial)})
            os.rename(partial, kept)  # whole or not at all, should the run be stopped
    return kept
