"""A refusal's legal ground as the person under the request's own law is told it, and
as staff see it before and after (LEGAL.md: GDPR art. 12(4), APPI art. 36): the ground
offered to refuse a GDPR erasure cites GDPR art. 17(1), a stop arts. 18(1) and 21(1),
not APPI art. 35; the confirmation page shows the ground as the person is told it; the timeline
names the ground, not its code."""

import re

import pytest
from django.utils import translation

from rights.choices import Kind, Regime, RejectionGround, Status, told_ground
from rights.confirmations import closing
from rights.workflow import transition
from tests.rights.working_page_support import english_working_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "cited"), [(Kind.DELETION, "(GDPR 17(1))"), (Kind.STOP_USE, "(GDPR 18(1), 21(1))")]
)
def test_a_gdpr_stop_or_erasure_is_refused_under_arts_17_18_21(
    officer_client, customer, file_request, kind, cited
):
    request = file_request(customer, kind=kind, regime=Regime.GDPR, scope={"everything": True})
    options = re.findall(
        r'<option value="no_ground">([^<]*)</option>', english_working_page(officer_client, request)
    )
    assert options and all(cited in o for o in options)
    assert not any("APPI" in o for o in options)


def test_appi_keeps_art_35():
    with translation.override("en"):
        assert "(APPI 35)" in told_ground(RejectionGround.NO_GROUND, Regime.APPI)


def test_the_confirmation_shows_the_ground_as_the_person_is_told_it(customer, file_request):
    """GDPR art. 12(6): the page says "the legal ground they are told", so it shows
    that, not the staff label citing APPI art. 37 too."""
    request = file_request(customer, kind=Kind.DELETION, regime=Regime.GDPR)
    with translation.override("en"):
        page = closing(request, to=Status.REJECTED, ground=RejectionGround.IDENTITY)
    text = " ".join(line.text for line in page.lines)
    assert "Identity or authority could not be confirmed (GDPR 12(6))" in text
    assert "APPI" not in text


def test_the_timeline_names_the_ground_not_its_code(
    officer_client, officer, customer, file_request
):
    """APPI art. 33(2)(ii): staff read the ground a disclosure was refused on in words."""
    request = file_request(customer, kind=Kind.DISCLOSURE, regime=Regime.APPI)
    transition(request, to=Status.IN_REVIEW, actor=officer)
    transition(
        request,
        to=Status.REJECTED,
        actor=officer,
        reason="It would seriously hinder our business.",
        ground=RejectionGround.BUSINESS,
    )
    page = english_working_page(officer_client, request)
    assert "Ground: Serious hindrance to the proper conduct of business (APPI 33(2)(ii))" in page
    assert "Ground: business" not in page


@pytest.mark.parametrize(
    ("regime", "cited", "absent"),
    [(Regime.GDPR, "(GDPR art. 12(5))", "CCPA"), (Regime.CCPA, "(CCPA §1798.145(h)(3))", "GDPR")],
)
def test_the_unfounded_mark_cites_the_requests_law_gdpr_art_12_5(
    officer_client, customer, file_request, regime, cited, absent
):
    """GDPR art. 12(5): the fee section's "manifestly unfounded" mark names the request's
    own law, as the person is told the ground."""
    request = file_request(customer, kind=Kind.DELETION, regime=regime)
    page = english_working_page(officer_client, request)
    label = re.search(r'<label for="id_unfounded_reason">([^<]*)</label>', page).group(1)
    assert f"Manifestly unfounded or excessive {cited} — reason told to the requester" in label
    assert absent not in label
