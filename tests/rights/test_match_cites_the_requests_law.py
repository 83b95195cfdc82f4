"""Matching a request filed without an account to a customer on fewer than two details
needs a reason; staff are told so citing CCPA §7062 on a CCPA request only, not on an
APPI or GDPR one, where the two details are the company's own procedure (APPI art. 37)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.kernel.staff import staff_create
from rights.choices import Regime
from rights.requesters.filing import Person, Requester, identity_request_file
from rights.requesters.models import Capacity
from rights.requesters.verification import identity_match_subject
from tests.factories import PASSWORD, ProfileFactory
from tests.rights.working_page_support import english_working_page

pytestmark = pytest.mark.django_db


def _filed(regime: str, declared_name: str):
    """(customer, officer, request): an agent's deletion for Alex Smith under ``regime``,
    the person declared as ``declared_name`` with Alex's e-mail address."""
    person = ProfileFactory(user__email="alex@example.com", full_name="Alex Smith").user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    filed = identity_request_file(
        kind="deletion",
        regime=regime,
        requester=Requester(
            capacity=Capacity.AGENT, email="agent@example.com", language="en", name="Sam Agent"
        ),
        person=Person(name=declared_name, email="alex@example.com"),
        uploads=[],
    )
    return person, officer, filed


def _refusal(regime: str) -> str:
    person, officer, filed = _filed(regime, "Someone Else")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        identity_match_subject(request=filed, subject=person, actor=officer)
    return " ".join(refused.value.messages)


@pytest.mark.parametrize("regime", [Regime.APPI, Regime.GDPR])
def test_appi_and_gdpr_matches_cite_no_ccpa_article(regime):
    told = _refusal(regime)
    assert "Matching needs two details" in told and "CCPA" not in told


def test_a_ccpa_match_cites_7062():
    assert "Matching needs two details (CCPA §7062)" in _refusal(Regime.CCPA)


def _matched(regime: str):
    person, officer, filed = _filed(regime, "Alex Smith")
    return identity_match_subject(request=filed, subject=person, actor=officer)


@pytest.mark.parametrize("regime", [Regime.APPI, Regime.GDPR])
def test_the_identity_section_cites_no_ccpa_article_on_another_law(officer_client, regime):
    """APPI art. 37: the help on matching and on asking the person to confirm the agent
    names no CCPA section on an APPI or GDPR request."""
    page = english_working_page(officer_client, _matched(regime))
    assert "Matching needs two details" in page and "person confirms directly" in page
    assert "CCPA §706" not in page


def test_the_identity_section_of_a_ccpa_request_cites_7062_and_7063(officer_client):
    page = english_working_page(officer_client, _matched(Regime.CCPA))
    assert "Matching needs two details (CCPA §7062)" in page and "CCPA §7063" in page
