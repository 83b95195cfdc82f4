"""Why a correction, stop or deletion is not put to "awaiting payment", as staff are
told it on the working page: in the words of the request's own law only (APPI art. 38,
GDPR art. 12(5), the CCPA), not APPI art. 38 on a GDPR or CCPA request."""

import pytest
from django.utils import translation

from rights.choices import Kind, Regime, Status
from rights.transition_rules import Role, refusal

pytestmark = pytest.mark.django_db


def _told(request) -> str:
    with translation.override("en"):
        return refusal(request, Status.AWAITING_PAYMENT, Role.STAFF)


@pytest.mark.parametrize("kind", [Kind.CORRECTION, Kind.STOP_USE, Kind.DELETION])
def test_appi_names_art_38(customer, file_request, kind):
    told = _told(file_request(customer, kind=kind, regime=Regime.APPI))
    assert "APPI art. 38" in told and "GDPR" not in told


@pytest.mark.parametrize("kind", [Kind.CORRECTION, Kind.STOP_USE, Kind.DELETION])
def test_gdpr_names_art_12_5_only(customer, file_request, kind):
    told = _told(file_request(customer, kind=kind, regime=Regime.GDPR))
    assert "GDPR art. 12(5)" in told and "APPI" not in told


def test_ccpa_names_no_other_law(customer, file_request):
    told = _told(file_request(customer, kind=Kind.DELETION, regime=Regime.CCPA))
    assert "CCPA" in told and "APPI" not in told and "GDPR" not in told


def test_a_disclosure_is_not_held_back_by_them(customer, file_request):
    """APPI art. 38: a disclosure may carry a fee; only the fee's own rule speaks."""
    told = _told(file_request(customer, kind=Kind.DISCLOSURE, regime=Regime.APPI))
    assert "always free" not in told and "free of charge" not in told
