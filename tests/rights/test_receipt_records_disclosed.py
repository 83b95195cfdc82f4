"""Records of receipt from third parties in a disclosure (APPI arts. 30 and 33(5); GDPR
art. 15(1)(g)): the package holds the person's own records through the registry, and the
report's section on third-party records discloses them under the request's law."""

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from django.utils import timezone

from consent import services as consent_services
from consent.models import ReceiptRecord
from rights.choices import Kind
from rights.disclosure.package import iter_report_html, write_package
from rights.disclosure.withholding import record_withhold
from rights.services import request_submit
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def _receive(subject, provider: str) -> ReceiptRecord:
    return consent_services.receipt_record_create(
        subject=subject,
        received_on=timezone.localdate() - dt.timedelta(days=30),
        provider_name=provider,
        provider_address="1-2-3 Marunouchi, Chiyoda-ku, Tokyo",
        provider_representative="Taro Yamada, CEO",
        provider_acquisition="Collected from the person at a trade fair, with consent.",
        data_items=f"name, e-mail address ({provider})",
        categories=["contact"],
    )


def _request(regime: str = "appi", language: str = "en"):
    user = ProfileFactory(full_name="Jane Doe", user__language=language).user
    return user, request_submit(subject=user, requester=user, kind=Kind.DISCLOSURE, regime=regime)


def _section(request) -> str:
    report = "".join(iter_report_html(request))
    section = re.search(r'<section class="dr-provision".*?</section>', report, re.S)
    assert section, "the report has no section on third-party records"
    return " ".join(section.group(0).split())


def test_the_package_holds_the_persons_records_of_receipt_and_none_of_anothers():
    """APPI art. 33(5): the records of receipt about the person are disclosed like data;
    another person's are not."""
    user, request = _request()
    other, _other_request = _request()
    _receive(user, "Alpha Data Ltd.")
    _receive(other, "Bravo Lists Inc.")
    buffer = io.BytesIO()
    write_package(request, buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    data = json.loads(archive.read("data.json").decode("utf-8"))
    receipts = [r for r in data["records"] if r["source"] == "consent.receiptrecord"]
    assert [r["values"]["provider_name"] for r in receipts] == ["Alpha Data Ltd."]
    assert "Bravo" not in "\n".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())


def test_an_appi_report_discloses_records_of_receipt_citing_appi_art_30():
    """APPI arts. 30 and 33(5): the section on third-party records lists the records of
    receipt with the provider, its address and representative and how it obtained the data."""
    user, request = _request()
    _receive(user, "Alpha Data Ltd.")
    section = _section(request)
    assert "(APPI Art. 30)" in section and "(APPI Art. 33(5))" in section
    assert "(APPI Art. 29)" in section
    assert "Alpha Data Ltd." in section and "Taro Yamada, CEO" in section
    assert "trade fair" in section and "1-2-3 Marunouchi" in section


def test_an_appi_reports_header_names_the_records_of_receipt_it_discloses():
    """APPI art. 33(5): the third-party records disclosed are those of provision (art. 29)
    and of receipt (art. 30); the report's header says both."""
    user, request = _request()
    report = " ".join("".join(iter_report_html(request)).split())
    assert "records of provision to and receipt from third parties, APPI Art. 33(1)" in report


def test_a_gdpr_report_names_the_source_under_gdpr_art_15_1_g_not_appi():
    """GDPR art. 15(1)(g): where data not collected from the person came from."""
    user, request = _request("gdpr")
    _receive(user, "Alpha Data Ltd.")
    section = _section(request)
    assert "(GDPR Art. 15(1)(g))" in section and "(GDPR Art. 15(1)(c))" in section
    assert "Alpha Data Ltd." in section
    assert "APPI" not in section and "CCPA" not in section


def test_a_ccpa_report_lists_the_receipts_and_names_no_japanese_or_european_law():
    user, request = _request("ccpa")
    _receive(user, "Alpha Data Ltd.")
    section = _section(request)
    assert "Alpha Data Ltd." in section
    assert "APPI" not in section and "GDPR" not in section


def test_a_japanese_appi_report_names_art_30():
    user, request = _request(language="ja")
    _receive(user, "Alpha Data Ltd.")
    section = _section(request)
    assert "個人情報保護法第30条" in section and "Alpha Data Ltd." in section


def test_a_withheld_record_of_receipt_is_left_out_of_the_section(officer):
    """APPI art. 33(5), 33(2): a record withheld from the disclosure is not listed."""
    user, request = _request()
    kept = _receive(user, "Alpha Data Ltd.")
    withheld = _receive(user, "Charlie Leads Co.")
    record_withhold(
        request=request,
        record=f"consent.receiptrecord:{withheld.pk}",
        ground="harm",
        actor=officer,
    )
    section = _section(request)
    assert kept.provider_name in section and "Charlie" not in section
