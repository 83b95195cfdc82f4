"""The contact at the end of a disclosure report and of a notice of purposes of use
(APPI art. 32(1): the company's name and where to ask) names the company once: the
demo's office address, written to be posted to, already names it, and the block read
"Rights Portal K.K. / Representative: … / Privacy Office, Rights Portal K.K., …"."""

import io
import re
import zipfile

import pytest

from rights.choices import Kind
from rights.disclosure.package import write_package, write_purpose_notice
from rights.services import request_submit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COMPANY = {"ja": "ライツポータル株式会社", "en": "Rights Portal K.K."}


def _address_block(kind: str, language: str) -> str:
    customer = UserFactory(language=language)
    request = request_submit(subject=customer, requester=customer, kind=kind)
    buffer = io.BytesIO()
    if kind == Kind.DISCLOSURE:
        write_package(request, buffer)
        name = "report.html"
    else:
        write_purpose_notice(request, buffer)
        name = "notice.html"
    html = zipfile.ZipFile(buffer).read(name).decode()
    return re.search(r"<address>(.*?)</address>", html, re.S)[1]


@pytest.mark.parametrize("kind", [Kind.DISCLOSURE, Kind.PURPOSE_NOTICE])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_contact_names_the_company_once_where_the_address_names_it(kind, language):
    block = _address_block(kind, language)
    assert block.count(COMPANY[language]) == 1, block


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_contact_names_the_company_where_the_address_does_not(settings, language):
    settings.PRIVACY_OFFICE_ADDRESS = "東京都渋谷区道玄坂1-2-3"
    settings.PRIVACY_OFFICE_ADDRESS_EN = "1-2-3 Dogenzaka, Shibuya-ku, Tokyo 150-0043"
    block = _address_block(Kind.DISCLOSURE, language)
    assert block.count(COMPANY[language]) == 1, block
