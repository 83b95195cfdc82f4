"""The grounds a stop or deletion form offers are those of the law it is filed under.

APPI art. 35(1), (3), (5): a stop of use, a stop of provision or a deletion rests
on grounds the person states (use beyond the purpose, improper acquisition, no
longer needed, a leak...). GDPR art. 17(1)(a)-(f): the grounds of erasure;
art. 18(1)(a)-(d) restriction; art. 21(1)/(2) objection. CCPA §1798.105 and
§1798.120: a deletion or an opt-out needs no grounds at all, and asking for one
burdens the consumer (§7004). A ground offered only by another law is refused
on a direct post, with a message naming the law, and nothing is filed.
"""

import re

import pytest

from rights.choices import Kind, Regime
from rights.forms import DeletionForm, StopProvisionForm, StopUseForm
from rights.models import RightsRequest
from rights.summary import summary_of
from tests.consent_support import recipients

pytestmark = pytest.mark.django_db


def _offered(form) -> set[str]:
    return {code for code, _label in form.fields["grounds"].choices}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_gdpr_deletion_form_offers_the_grounds_of_art_17_1(customer, settings):
    """GDPR art. 17(1)(a)-(f), and none of APPI art. 35."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    form = DeletionForm(subject=customer)
    labels = " ".join(str(label) for _code, label in form.fields["grounds"].choices)
    for point in "abcdef":
        assert f"GDPR art. 17(1)({point})" in labels
    assert "APPI" not in labels


def test_gdpr_stop_use_offers_restriction_art_18_1_and_objection_art_21(customer, settings):
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    labels = " ".join(
        str(label) for _code, label in StopUseForm(subject=customer).fields["grounds"].choices
    )
    for point in "abcd":
        assert f"GDPR art. 18(1)({point})" in labels
    assert "GDPR art. 21(1)" in labels and "GDPR art. 21(2)" in labels
    assert "APPI" not in labels


def test_appi_forms_offer_the_grounds_of_art_35(customer, settings):
    """APPI art. 35(1) and (5) for a stop of use or a deletion, 35(3) and (5) for a
    stop of provision; no article of another law."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    for form in (StopUseForm(subject=customer), DeletionForm(subject=customer)):
        labels = " ".join(str(label) for _code, label in form.fields["grounds"].choices)
        assert "APPI art. 35(1)" in labels and "APPI art. 35(5)" in labels
        assert "GDPR" not in labels
    provision = " ".join(
        str(label) for _c, label in StopProvisionForm(subject=customer).fields["grounds"].choices
    )
    assert "APPI art. 35(3)" in provision and "APPI art. 35(1)" not in provision


@pytest.mark.parametrize("form_class", [DeletionForm, StopUseForm, StopProvisionForm])
def test_ccpa_forms_ask_no_ground(customer, settings, form_class):
    """CCPA §1798.105, §1798.120, §1798.121: no grounds to give."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.CCPA
    assert "grounds" not in form_class(subject=customer).fields


def test_an_appi_ground_is_refused_under_the_gdpr(customer, settings):
    """GDPR art. 17(1): APPI art. 35's "leak" ground is not offered, and a post of it
    says which law the request is filed under."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    form = DeletionForm({"everything": "on", "grounds": ["appi_leak"]}, subject=customer)
    assert not form.is_valid()
    message = " ".join(form.errors["grounds"])
    assert "GDPR" in message and "appi_leak" not in _offered(form)


def test_an_appi_ground_is_refused_on_a_direct_post_and_nothing_is_filed(
    stepped_up_client, customer, settings
):
    """GDPR art. 17(1): a direct post of an APPI art. 35 ground files nothing."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    page = stepped_up_client.post(
        "/requests/new/deletion/",
        {"everything": "on", "grounds": ["appi_no_longer_needed"], "step": "file"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "not one of the grounds" in text and "GDPR (EU)" in text
    assert not RightsRequest.objects.filter(subject=customer).exists()


def test_a_gdpr_deletion_is_filed_with_its_art_17_1_ground(stepped_up_client, customer, settings):
    """GDPR art. 17(1)(a): the ground chosen is stored and the request's page names it."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    data = {"everything": "on", "grounds": ["gdpr_17_1_a"]}
    review = stepped_up_client.post("/requests/new/deletion/", {**data, "step": "review"})
    page = review.content.decode()
    assert "On these grounds: No longer needed" in page and "GDPR art. 17(1)(a)" in page
    assert re.search(r'<input type="hidden" name="grounds" value="gdpr_17_1_a"', page)
    filed = stepped_up_client.post("/requests/new/deletion/", {**data, "step": "file"})
    assert filed.status_code == 302, filed.content.decode()[:400]
    request = RightsRequest.objects.get(subject=customer)
    assert request.regime == Regime.GDPR and request.scope["grounds"] == ["gdpr_17_1_a"]
    assert any("GDPR art. 17(1)(a)" in line for line in summary_of(request).what)


def test_a_ccpa_deletion_is_filed_without_any_ground(stepped_up_client, customer, settings):
    """CCPA §1798.105: a deletion needs no grounds; a ground posted anyway is ignored."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.CCPA
    page = stepped_up_client.get("/requests/new/deletion/").content.decode()
    assert 'name="grounds"' not in page and "APPI" not in page
    filed = stepped_up_client.post(
        "/requests/new/deletion/", {"everything": "on", "grounds": ["appi_leak"], "step": "file"}
    )
    assert filed.status_code == 302, filed.content.decode()[:400]
    request = RightsRequest.objects.get(subject=customer)
    assert "grounds" not in request.scope and request.regime == Regime.CCPA


def test_an_appi_ground_stands_for_the_reason_art_35(customer, settings):
    """APPI art. 35(1): a stop of a use not resting on consent needs its grounds,
    which a ground chosen from the list states."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    form = StopUseForm(
        {"purposes": ["billing"], "grounds": ["appi_beyond_purpose"]}, subject=customer
    )
    assert form.is_valid(), form.errors
    assert form.scope() == {"purposes": ["billing"], "grounds": ["appi_beyond_purpose"]}


def test_a_ground_does_not_make_a_request_a_new_one(customer, settings, file_request):
    """The same stop asked again with another ground is still a duplicate."""
    from rights.services import open_duplicates

    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    delivery = recipients()["delivery"]
    file_request(
        customer,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [delivery.pk], "grounds": ["appi_leak"]},
    )
    again = {"recipients": [delivery.pk], "grounds": ["appi_no_longer_needed"]}
    assert open_duplicates(subject=customer, kind=Kind.STOP_PROVISION, scope=again)


def _what_row(page: str) -> str:
    row = re.search(
        r'<div class="form-row field-scope_display[^"]*">(.*?)</div>\s*</div>', page, re.S
    )
    assert row, "no scope row on the working page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()


def test_staff_read_the_stored_ground_after_the_regime_changed(
    officer_client, customer, file_request
):
    """GDPR art. 17(1)(d): a ground stored under one law still reads in its own words
    when staff later file the request under another."""
    request = file_request(
        customer,
        kind=Kind.DELETION,
        regime=Regime.APPI,
        scope={"everything": True, "grounds": ["gdpr_17_1_d", "retired_code"]},
    )
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    row = _what_row(page.content.decode())
    assert "GDPR art. 17(1)(d)" in row and "retired_code" in row


def test_the_gdpr_grounds_and_the_refusal_read_in_japanese_art_17_1(
    stepped_up_client, customer, settings
):
    """GDPR art. 17(1)(a): the grounds and the refusal of another law's ground are in
    the customer's language."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    stepped_up_client.cookies["django_language"] = "ja"
    form = stepped_up_client.get("/requests/new/deletion/").content.decode()
    assert "収集又は処理の目的に照らして必要がなくなった（GDPR第17条第1項(a)）" in form
    refused = stepped_up_client.post(
        "/requests/new/deletion/", {"everything": "on", "grounds": ["appi_leak"], "step": "file"}
    ).content.decode()
    assert "このご請求に適用される" in refused and "個人情報保護法第35条第5項" in refused
    assert not RightsRequest.objects.filter(subject=customer).exists()


def test_an_appi_ground_stands_for_the_reason_with_no_consent_target_art_35(
    stepped_up_client, customer, settings
):
    """APPI art. 35(3): with no recipient resting on consent, a ground chosen still
    states the reason, and the reason's mark says so rather than a plain "required"."""
    from consent.models import Recipient

    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    delivery = recipients()["delivery"]
    Recipient.objects.exclude(pk=delivery.pk).update(is_active=False)
    form = StopProvisionForm(
        {"recipients": [str(delivery.pk)], "grounds": ["appi_provided_unlawfully"]},
        subject=customer,
    )
    assert form.is_valid(), form.errors
    page = stepped_up_client.get(
        "/requests/new/stop_provision/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "required unless you choose a ground above" in page
    refused = StopProvisionForm({"recipients": [str(delivery.pk)]}, subject=customer)
    assert not refused.is_valid() and "details" in refused.errors


def test_a_deletion_of_some_services_reads_its_grounds_alone(
    officer_client, customer, file_request
):
    """GDPR art. 17(1)(a): a deletion that names neither everything nor a purpose shows
    staff its grounds, not an empty mark before them."""
    request = file_request(
        customer, kind=Kind.DELETION, regime=Regime.GDPR, scope={"grounds": ["gdpr_17_1_a"]}
    )
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    row = _what_row(page.content.decode())
    assert row.endswith(
        "On these grounds: No longer needed for the purposes it was "
        "collected or processed for (GDPR art. 17(1)(a))."
    )
    assert "—" not in row
