"""A date of birth is typed, and what was typed is what the server reads.

In a date picker a partly typed or impossible date reached the server as an
empty value, which read as "no date of birth": the account page said
「お客様情報を保存しました」 and the stored date was gone; keys typed into it
landed in the wrong part (1988/02/30 became 80230-12-08). The field is now a
text field: the server reads what was written and says what is wrong.
"""

import datetime as dt

import pytest

from portal.kernel.models import Profile
from tests.e2e.customer_support import customer_at, page_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

BORN = dt.date(1988, 4, 12)


def _save_details(page) -> str:
    with page.expect_navigation():
        page.locator("button[name=save_profile]").click()
    return page.locator("main").inner_text()


@pytest.mark.parametrize("typed", ["1988", "1988/02/30", "昭和63年4月12日"])
def test_a_wrong_date_of_birth_is_refused_and_changes_nothing(browser, live_server, typed):
    customer = ProfileFactory(date_of_birth=BORN, user__language="ja").user
    page = page_in(browser, live_server, "ja", {"width": 375, "height": 812})
    customer_at(page, customer.email, "/account/")
    field = page.locator("input[name=date_of_birth]")
    assert field.input_value() == "1988-04-12"
    assert field.get_attribute("autocomplete") == "bday"
    field.fill("")
    field.press_sequentially(typed)
    assert field.input_value() == typed
    main = _save_details(page)
    assert "保存しました" not in main
    assert "日付は年-月-日の形で入力してください" in main
    assert page.locator("input[name=date_of_birth]").input_value() == typed
    assert Profile.objects.get(user=customer).date_of_birth == BORN
    page.context.close()


def test_a_date_of_birth_typed_the_japanese_way_is_read(browser, live_server):
    customer = ProfileFactory(date_of_birth=BORN, user__language="ja").user
    page = page_in(browser, live_server, "ja", {"width": 1280, "height": 800})
    customer_at(page, customer.email, "/account/")
    page.locator("input[name=date_of_birth]").fill("１９８８年４月１３日")
    assert "保存しました" in _save_details(page)
    assert Profile.objects.get(user=customer).date_of_birth == dt.date(1988, 4, 13)
    page.locator("input[name=date_of_birth]").fill("")
    assert "保存しました" in _save_details(page)
    assert Profile.objects.get(user=customer).date_of_birth is None
    page.context.close()
