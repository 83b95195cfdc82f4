"""The working page's fee section says where the fee stands when it offers nothing:
an officer opening a new disclosure saw the heading "Fee" over an empty box."""

import re

import pytest

from rights import fees, workflow
from rights.choices import Status
from tests.rights.fee_support import in_review, publish

pytestmark = pytest.mark.django_db


def _fee_section(officer_client, request) -> str:
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert page.status_code == 200
    section = re.search(r'id="rr-fee">(.*?)</fieldset>', page.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", section.group(1)).split())


def test_appi_art_38_a_new_disclosure_says_the_fee_is_asked_in_review(
    officer_client, customer, file_request
):
    publish()
    request = file_request(customer)

    section = _fee_section(officer_client, request)

    assert section == (
        "Fee No fee has been asked yet: where one may be charged, it is asked while the "
        "request is in review."
    )


def test_appi_art_38_a_disclosure_closed_without_a_fee_says_none_was_asked(
    officer, officer_client, customer, file_request
):
    publish()
    request = in_review(file_request, customer, officer)
    workflow.transition(
        request, to=Status.REJECTED, actor=officer, reason="Not ours", ground="other"
    )

    assert _fee_section(officer_client, request) == "Fee No fee was asked for this request."


def test_a_disclosure_in_review_still_offers_the_fee(
    officer, officer_client, customer, file_request
):
    publish()
    request = in_review(file_request, customer, officer)

    section = _fee_section(officer_client, request)

    assert "Confirm the fee and ask for payment" in section
    assert "No fee" not in section


def test_appi_art_38_a_move_held_back_by_the_fee_says_why_in_japanese_punctuation(
    officer, officer_client, customer, file_request
):
    """「対応中：手数料がまだ支払われていません。…」, not 「対応中: …」."""
    publish()
    request = in_review(file_request, customer, officer)
    fees.fee_request(request=request, actor=officer)
    officer_client.cookies["django_language"] = "ja"
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    held = re.search(r'<ul class="rr-held-back">(.*?)</ul>', page.content.decode(), re.S).group(1)

    assert "<strong>対応中</strong>：手数料がまだ支払われていません。" in held
    assert "</strong>: " not in held
