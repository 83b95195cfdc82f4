"""A request's working page names the data categories asked for (APPI art. 33(1),
GDPR art. 15) by their labels in the reader's language, never by the codes the
request stores (``["transactions", "usage"]``)."""

import pytest

pytestmark = pytest.mark.django_db

BASE = "/admin/rights/rightsrequest/{}/change/"


def _page(officer_client, request, language) -> str:
    officer_client.cookies["django_language"] = language
    response = officer_client.get(BASE.format(request.pk))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "labels", "hidden"),
    [
        ("ja", ["取引・請求", "利用履歴"], "Transactions and invoices"),
        ("en", ["Transactions and invoices", "Usage history"], "取引・請求"),
    ],
)
def test_categories_are_named_in_the_readers_language(
    officer_client, customer, file_request, language, labels, hidden
):
    request = file_request(customer, categories=["usage", "transactions"])
    page = _page(officer_client, request, language)
    assert "&quot;transactions&quot;" not in page and '"usage"' not in page
    for label in labels:
        assert label in page
    assert hidden not in page


@pytest.mark.parametrize(
    ("language", "expected"), [("ja", "すべての種類のデータ"), ("en", "Every kind of data")]
)
def test_no_category_named_means_every_kind(
    officer_client, customer, file_request, language, expected
):
    request = file_request(customer)
    page = _page(officer_client, request, language)
    assert expected in page
    assert '<div class="readonly">[]</div>' not in page
