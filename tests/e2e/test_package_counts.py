"""The downloaded package states one record count in README.txt and report.html
(issue 20, item 10)."""

import io
import re
import zipfile

import pytest
from django.core.files.storage import FileSystemStorage

from portal.kernel.staff import staff_create
from rights.disclosure.models import DisclosurePackage
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import customer_stepped_up
from tests.factories import PASSWORD
from tests.rights.disclosure_support import customer_with_data, disclosure_in_progress

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def package_storage(tmp_path, monkeypatch):
    """Packages go to a directory of this test."""
    field = DisclosurePackage._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path / "private")))


def completed_disclosure(page, live_server, language: str):
    """A customer with data whose disclosure was built (in-process) and who is logged in,
    on the request's page."""
    customer = customer_with_data(language=language)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    request = disclosure_in_progress(customer, officer)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    customer_stepped_up(page, customer.email)
    page.goto(f"/requests/{request.pk}/")
    return customer, request


def download_zip(page) -> dict[str, bytes]:
    page.locator("a.download-link").click()
    page.wait_for_url(re.compile(r".*/downloads/[A-Za-z0-9_-]{43}/$"))
    with page.expect_download() as info:
        page.locator("button[name=download]").click()
    with open(info.value.path(), "rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as z:
        return {name: z.read(name) for name in z.namelist()}


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
