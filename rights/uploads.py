"""Checking uploaded files by their bytes, not their names."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# What people send as evidence or documents: scans and photos, and PDFs.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
}


def check_upload(uploaded) -> str:
    """Return the file's real MIME type, or raise ValidationError.

    The type is read from the first bytes (``filetype``), so an HTML page
    renamed to ``.pdf`` is refused. The size limit is ``RIGHTS_UPLOAD_MAX_BYTES``.
    """
    limit = settings.RIGHTS_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    head = uploaded.read(262)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(_("Only PDF, JPEG, PNG or HEIC files can be sent."), code="file_type")
    return kind.mime
