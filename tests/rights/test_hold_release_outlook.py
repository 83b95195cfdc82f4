"""The confirmation page of a legal hold's release says what the release will actually
do (GDPR art. 17(3)(e): data a hold kept is erased once the hold ends): which deferred
erasures then run, counted per request and per kind of data, or that nothing waits.
It warns that erased data cannot be restored only where something will be erased."""

import html

import pytest
import time_machine

from rights.models import LegalHold
from tests.rights.retention_support import (
    approve,
    at,
    customer_with_records,
    file_deletion,
    file_disclosure,
    litigation_hold,
)

pytestmark = pytest.mark.django_db

FINAL = "What is erased then cannot be restored."


@pytest.fixture
def officer_client(officer_client):
    officer_client.cookies["django_language"] = "en"
    return officer_client


def _release_page(client, hold, language="en"):
    client.cookies["django_language"] = language
    return client.post(
        f"/admin/rights/legalhold/{hold.pk}/release/", {"reason": "Settled"}
    ).content.decode()


def test_a_hold_nothing_waits_for_does_not_warn_of_an_erasure(officer_client, officer, customer):
    """A hold no deletion ran into: the release erases nothing, and the page said
    「What is erased then cannot be restored.」 all the same."""
    hold = LegalHold.objects.create(
        subject=customer, reason="Audit", legal_basis="Order of the tax office", placed_by=officer
    )
    page = _release_page(officer_client, hold)
    assert "No erasure waits for this hold." in page
    assert FINAL not in page
    assert "Releasing it erases nothing." in page
    page = _release_page(officer_client, hold, "ja")
    assert "解除しても何も消去されません。" in page


def test_the_release_page_counts_the_erasures_it_runs_per_request(
    officer_client, officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=4)
        hold = litigation_hold(officer, customer, categories=["usage"])
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    page = _release_page(officer_client, hold)
    assert "Deferred erasures that then run, per request:" in page
    assert f"{request.reference}: 1 deferred erasure (Usage history)" in page
    assert FINAL in page
    page = _release_page(officer_client, hold, "ja")
    assert f"{request.reference}：保留中の消去1件（利用履歴）" in page


def test_an_address_kept_for_an_open_requests_answer_is_not_said_to_go_at_the_next_run(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """A deletion closes the account, but the address stays while another of the
    person's requests is open (its answer goes there). Releasing the hold that also
    kept the address does not erase it at the next run: the page must not say so."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=2)
        hold = litigation_hold(officer, customer)
        file_disclosure(customer)
        request = file_deletion(customer, scope={"everything": True})
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    page = html.unescape(_release_page(officer_client, hold))
    erased = page[page.index("erases:") : page.index("per request:")]
    assert "Usage history" in erased
    assert "Login account" not in erased, erased
    assert "Kept until the answers to the customer's other open requests are sent" in page
    page = _release_page(officer_client, hold, "ja")
    assert "お客様のほかの対応中の請求への回答を送るまで保存し、その後に消去するもの：" in page
