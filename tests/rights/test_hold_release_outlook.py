"""The confirmation page of a legal hold's release says what the release will actually
do (GDPR art. 17(3)(e): data a hold kept is erased once the hold ends): which deferred
erasures then run, counted per request and per kind of data, or that nothing waits.
It warns that erased data cannot be restored only where something will be erased."""

import html
import re

import pytest
import time_machine
from django.utils import translation

from portal.kernel import zones
from rights import workflow
from rights.choices import Status
from rights.models import LegalHold
from rights.retention.release_admin import released_message
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


def _hold_over_a_closed_account_with_an_answer_due(officer, capture) -> LegalHold:
    """A hold over a customer whose deletion closed the account while a disclosure of
    theirs is still open: usage history waits for the hold, the address for the answer."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=2)
        hold = litigation_hold(officer, customer)
        file_disclosure(customer)
        request = file_deletion(customer, scope={"everything": True})
        with capture(execute=True):
            approve(request, officer)
    return hold


def test_an_address_kept_for_an_open_requests_answer_is_not_said_to_go_at_the_next_run(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """A deletion closes the account, but the address stays while another of the
    person's requests is open (its answer goes there). Releasing the hold that also
    kept the address does not erase it at the next run: the page must not say so."""
    hold = _hold_over_a_closed_account_with_an_answer_due(
        officer, django_capture_on_commit_callbacks
    )
    page = html.unescape(_release_page(officer_client, hold))
    erased = page[page.index("erases:") : page.index("per request:")]
    assert "Usage history" in erased
    assert "Login account" not in erased, erased
    assert "Kept until the answers to the customer's other open requests are sent" in page
    page = _release_page(officer_client, hold, "ja")
    assert "お客様のほかの対応中の請求への回答を送るまで保存し、その後に消去するもの：" in page


def _released_message(client, hold) -> str:
    """The message on the hold's page after its confirmed release."""
    response = client.post(
        f"/admin/rights/legalhold/{hold.pk}/release/",
        {"reason": "Settled", "confirm": "1"},
        follow=True,
    )
    page = response.content.decode()
    start = page.index('<ul class="messagelist">')
    return html.unescape(page[start : page.index("</ul>\n", start)])


def test_the_message_after_the_release_says_each_part_on_its_own(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """What was released, what the next run erases and what is kept (and why) read as
    a heading each with its list, not as one paragraph a privacy officer has to parse."""
    hold = _hold_over_a_closed_account_with_an_answer_due(
        officer, django_capture_on_commit_callbacks
    )
    message = _released_message(officer_client, hold)
    assert f"<p><strong>{hold} is released.</strong></p>" in message
    erased = re.search(
        r"<p>The next run of deferred erasures, at [^<]+, erases:</p>\s*<ul>(.*?)</ul>",
        message,
        re.S,
    )
    assert erased and "Usage history" in erased.group(1) and "<li>" in erased.group(1)
    kept = re.search(
        r"<p>Kept until the answers to the customer's other open requests are sent, then "
        r"erased:</p>\s*<ul>(.*?)</ul>",
        message,
        re.S,
    )
    assert kept and "Login account" in kept.group(1)
    with translation.override("ja"):
        message = html.unescape(released_message(hold))
    assert f"<p><strong>{hold}を解除しました。</strong></p>" in message
    assert (
        "<p>お客様のほかの対応中の請求への回答を送るまで保存し、その後に消去するもの：</p>"
        in message
    )


@pytest.mark.usefixtures("private_storage")
def test_an_address_kept_for_a_download_says_so_and_until_when(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """The disclosure is answered and nothing else is open: the address stays only while
    its package can be downloaded through the follow link (a code is mailed there), so
    the page must not speak of open requests, and says when the link expires."""
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=2)
        hold = litigation_hold(officer, customer)
        disclosure = file_disclosure(customer)
        deletion = file_deletion(customer, scope={"everything": True})
        with capture(execute=True):
            approve(deletion, officer)
        with capture(execute=True):
            workflow.transition(disclosure, to=Status.IN_REVIEW, actor=officer)
            workflow.transition(disclosure, to=Status.IN_PROGRESS, actor=officer)
        disclosure.refresh_from_db()
        assert disclosure.status == Status.COMPLETED
        with translation.override("en"):
            expires = zones.written(disclosure.disclosure_package.expires_at, "DATE_FORMAT")
        page = html.unescape(_release_page(officer_client, hold))
        japanese = _release_page(officer_client, hold, "ja")
    assert "other open requests" not in page
    kept = page[page.index("can still be downloaded") :]
    assert "Login account" in kept
    assert f"its link expires on {expires}" in kept
    assert "ダウンロードできる間は保存し、その後に消去するもの：" in japanese
    assert "ほかの対応中の請求" not in japanese
