"""What the completion notice says about delivery: the download link, or the posting date."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from .models import DisclosurePackage
from .services import download_path


def delivery_notice_context(stored: dict) -> dict:
    """Template context for a notice whose stored context names a package or a posting."""
    context = {}
    package_id = (stored.get("download") or {}).get("package")
    if package_id:
        package = DisclosurePackage.objects.filter(pk=package_id).first()
        if package is not None:
            context["download_url"] = f"{settings.SITE_URL}{download_path(package)}"
            context["download_expires_at"] = package.expires_at
            context["download_max"] = package.max_downloads
    if stored.get("posted_on"):
        context["posted_on"] = dt.date.fromisoformat(stored["posted_on"])
    return context
