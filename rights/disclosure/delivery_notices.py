"""What the completion notice says about delivery: the download link, or the posting date."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from .models import DisclosurePackage
from .services import download_path


def delivery_notice_context(stored: dict) -> dict:
    """Template context for a notice whose stored context names a package or a posting.

    The link is the package's current one (a renewed link replaces the first); the
    downloads it allows are those the notice said when it was sent, which a renewal
    does not change: it adds the same number again to the package's total.
    """
    context = {}
    download = stored.get("download") or {}
    package_id = download.get("package")
    if package_id:
        package = DisclosurePackage.objects.filter(pk=package_id).first()
        if package is not None:
            context["download_url"] = f"{settings.SITE_URL}{download_path(package)}"
            context["download_expires_at"] = package.expires_at
            context["download_max"] = download.get("allowed") or (
                settings.DISCLOSURE_MAX_DOWNLOADS if package.renewed_at else package.max_downloads
            )
    if stored.get("posted_on"):
        context["posted_on"] = dt.date.fromisoformat(stored["posted_on"])
    return context
