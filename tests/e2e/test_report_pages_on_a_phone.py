"""The privacy office's report pages on a phone (390 px wide), in both languages: a
table wider than the screen scrolls inside its own box, which the keyboard reaches, and
the page itself never scrolls sideways; axe finds nothing."""

import pytest
from django.utils import timezone

from portal.kernel.staff import staff_create
from rights.services import request_submit
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _officer_on_a_phone(browser, live_server, language):
    """A privacy officer's browser at 390 px, one request received this year."""
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = ProfileFactory().user
    request_submit(
        subject=customer, requester=customer, kind="disclosure", delivery_method="electronic"
    )
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size(PHONE)
    return context, page


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_report_pages_fit_a_phone(browser, live_server, axe_check, language):
    context, page = _officer_on_a_phone(browser, live_server, language)
    year = timezone.localdate().year
    for path in ("/admin/reports/", f"/admin/reports/metrics/?start={year}-01-01"):
        page.goto(path)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} [{language}]: the page is {width[0]} px wide"
        assert page.locator(".report .table-scroll[tabindex='0']").count() >= 1, path
        assert axe_check(page, f"{path} [{language}, phone]") == []
    context.close()


#: The lines each row header of the metrics tables takes (a text's line boxes).
ROW_HEADER_LINES = """() => [...document.querySelectorAll('.report .table-scroll th[scope=row]')]
    .map(th => { const range = document.createRange(); range.selectNodeContents(th);
                 return [th.textContent.trim(), range.getClientRects().length]; })"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_metrics_tables_first_column_reads_on_a_phone(
    browser, live_server, axe_check, language
):
    """The kind of request heading each row wrapped a character a line at 390 px
    (「すべての区分」 in six lines): the table gave the column only its narrowest width."""
    context, page = _officer_on_a_phone(browser, live_server, language)
    page.goto(f"/admin/reports/metrics/?start={timezone.localdate().year}-01-01")
    headers = page.evaluate(ROW_HEADER_LINES)
    assert headers
    assert [(text, lines) for text, lines in headers if lines > 2] == []
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide"
    assert axe_check(page, f"metrics [{language}, phone]") == []
    context.close()
