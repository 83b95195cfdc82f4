"""A disclosure report's section on records of provision to third parties names the law
of the request's regime (LEGAL.md): APPI arts. 29 and 33(5) for an APPI request; the
recipients part of the right of access (GDPR art. 15(1)(c)) for a GDPR request; no
article for a CCPA request, where LEGAL.md names none for these records. Never another
regime's law."""

import re

import pytest

from rights.choices import Kind
from rights.disclosure.package import iter_report_html
from rights.services import request_submit
from tests.consent_support import marketing_provision, recipients
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def _provision_section(regime: str, language: str = "en") -> str:
    user = ProfileFactory(full_name="Jane Doe", user__language=language).user
    marketing_provision(user, recipients()["affiliate"], data_items="name, e-mail address")
    request = request_submit(subject=user, requester=user, kind=Kind.DISCLOSURE, regime=regime)
    report = "".join(iter_report_html(request))
    section = re.search(r'<section class="dr-provision".*?</section>', report, re.S)
    assert section, "the report has no section on provision records"
    return " ".join(section.group(0).split())


def test_an_appi_disclosure_names_appi_arts_29_and_33_5():
    section = _provision_section("appi")
    assert "(APPI Art. 29)" in section and "(APPI Art. 33(5))" in section


def test_a_gdpr_access_request_names_gdpr_art_15_1_c_not_appi():
    section = _provision_section("gdpr")
    assert "(GDPR Art. 15(1)(c))" in section
    assert "APPI" not in section and "CCPA" not in section


def test_a_ccpa_request_to_know_names_no_japanese_or_european_law():
    section = _provision_section("ccpa")
    assert "We disclose these records to you" in section
    assert "APPI" not in section and "GDPR" not in section


def test_a_gdpr_access_request_in_japanese_names_gdpr_art_15_1_c():
    section = _provision_section("gdpr", language="ja")
    assert "（GDPR第15条第1項(c)）" in section
    assert "個人情報保護法" not in section
