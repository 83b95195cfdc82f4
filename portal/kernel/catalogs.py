"""``check --deploy``: every translation catalog of the project is compiled.

The compiled catalogs (``django.mo``) are not kept in the repository; ``make
install`` compiles them from the ``django.po`` sources. Without them Django
falls back to the source strings, so a checkout installed another way, or
upgraded without ``make install``, shows the Japanese pages in English and
says nothing. Third-party apps ship their own compiled catalogs and are left out.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks


def _project_locale_dirs() -> list[Path]:
    base = Path(settings.BASE_DIR).resolve()
    folders = [Path(folder) for folder in settings.LOCALE_PATHS]
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if (path == base or base in path.parents) and "site-packages" not in path.parts:
            folders.append(path / "locale")
    return folders


def _stale(source: Path) -> bool:
    compiled = source.with_suffix(".mo")
    return not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime


def check_compiled_catalogs(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    stale = sorted(
        {
            str(source)
            for folder in _project_locale_dirs()
            for source in folder.glob("*/LC_MESSAGES/django.po")
            if _stale(source)
        }
    )
    if not stale:
        return []
    return [
        checks.Warning(
            "Translation catalogs not compiled, or changed since: "
            + ", ".join(stale)
            + ". Their pages show the untranslated (English) text.",
            hint="Run `make install` in the checkout (it compiles them), then restart.",
            id="portal.W002",
        )
    ]
