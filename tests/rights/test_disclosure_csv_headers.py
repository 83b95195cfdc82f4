"""The disclosure package's tables read as headings, not as field names (GDPR art. 15(3),
art. 12(1): in a concise, intelligible form). Every English CSV header begins with a
capital letter, as the report's columns do; none is a stored key such as ``created_at``."""

import csv
import io
import re
import zipfile

import pytest

from rights.disclosure.package import write_package
from rights.services import request_submit
from tests.rights.disclosure_support import customer_with_data

pytestmark = pytest.mark.django_db


def _headers(customer) -> dict[str, list[str]]:
    request = request_submit(subject=customer, requester=customer, kind="disclosure", regime="appi")
    buffer = io.BytesIO()
    write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {
            name: next(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_every_english_csv_header_reads_as_a_heading_art_15():
    customer = customer_with_data()
    customer.language = "en"
    customer.save()
    headers = _headers(customer)
    assert headers
    for name, header in headers.items():
        for cell in header:
            assert cell[:1].isupper() or not cell[:1].isalpha(), (name, cell)
            assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", cell), (name, cell)
