"""The settings read `.env` in the checkout, except under the tests.

docs/operations.md tells an operator to write the production settings into
`.env` (DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, the keys). The tests read the same
file: with it in the checkout, `make test` ran with DEBUG off (pages redirected
to https, deploy checks found the operator's cache and keys), so its result
depended on a file the tests do not own.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import shared_cache_url

ROOT = Path(__file__).resolve().parents[1]

KEYS = ("FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "DISCLOSURE_ENCRYPTION_KEY", "AUDIT_CHAIN_KEY")
SET_BY_THE_FILE = {
    "ENV_FILE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CACHE_URL",
    "REDIS_URL",
    *KEYS,
}


def _production_dotenv() -> str:
    """A minimal production `.env` as docs/operations.md shows it."""
    return "\n".join(
        [
            "DEBUG=0",
            "SECRET_KEY=an-operator-production-secret-key-0123456789abcdefghijklmnop",
            "ALLOWED_HOSTS=portal.example.com",
            f"REDIS_URL={shared_cache_url()}",
            f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}",
            "FIELD_HASH_KEY=an-operator-field-hash-key-0123456789abcdef",
            f"DISCLOSURE_ENCRYPTION_KEY={Fernet.generate_key().decode()}",
            "AUDIT_CHAIN_KEY=an-operator-audit-chain-key-0123456789abcdef",
            "",
        ]
    )


PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.ALLOWED_HOSTS[0])"
)


@pytest.fixture
def project(tmp_path):
    """A checkout whose settings module is a copy (so its `.env` is the one beside
    it) and whose other files are the real ones."""
    (tmp_path / "portal").mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {"portal", ".env"}:
            (tmp_path / entry.name).symlink_to(entry)
    for entry in (ROOT / "portal").iterdir():
        if entry.name != "settings.py":
            (tmp_path / "portal" / entry.name).symlink_to(entry)
    shutil.copy(ROOT / "portal" / "settings.py", tmp_path / "portal" / "settings.py")
    (tmp_path / ".env").write_text(_production_dotenv())
    return tmp_path


def _settings(project: Path, settings_module: str, **variables) -> str:
    env = {key: value for key, value in os.environ.items() if key not in SET_BY_THE_FILE}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, **variables)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_dotenv_with_debug_off_in_the_project_does_not_change_the_test_settings(project):
    assert _settings(project, os.environ["DJANGO_SETTINGS_MODULE"]) == "True 127.0.0.1"


def test_manage_py_and_production_read_the_dotenv_in_the_project(project):
    assert _settings(project, "portal.settings") == "False portal.example.com"


def test_env_file_names_the_file_read_and_empty_reads_none(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("srv") / "portal.env"
    (project / ".env").rename(elsewhere)
    assert _settings(project, "portal.settings", ENV_FILE=str(elsewhere)) == (
        "False portal.example.com"
    )
    elsewhere.rename(project / ".env")
    assert _settings(project, "portal.settings", ENV_FILE="") == "True 127.0.0.1"


def test_env_file_naming_a_missing_file_stops_the_start(project):
    env = {key: value for key, value in os.environ.items() if key not in SET_BY_THE_FILE}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings", ENV_FILE="/srv/portal/.env-typo")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: ENV_FILE names /srv/portal/.env-typo, which is not a readable file."
    ) in result.stderr


def test_the_tests_run_on_their_own_settings():
    from django.conf import settings

    assert os.environ["DJANGO_SETTINGS_MODULE"] == "tests.settings"
    assert os.environ["ENV_FILE"] == ""
    assert "portal.example.com" not in settings.ALLOWED_HOSTS


def test_an_exported_settings_module_does_not_replace_the_test_settings(project):
    """An operator's shell exports DJANGO_SETTINGS_MODULE=portal.settings (for
    manage.py): pytest run from it still takes tests/settings.py, not the
    production settings and their `.env`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SET_BY_THE_FILE and key not in {"DATABASE_URL", "PYTEST_ADDOPTS"}
    }
    env.update(DJANGO_SETTINGS_MODULE="portal.settings")
    node = "tests/test_env_file.py::test_the_tests_run_on_their_own_settings"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-q", node],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout
