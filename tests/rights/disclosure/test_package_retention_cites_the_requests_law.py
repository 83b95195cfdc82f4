"""The disclosure package says how long each kind of data is kept under the request's own
law (LEGAL.md): the record of requests is kept under CCPA regs §7101 for a CCPA request,
for legal claims (GDPR art. 17(3)(e)) for a GDPR request, and as the company's own record
for an APPI request, whatever regime the portal takes by default."""

import io
import json
import zipfile

import pytest

from rights.choices import Kind, Regime
from rights.disclosure.package import write_package
from rights.services import request_submit
from tests.rights.disclosure_support import customer_with_data

pytestmark = pytest.mark.django_db


def _package(regime) -> dict[str, str]:
    customer = customer_with_data(language="en")
    request = request_submit(subject=customer, requester=customer, kind=Kind.DISCLOSURE)
    request_submit(
        subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
    )
    request.regime = regime
    request.save(update_fields=["regime"])
    buffer = io.BytesIO()
    write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def _requests_retention(files: dict[str, str]) -> str:
    data = json.loads(files["data.json"])
    return next(s["retention_text"] for s in data["sources"] if s["key"] == "rights.rightsrequest")


@pytest.mark.parametrize("default", [Regime.APPI, Regime.GDPR])
def test_a_ccpa_package_keeps_the_request_log_under_ccpa_regs_7101(settings, default):
    """CCPA regs §7101: the log of requests is kept 24 months."""
    settings.RIGHTS_DEFAULT_REGIME = default
    files = _package(Regime.CCPA)
    assert "CCPA Regulations (11 CCR) §7101" in _requests_retention(files)
    assert "CCPA Regulations (11 CCR) §7101" in files["report.html"]
    assert not any("GDPR art. 17(3)(e)" in body for body in files.values())


def test_a_gdpr_package_keeps_it_for_legal_claims_gdpr_art_17_3_e(settings):
    """GDPR art. 17(3)(e): a CCPA regulation does not bind a GDPR request."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    files = _package(Regime.GDPR)
    assert "GDPR art. 17(3)(e)" in _requests_retention(files)
    assert not any("§7101" in body for body in files.values())


def test_an_appi_package_cites_no_foreign_law_appi_art_35(settings):
    """APPI art. 35: the record of requests is the company's own, under any default."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    files = _package(Regime.APPI)
    assert "as our own record" in _requests_retention(files)
    assert not any("§7101" in body or "GDPR art. 17(3)" in body for body in files.values())
