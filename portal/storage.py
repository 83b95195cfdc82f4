"""The private storage's backend, chosen by ``PRIVATE_STORAGE_URL`` (read by the settings).

Empty: files under ``PRIVATE_MEDIA_ROOT`` on this machine. ``s3://bucket/prefix``:
an S3 bucket (django-storages), e.g.
``s3://rp-private/portal?region_name=ap-northeast-1`` or, for an S3-compatible
server, ``s3://rp-private?endpoint_url=http://127.0.0.1:9000``. Credentials come
from the usual AWS sources (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, an
instance role), never from the address. Objects are private: no ACL granting
anyone else, links signed and short-lived, names never overwritten.

Only the backend is chosen here: whatever wraps the storage (encryption of the
files before they are stored) applies to either.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured

#: Query parameters an address may set, passed to the backend as they are.
S3_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version"}


def private_storage(url: str, media_root: Path) -> dict:
    """The ``STORAGES["private"]`` entry for ``url`` (empty: the local directory)."""
    if not url:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root, "base_url": None},
        }
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ImproperlyConfigured(
            "PRIVATE_STORAGE_URL must be empty or s3://bucket[/prefix][?endpoint_url=...]"
        )
    query = dict(parse_qsl(parts.query))
    unknown = set(query) - S3_OPTIONS
    if unknown:
        raise ImproperlyConfigured(
            f"PRIVATE_STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(S3_OPTIONS))}"
        )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": parts.netloc,
            "location": parts.path.strip("/"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            **query,
        },
    }
