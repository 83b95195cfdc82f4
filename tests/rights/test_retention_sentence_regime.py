""" "My data" and the disclosure report say how long each kind of record is kept; a rule
whose statute is another regime's privacy law (the log of requests: CCPA regs §7101) is
not cited to customers of the portal's regime (RIGHTS_DEFAULT_REGIME): under APPI the
record is the company's own, under GDPR it is kept for legal claims (art. 17(3)(e))."""

import pytest
from django.utils import translation

from rights.retention.texts import retention_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_appi_customers_are_not_told_of_ccpa_7101(settings):
    settings.RIGHTS_DEFAULT_REGIME = "appi"
    text = retention_text("request-log")
    assert text == "Kept for 24 months from the date of each record, as our own record."
    assert "Companies Act art. 432(2)" in retention_text("accounting-books")


def test_gdpr_customers_are_told_of_legal_claims_gdpr_art_17_3_e(settings):
    settings.RIGHTS_DEFAULT_REGIME = "gdpr"
    text = retention_text("request-log")
    assert "GDPR art. 17(3)(e)" in text and "CCPA" not in text


def test_ccpa_customers_are_told_of_ccpa_7101(settings):
    settings.RIGHTS_DEFAULT_REGIME = "ccpa"
    assert "as required by CCPA Regulations (11 CCR) §7101" in retention_text("request-log")
    with translation.override("ja"):
        assert "第7101条" in retention_text("request-log")


@pytest.mark.parametrize("regime", ["appi", "ccpa"])
def test_consent_proof_cites_gdpr_art_7_1_to_gdpr_customers_only(settings, regime):
    """GDPR art. 7(1) (the controller must be able to show the consent) binds the
    company towards people under the GDPR: an APPI or CCPA customer reads why the
    consent records are kept, citing no article of a law that is not theirs."""
    settings.RIGHTS_DEFAULT_REGIME = regime
    text = retention_text("consent-record")
    assert text == (
        "Kept while the consent is in force and for 3 years after it is withdrawn or "
        "replaced, so that we can show the consent was given or withdrawn."
    )
    with translation.override("ja"):
        assert "GDPR" not in retention_text("consent-record")


def test_gdpr_customers_read_gdpr_art_7_1_for_consent_proof(settings):
    settings.RIGHTS_DEFAULT_REGIME = "gdpr"
    assert retention_text("consent-record").endswith(
        "so that we can show the consent was given or withdrawn (GDPR art. 7(1))."
    )
