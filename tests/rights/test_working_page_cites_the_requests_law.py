"""Staff working a request read the article of its own law, not every regime's at once
(LEGAL.md: each request carries a regime). The refusal grounds offered name only that
law's article (APPI art. 37 / GDPR art. 12(6) for identity); the stop section cites
APPI art. 35, or GDPR arts. 18 and 21, or CCPA §1798.120; the note on a stop given
without reason cites GDPR art. 21(3) only on a GDPR request; the correction section
APPI art. 34, GDPR art. 16 or CCPA §1798.106; the fee section's "manifestly unfounded
or excessive" GDPR art. 12(5) or CCPA §1798.145(h)(3)."""

import re

import pytest

from rights import fees
from rights.choices import Kind, Regime, Status
from rights.models import RightsRequest
from rights.workflow import transition
from tests.rights.fee_support import in_review, phone_correction_in_review
from tests.rights.working_page_support import english_working_page

pytestmark = pytest.mark.django_db


def _ground_options(page: str) -> str:
    return " ".join(re.findall(r'<option value="[a-z_]+">([^<]*)</option>', page))


@pytest.mark.parametrize(
    ("regime", "cited", "absent"),
    [(Regime.GDPR, "(GDPR 12(6))", "APPI 37"), (Regime.APPI, "(APPI 37)", "GDPR 12(6)")],
)
def test_refusal_grounds_cite_appi_art_37_or_gdpr_art_12_6_not_both(
    officer_client, customer, file_request, regime, cited, absent
):
    request = file_request(customer, kind=Kind.DELETION, regime=regime, scope={"everything": True})
    options = _ground_options(english_working_page(officer_client, request))
    assert f"Identity or authority could not be confirmed {cited}" in options
    assert absent not in options


@pytest.mark.parametrize(
    ("regime", "cited", "absent"),
    [
        (Regime.APPI, "(APPI art. 35)", "GDPR arts. 18 and 21"),
        (Regime.GDPR, "(GDPR arts. 18 and 21)", "APPI art. 35,"),
        (Regime.CCPA, "(CCPA §1798.120, §1798.121)", "GDPR arts. 18 and 21"),
    ],
)
def test_the_stop_section_cites_the_requests_own_article(
    officer_client, officer, customer, file_request, regime, cited, absent
):
    """APPI art. 35; GDPR arts. 18 and 21; CCPA §1798.120-.121."""
    request = file_request(
        customer, kind=Kind.STOP_USE, regime=regime, scope={"purposes": ["billing"]}, details="x"
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    page = english_working_page(officer_client, request)
    assert "A stop applies at once" in page
    assert cited in page and absent not in page


@pytest.mark.parametrize(
    ("regime", "cited"),
    [(Regime.APPI, None), (Regime.GDPR, "GDPR art. 21(3)"), (Regime.CCPA, "CCPA §1798.120")],
)
def test_a_stop_of_marketing_without_reason_cites_only_the_requests_law(
    officer_client, customer, file_request, regime, cited
):
    request = file_request(
        customer, kind=Kind.STOP_USE, regime=regime, scope={"purposes": ["marketing"]}
    )
    page = english_working_page(officer_client, request)
    row = re.search(r"field-details_display.*?needs no reason[^<]*", page)
    assert row, "no note that a withdrawal needs no reason"
    for law in ("GDPR", "CCPA", "APPI"):
        assert (law in row.group(0)) == (cited is not None and cited.startswith(law))
    if cited:
        assert cited in row.group(0)


@pytest.mark.parametrize(
    ("regime", "cited", "absent"),
    [
        (Regime.APPI, "(APPI art. 34)", "GDPR art. 16"),
        (Regime.GDPR, "(GDPR art. 16)", "APPI art. 34"),
        (Regime.CCPA, "(CCPA §1798.106)", "GDPR art. 16"),
    ],
)
def test_the_correction_help_cites_appi_art_34_gdpr_art_16_or_ccpa_1798_106(
    officer_client, officer, customer, file_request, regime, cited, absent
):
    request = phone_correction_in_review(file_request, customer, officer)
    RightsRequest.objects.filter(pk=request.pk).update(regime=regime)
    page = english_working_page(officer_client, request)
    (help_text,) = re.findall(r"Applied changes are validated again[^<]*", page)
    assert cited in help_text and absent not in help_text


@pytest.mark.parametrize(
    ("regime", "cited", "absent"),
    [(Regime.GDPR, "(GDPR art. 12(5))", "CCPA"), (Regime.CCPA, "(CCPA §1798.145(h)(3))", "GDPR")],
)
def test_the_fee_section_cites_gdpr_art_12_5_or_ccpa_1798_145_h_3_not_both(
    officer_client, officer, customer, file_request, regime, cited, absent
):
    request = in_review(file_request, customer, officer, regime=regime)
    label = re.search(
        r'<label for="id_unfounded_reason">([^<]*)</label>',
        english_working_page(officer_client, request),
    )
    assert cited in label.group(1) and absent not in label.group(1)
    fees.request_mark_unfounded(request=request, reason="The tenth copy this week.", actor=officer)
    (basis,) = re.findall(r"Basis: [^<]*", english_working_page(officer_client, request))
    assert "Manifestly unfounded" in basis and cited in basis and absent not in basis
