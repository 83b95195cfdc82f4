"""A file is taken for what its whole structure shows, not its first bytes only.

Seen: a file that began with ``%PDF`` and held an HTML page was stored as a PDF, as
was any file with the first bytes of a JPEG, a PNG or a HEIC and nothing of one after.
Now a PDF must end in its cross-reference pointer and ``%%EOF``, a PNG's chunks must
be whole with their checksums, a JPEG's segments must lead to an image scan and its
end, a HEIC's boxes must fill the file; no file may hold an HTML page. A file that
fails is refused with a message saying so, and nothing is stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from rights.models import RequestMessage
from rights.uploads import check_upload
from tests import sample_files

from .upload_support import attach, files_in

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
MESSAGE = {
    "en": "This file cannot be read as a PDF, JPEG, PNG or HEIC file",
    "ja": "PDF、JPEG、PNG、HEICのファイルとして読み取れません",
}

WHOLE = {
    "application/pdf": sample_files.pdf(),
    "image/png": sample_files.png(),
    "image/jpeg": sample_files.jpeg(),
    "image/heic": sample_files.heic(),
}

BROKEN = {
    "PDF header, then an HTML page": b"%PDF-1.7\n" + HTML,
    "a whole PDF, then an HTML page": sample_files.pdf() + HTML,
    "a whole PDF holding an HTML page": sample_files.pdf(note=HTML),
    "a PDF cut short": sample_files.pdf()[:-40],
    "a PDF pointing past its end": sample_files.pdf().replace(b"startxref\n", b"startxref\n9"),
    "PNG signature, then an HTML page": b"\x89PNG\r\n\x1a\n" + HTML,
    "a PNG with a wrong checksum": sample_files.png()[:-5] + b"\x00" + sample_files.png()[-4:],
    "a PNG cut short": sample_files.png()[:30],
    "JPEG start, then an HTML page": b"\xff\xd8\xff\xe0" + HTML,
    "a JPEG without its image": sample_files.jpeg()[:40],
    "HEIC brand, then an HTML page": sample_files.heic()[:24] + HTML,
}


def _upload(content: bytes, name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("mime", WHOLE)
def test_a_whole_file_of_each_type_is_taken(mime):
    assert check_upload(_upload(WHOLE[mime])) == mime


@pytest.mark.parametrize("case", BROKEN)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_file_whose_structure_is_not_its_types_is_refused(case, language):
    with translation.override(language), pytest.raises(ValidationError) as refused:
        check_upload(_upload(BROKEN[case]))
    assert refused.value.code == "damaged", case
    assert MESSAGE[language] in refused.value.messages[0], refused.value.messages


def test_a_pdf_holding_html_is_refused_on_the_form_and_nothing_is_stored(
    stepped_up_client, own_request, upload_dir
):
    response = attach(stepped_up_client, own_request, "proof.pdf", b"%PDF-1.7\n" + HTML)
    assert response.status_code == 200
    assert MESSAGE["en"] in response.content.decode()
    assert not RequestMessage.objects.filter(request=own_request).exists()
    assert files_in(upload_dir) == []
