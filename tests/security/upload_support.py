"""What the upload tests share: hostile file names, and checks of what is kept and served."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.rights.identity_support import PDF

# A PDF first (so the bytes say PDF) that is an HTML page after: a browser told
# "text/html" runs its script. Sent, it is refused (tests/security/test_upload_contents.py);
# one stored before that check is still served as a PDF.
POLYGLOT = PDF + b"<html><body><script>alert(document.cookie)</script></body></html>"
RANDOM_FILE = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png|heic|bin)")
MAX_NAME = 200

# Names a careless or hostile client sends: the name, a part of it that must never
# reach the disk, and the name kept (at most 200 characters, cleaned).
HOSTILE_NAMES = {
    "240 characters": ("a" * 236 + ".pdf", "aaaaaaaaaa", "a" * 196 + ".pdf"),
    "1,000 characters": ("b" * 996 + ".pdf", "bbbbbbbbbb", "b" * 196 + ".pdf"),
    "240 Japanese characters": ("証" * 236 + ".pdf", "証証証", "証" * 196 + ".pdf"),
    "path traversal": ("../../../etc/cron.d/evil.pdf", "evil", "evil.pdf"),
    "NUL byte": ("scan\x00.html.pdf", "scan", "scan.html.pdf"),
    "right-to-left override": ("invoice\u202efdp.exe.pdf", "invoice", "invoicefdp.exe.pdf"),
    "Windows reserved name": ("CON.pdf", "CON", "_CON.pdf"),
    "Japanese name": ("運転免許証の写し.pdf", "運転免許証", "運転免許証の写し.pdf"),
}


def files_in(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()]


def assert_random_names(root: Path, *sent: str):
    """Every file under ``root`` has a random name; no part of a sent name is in a path."""
    found = files_in(root)
    assert found
    for path in found:
        assert RANDOM_FILE.fullmatch(path.rsplit("/", 1)[-1]), path
        for part in sent:
            assert part not in path, path


def assert_clean_name(kept: str, expected: str):
    assert kept == expected
    assert 0 < len(kept) <= MAX_NAME, kept
    assert not set(kept) & {"/", "\\", "\x00", "\u202e"}, kept


def attach(client, request, name, content=PDF):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(f"/requests/{request.pk}/", {"body": "The file.", "attachment": upload})


def download(client, request, message):
    return client.get(f"/requests/{request.pk}/messages/{message.pk}/attachment/")


def assert_safe_download(response, content_type="application/pdf"):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type, response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
