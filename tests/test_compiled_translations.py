"""`check --deploy` warns when a translation catalog of the project is not compiled.

The compiled catalogs (``*.mo``) are not in the repository: `make install`
compiles them. A production checkout installed without it (or upgraded by
`git pull` and a restart) served the Japanese pages with every string in
English ("ホーム | Rights Portal"), and `check --deploy` said nothing.
"""

import os
import shutil
from pathlib import Path

from django.core import checks
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[1]


def _deploy_warnings() -> list[checks.CheckMessage]:
    return [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if message.id == "portal.W002"
    ]


def _locale(tmp_path) -> Path:
    """A copy of the project's Japanese catalog, source only."""
    folder = tmp_path / "locale" / "ja" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "portal" / "locale" / "ja" / "LC_MESSAGES" / "django.po", folder)
    return folder


def test_the_installed_catalogs_pass():
    assert _deploy_warnings() == []


def test_a_catalog_never_compiled_is_named(tmp_path):
    folder = _locale(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        [warning] = _deploy_warnings()
    assert str(folder / "django.po") in warning.msg
    assert "make install" in warning.hint


def test_a_catalog_changed_since_it_was_compiled_is_named(tmp_path):
    folder = _locale(tmp_path)
    shutil.copy(ROOT / "portal" / "locale" / "ja" / "LC_MESSAGES" / "django.mo", folder)
    old = (folder / "django.po").stat().st_mtime - 60
    os.utime(folder / "django.mo", (old, old))
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        [warning] = _deploy_warnings()
    assert str(folder / "django.po") in warning.msg
