"""The report names the records a retention rule keeps in the reader's language:
「請求書、ご請求の手数料」 in Japanese, "Invoices, Fees for requests" in English."""

from __future__ import annotations

import pytest

from rights.choices import Kind, Status
from rights.disclosure.report import iter_disclosure_html
from rights.fees import fee_request
from tests.rights.disclosure_support import customer_with_data, disclosure_in_progress
from tests.rights.fee_support import in_review, publish

pytestmark = pytest.mark.django_db


def _report(language, officer, file_request) -> str:
    """The report of a customer with invoices who was asked a fee for an earlier request:
    the invoices and the fee are kept under the same tax rules."""
    customer = customer_with_data(language=language)
    publish(Kind.DISCLOSURE)
    fee_request(request=in_review(file_request, customer, officer), actor=officer)
    request = disclosure_in_progress(customer, officer)
    assert request.status == Status.IN_PROGRESS
    return "".join(iter_disclosure_html(request))


def test_the_japanese_report_lists_kept_records_with_the_ideographic_comma(officer, file_request):
    html = _report("ja", officer, file_request)
    assert "請求書、" in html or "、請求書" in html
    assert "請求書, " not in html and ", 請求書" not in html


def test_the_english_report_lists_kept_records_with_a_comma(officer, file_request):
    html = _report("en", officer, file_request)
    assert "Invoices, " in html or ", Invoices" in html
