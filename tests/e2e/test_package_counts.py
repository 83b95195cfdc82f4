"""The downloaded package states one record count in README.txt and report.html
(issue 20, item 10)."""

import re

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import completed_disclosure, download_zip

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("package_storage")
def test_readme_and_report_state_the_same_record_count(page, live_server, screenshot):
    completed_disclosure(page, live_server, "en")
    files = download_zip(page)
    readme = files["README.txt"].decode()
    total = re.search(r"This package holds ([\d,]+) records? about you", readme).group(1)
    page.set_content(files["report.html"].decode())
    summary = page.locator("#summary-title + p").inner_text()
    assert f"We hold {total} records about you" in summary
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "package-counts-README.txt").write_text(readme)
    screenshot("report")


def test_the_held_but_not_disclosed_table_wraps_in_the_window(page, axe_check):
    """CCPA regs §7024(d) and APPI art. 33(2)(i): the report's list of what is held but
    not disclosed is sentences; they wrap inside the window, at 1280 and 390 pixels in
    both languages, and the report passes axe."""
    from portal.kernel.models import CustomerTOTPDevice
    from tests.factories import PaymentMethodFactory
    from tests.rights.disclosure_support import customer_with_data, package_in

    customer = customer_with_data()
    CustomerTOTPDevice.objects.create(user=customer, name="app", confirmed=True)
    PaymentMethodFactory(user=customer, last4="4242")
    for language in ("en", "ja"):
        with package_in(customer, language) as package:
            report = package.read("report.html").decode()
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.set_content(report)
            table = page.locator("#held-not-disclosed table")
            right = table.evaluate("t => t.getBoundingClientRect().right")
            assert right <= width, (language, width, right)
            axe_check(page, f"report.html ({language}, {width} px)")
