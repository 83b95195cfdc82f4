"""Stopping a use the customer consented to needs no reason, under the APPI too.

A use that rests on the customer's consent (an optional purpose, offered on the
consent page) may be switched off at any time without a reason: the privacy
policy promises it, and GDPR art. 21(2)-(3) lets a person object to direct
marketing without grounds. The same holds for provision to a recipient that
receives data only with the customer's consent (an affiliate or a third party,
APPI art. 27(1)). Any other use or provision is stopped on the grounds of APPI
art. 35, which the customer states; "every use" includes those.
"""

import re

import pytest

from rights.choices import Kind
from rights.forms import StopProvisionForm, StopUseForm
from tests.consent_support import recipients

pytestmark = pytest.mark.django_db

APPI_REASON = "Tell us why you want us to stop using your data."
APPI_PROVISION_REASON = "Tell us why you want us to stop providing your data to third parties."


@pytest.fixture(autouse=True)
def _appi(settings):
    settings.RIGHTS_DEFAULT_REGIME = "appi"
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize("purposes", [["marketing"], ["statistics"], ["marketing", "statistics"]])
def test_stopping_only_uses_resting_on_consent_needs_no_reason(customer, purposes):
    """GDPR art. 21(3): an objection to direct marketing needs no grounds."""
    form = StopUseForm({"purposes": purposes}, subject=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["details"] == ""


@pytest.mark.parametrize(
    "data",
    [
        {"purposes": ["billing"]},
        {"purposes": ["marketing", "billing"]},
        {"everything": "on"},
    ],
)
def test_a_use_not_resting_on_consent_still_needs_the_reason(customer, data):
    """APPI art. 35(1), (5): the other uses are stopped on grounds the person states."""
    form = StopUseForm(data, subject=customer)
    assert not form.is_valid()
    assert form.errors["details"] == [APPI_REASON]


def test_a_reason_given_for_a_use_resting_on_consent_is_kept(customer):
    form = StopUseForm({"purposes": ["marketing"], "details": "Too many mails."}, subject=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["details"] == "Too many mails."


def test_stopping_provision_made_only_with_consent_needs_no_reason(customer):
    """APPI art. 27(1): an affiliate receives data only with the customer's consent,
    which the customer may withdraw without a reason (GDPR art. 21(3) for marketing)."""
    affiliate = recipients()["affiliate"]
    form = StopProvisionForm({"recipients": [str(affiliate.pk)]}, subject=customer)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    "data",
    [
        lambda r: {"recipients": [str(r["delivery"].pk)]},
        lambda r: {"recipients": [str(r["affiliate"].pk), str(r["delivery"].pk)]},
        lambda r: {"recipients": [str(r["police"].pk)]},
        lambda r: {"everything": "on"},
    ],
)
def test_provision_not_resting_on_consent_still_needs_the_reason(customer, data):
    """APPI art. 35(3), (5): a subcontractor or an authority is stopped on stated grounds."""
    form = StopProvisionForm(data(recipients()), subject=customer)
    assert not form.is_valid()
    assert form.errors["details"] == [APPI_PROVISION_REASON]


def _label(page: str, name: str) -> str:
    field_id = re.search(rf'name="{name}"[^>]*id="([^"]+)"', page).group(1)
    return re.search(rf'<label for="{field_id}">(.*?)</label>', page, re.S).group(1)


@pytest.mark.parametrize(
    ("kind", "mark", "switchable"),
    [
        (
            Kind.STOP_USE,
            "必須（上の事由を選ぶ場合、または「同意」ページで停止できる利用だけを選ぶ場合は不要）",
            "マーケティング",
        ),
        (
            Kind.STOP_PROVISION,
            "必須（上の事由を選ぶ場合、またはお客様の同意に基づく提供だけを選ぶ場合は不要）",
            "サンプルグループ販売株式会社",
        ),
    ],
)
def test_the_form_marks_the_reason_truthfully_and_links_the_consent_page(
    stepped_up_client, settings, kind, mark, switchable
):
    """The reason is not marked plainly 「必須」 while it may be left out, and the
    uses the customer can switch off themselves are named beside a link to the
    consent page (APPI art. 35 for the others)."""
    settings.LANGUAGE_CODE = "ja"
    recipients()
    page = stepped_up_client.get(f"/requests/new/{kind}/").content.decode()
    label = _label(page, "details")
    assert f'<span class="required">{mark}</span>' in label
    assert '<span class="required">必須</span>' not in label
    target = "purposes" if kind == Kind.STOP_USE else "recipients"
    helptext = re.search(rf'id="id_{target}_helptext">(.*?)</div>', page, re.S).group(1)
    assert 'href="/consent/"' in helptext
    assert switchable in helptext


def test_the_marked_reason_is_in_english_for_an_english_reader(stepped_up_client):
    page = stepped_up_client.get(
        "/requests/new/stop_use/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert (
        "required unless you choose a ground above or stop only uses you can switch off on "
        "the consent page"
    ) in _label(page, "details")


def test_a_stop_of_marketing_without_a_reason_is_filed(stepped_up_client, customer):
    """The whole way: the review page files it and the request page opens."""
    from rights.models import RightsRequest

    url = "/requests/new/stop_use/"
    review = stepped_up_client.post(url, {"purposes": ["marketing"], "step": "review"})
    assert review.status_code == 200 and "File this request" in review.content.decode()
    filed = stepped_up_client.post(url, {"purposes": ["marketing"], "step": "file"})
    assert filed.status_code == 302, filed.content.decode()[:400]
    request = RightsRequest.objects.get(subject=customer, kind=Kind.STOP_USE)
    assert request.scope == {"purposes": ["marketing"]} and request.details == ""


def test_a_stop_of_billing_without_a_reason_is_refused_with_the_message(stepped_up_client):
    page = stepped_up_client.post(
        "/requests/new/stop_use/", {"purposes": ["billing"], "step": "review"}
    ).content.decode()
    assert APPI_REASON in page


def _details_row(page: str) -> str:
    """The text of the working page's "details" row."""
    row = re.search(r'<div class="form-row field-details[^"]*">(.*?)</div>\s*</div>', page, re.S)
    assert row, "no details row on the working page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()


def test_the_working_page_says_no_reason_was_needed_for_a_stop_of_marketing(
    officer_client, customer, file_request
):
    """Staff read that the person gave none and why none is owed (GDPR art. 21(3) on a
    GDPR request), not an empty row that looks like a fault."""
    request = file_request(
        customer, kind=Kind.STOP_USE, regime="gdpr", scope={"purposes": ["marketing"]}
    )
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    row = _details_row(page.content.decode())
    assert "None given" in row and "needs no reason" in row and "GDPR art. 21(3)" in row


def test_the_working_page_says_no_reason_was_given_for_another_stop(
    officer_client, customer, file_request
):
    request = file_request(customer, kind=Kind.STOP_USE, scope={"purposes": ["billing"]})
    row = _details_row(
        officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    )
    assert row.endswith("None given.") and "needs no reason" not in row


def test_the_working_page_shows_the_reason_given(officer_client, customer, file_request):
    request = file_request(
        customer, kind=Kind.STOP_USE, scope={"purposes": ["marketing"]}, details="Too <many> mails."
    )
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    assert "Too &lt;many&gt; mails." in page and "None given" not in page
