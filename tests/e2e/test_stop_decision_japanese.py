"""The stop-use decision in the Japanese admin (issue 20, item 14): the option reads
"停止する", and marketing is "not in use" once the customer withdrew consent.
APPI art. 35; GDPR art. 7(3) (a withdrawal stops the use at once)."""

import pytest

from consent import services as consent
from consent.models import ConsentRecord
from portal.kernel.staff import staff_create
from tests.consent_support import purpose
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory
from tests.rights.stop_support import marketing_stop_in_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_stop_option_and_now_column_after_a_withdrawal(browser, live_server):
    customer = ProfileFactory(user__language="ja").user
    marketing = purpose("marketing")
    consent.consent_update(
        subject=customer, choices={marketing: True}, method=ConsentRecord.Method.DASHBOARD
    )
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    request = marketing_stop_in_review(customer, officer, "広告メールを止めてください。")
    consent.consent_update(
        subject=customer, choices={marketing: False}, method=ConsentRecord.Method.DASHBOARD
    )

    context, staff = staff_page(browser, live_server, officer, "ja")
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    section = staff.locator("#rr-stop")
    now = section.locator("td.rr-stop-now").inner_text()
    assert now.startswith("利用していません：") and "同意が撤回されました" in now
    option = section.locator("select[name='decision:purpose:marketing'] option[value=stop]")
    assert option.inner_text() == "停止する"
    ARTIFACTS.mkdir(exist_ok=True)
    section.screenshot(path=str(ARTIFACTS / "stop-decision-ja-after-withdrawal.png"))
    context.close()
