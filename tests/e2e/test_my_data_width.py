""" "My data" on a laptop: the tables of records fit their box, so a customer reads an
inquiry beside its reply and both dates without scrolling sideways. A table short of
room wraps before it scrolls: long text anywhere, a date and its time between the
two, headers and short values between words or (in Japanese) phrases."""

import pytest
from django.utils import timezone

from consent.models import ConsentRecord
from consent.services import Evidence, consent_update
from tests.consent_support import purpose
from tests.e2e.customer_support import customer_at, page_in
from tests.e2e.staff_support import staff_page
from tests.factories import InquiryFactory, ProfileFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)

USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

TABLES = """[...document.querySelectorAll('.pd-table')].map(table => {
  const box = table.closest('.table-scroll');
  return {
    caption: table.caption.innerText,
    width: box.scrollWidth,
    box: box.clientWidth,
    columns: [...table.querySelectorAll('th')].map(
      th => th.innerText + ' ' + Math.round(th.getBoundingClientRect().width)).join(', '),
    // A date, or a time, is never itself split over two lines.
    split_dates: [...table.querySelectorAll('td.pd-when span')].filter(
      span => span.getClientRects().length > 1).length,
    dates: table.querySelectorAll('td.pd-when').length,
  };
})"""


def customer_with_an_inquiry(language: str):
    customer = ProfileFactory(user__language=language).user
    registration = RegistrationFactory(user=customer)
    # The demo's inquiry: a form's channel, a subject, a message and a reply that wrap.
    InquiryFactory(
        user=customer,
        service=registration.service,
        channel="web",
        subject="二重に請求されています",
        message="今月の請求が2回計上されているようです。確認をお願いします。",
        reply="ご迷惑をおかけしました。重複分は次回の請求で返金いたします。",
        replied_at=timezone.now(),
    )
    # A consent record holds the address and the browser's full name, as real ones do.
    consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
        evidence=Evidence(ip_address="2001:db8::1", user_agent=USER_AGENT, language=language),
    )
    return customer


def assert_tables_fit(page, language: str, *, evidence_may_scroll: bool) -> None:
    tables = page.evaluate(TABLES)
    captions = " ".join(table["caption"] for table in tables)
    for name in {"ja": ["お問い合わせ", "ご契約", "同意の記録"], "en": ["Inquiries", "Consent"]}[
        language
    ]:
        assert name in captions, captions
    for table in tables:
        assert table["split_dates"] == 0, table
        if evidence_may_scroll and "同意の記録" in table["caption"]:
            # Eight columns of evidence whose Japanese words stay whole (プライバシーポリ
            # シー, the browser's name): they scroll in their own box, which the phone
            # test keeps reachable by keyboard.
            continue
        assert table["width"] <= table["box"], table
    assert sum(table["dates"] for table in tables) >= 3  # received, replied, consent


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_tables_of_my_data_fit_a_laptop_screen(browser, live_server, language):
    customer = customer_with_an_inquiry(language)
    page = page_in(browser, live_server, language, {"width": 1280, "height": 800})
    customer_at(page, customer.email, "/my-data/")
    assert_tables_fit(page, language, evidence_may_scroll=language == "ja")
    page.context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_staff_read_the_same_tables_beside_the_navigation(browser, live_server, officer, language):
    customer = customer_with_an_inquiry(language)
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/admin/portal/user/{customer.pk}/personal-data/")
    assert page.locator("#nav-sidebar").is_visible()
    assert_tables_fit(page, language, evidence_may_scroll=language == "ja")
    context.close()
