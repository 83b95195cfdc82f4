"""The form without an account and the staff's entry form offer the grounds of the
request's own law, as the customer's forms do (rights.stop_grounds): APPI art. 35(1),
(3), (5); GDPR art. 17(1) for erasure, arts. 18(1) and 21 for a stop; none under the
CCPA (§1798.105, §1798.120-.121). A ground of another law is refused server-side,
naming the law, and nothing is filed."""

import pytest
from django.utils import translation

from rights.choices import Regime
from rights.models import RightsRequest
from rights.requesters.forms import PublicRequestForm

from .identity_support import agent_form, pdf
from .staff_entry_support import ENTER, entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, officer_client):
    settings.LANGUAGE_CODE = "en"
    officer_client.cookies["django_language"] = "en"


def _labels(form, name) -> str:
    return " ".join(str(label) for _code, label in form.fields[name].choices)


def _public(**overrides):
    data = agent_form(**overrides)
    files = {name: data.pop(name) for name in ("requester_document", "authority_document")}
    files["authority_document"] = pdf("proof.pdf")
    return PublicRequestForm(data, files, language="en")


def test_the_public_form_offers_gdpr_art_17_1_and_arts_18_21_only(settings):
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    form = PublicRequestForm(language="en")
    deletion = _labels(form, "grounds_deletion")
    assert "GDPR art. 17(1)(a)" in deletion and "APPI" not in deletion
    stop = _labels(form, "grounds_stop_use") + _labels(form, "grounds_stop_provision")
    assert "GDPR art. 18(1)(a)" in stop and "GDPR art. 21(2)" in stop and "APPI" not in stop


def test_the_public_form_offers_appi_art_35_3_for_a_stop_of_provision(settings):
    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    form = PublicRequestForm(language="en")
    assert "APPI art. 35(3)" in _labels(form, "grounds_stop_provision")
    assert "APPI art. 35(1)" in _labels(form, "grounds_stop_use")
    assert "GDPR" not in _labels(form, "grounds_deletion")


def test_the_public_form_asks_no_ground_under_the_ccpa(settings):
    """CCPA §1798.105, §1798.120-.121: asking for grounds would burden the consumer."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.CCPA
    form = PublicRequestForm(language="en")
    assert not [name for name in form.fields if name.startswith("grounds")]


def test_the_public_form_files_the_gdpr_art_17_1_grounds_chosen(settings):
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    form = _public(
        kind="deletion",
        delivery_method=None,
        everything="on",
        grounds_deletion=["gdpr_17_1_d"],
        # A ground ticked for another kind than the one asked is not part of this one.
        grounds_stop_use=["gdpr_21_2"],
    )
    assert form.is_valid(), form.errors
    assert form.scope() == ([], {"everything": True, "grounds": ["gdpr_17_1_d"]})


def test_the_public_form_refuses_an_appi_art_35_ground_under_the_gdpr(settings):
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    form = _public(
        kind="deletion", delivery_method=None, everything="on", grounds_deletion=["appi_leak"]
    )
    assert not form.is_valid()
    (error,) = form.errors["grounds_deletion"]
    assert "is not one of the grounds of GDPR (EU)" in error


def test_staff_entry_files_the_gdpr_art_18_1_ground_of_a_letter(officer_client, customer):
    response = officer_client.post(
        ENTER,
        entry(
            customer,
            kind="stop_use",
            regime="gdpr",
            delivery_method="",
            purposes=["marketing"],
            grounds_stop_use=["gdpr_18_1_a", "gdpr_21_2"],
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    (filed,) = RightsRequest.objects.all()
    assert filed.scope["grounds"] == ["gdpr_18_1_a", "gdpr_21_2"]


@pytest.mark.parametrize(
    ("regime", "ground", "law"),
    [("appi", "gdpr_17_1_a", "APPI (Japan)"), ("ccpa", "appi_leak", "CCPA / CPRA (California)")],
)
def test_staff_entry_refuses_a_ground_of_another_law_appi_art_35_ccpa_1798_105(
    officer_client, customer, regime, ground, law
):
    response = officer_client.post(
        ENTER,
        entry(
            customer,
            kind="deletion",
            regime=regime,
            delivery_method="",
            everything="on",
            grounds_deletion=[ground],
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["grounds_deletion"]
    assert any(f"is not one of the grounds of {law}" in error for error in errors)
    assert not RightsRequest.objects.exists()


def test_the_public_forms_grounds_read_in_japanese(settings):
    """APPI art. 35: the grounds, and the kind they belong to, in the person's language."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    with translation.override("ja"):
        form = PublicRequestForm(language="ja")
        assert (
            str(form.fields["grounds_stop_provision"].label)
            == "該当する事由（第三者提供の停止・任意）"
        )
        assert "個人情報保護法" in _labels(form, "grounds_deletion")
