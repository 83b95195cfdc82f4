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
