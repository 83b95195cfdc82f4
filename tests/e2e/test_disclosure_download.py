"""A paid disclosure is built by a real Celery worker on Redis and downloaded in the
browser (issue 7, acceptance 5; APPI Art. 33(1), Art. 38)."""

import io
import re
import zipfile

import pytest
from django.conf import settings
from django.core import mail

from portal.kernel.staff import staff_create
from rights.choices import Status
from rights.disclosure.models import DisclosureDelivery, DisclosurePackage
from rights.models import RightsRequest
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import customer_files_disclosure
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD
from tests.rights.disclosure_support import customer_with_data
from tests.rights.fee_support import publish
from tests.worker_support import wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker"),
]


@pytest.fixture(params=["filesystem", "s3"])
def private_bucket(request):
    """Where the private files go: the folder (None), or an S3 bucket (``S3``), as
    ``PRIVATE_STORAGE_URL`` sets it up: the worker writes the package to it and the
    web process reads it from there (issue 21, acceptance 3)."""
    if request.param == "filesystem":
        return None
    request.getfixturevalue("s3_private")
    return request.getfixturevalue("s3_server")


@pytest.mark.usefixtures("worker")
def test_paid_disclosure_built_by_the_worker_and_downloaded_once(
    browser, live_server, screenshot, page, private_bucket
):
    publish(amount=1000)
    customer = customer_with_data(language="ja")
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)

    customer_files_disclosure(page, customer.email)
    request = RightsRequest.objects.get(subject=customer)

    # Staff review, ask the fee and record the bank transfer: the request goes in
    # progress and the build task travels through Redis to the worker.
    staff_context, staff = staff_page(browser, live_server, officer, "en")
    staff.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    with staff.expect_navigation():
        staff.locator("button[name=to][value=in_review]").click()
    with staff.expect_navigation():
        staff.locator("button[name=confirm_fee]").click()
    payment = request.payments.get()
    staff.select_option(f"#id_paid_method_{payment.pk}", "bank_transfer")
    with staff.expect_navigation():
        staff.locator("button[name=record_payment]").click()
    with staff.expect_navigation():  # what it starts, confirmed
        staff.get_by_role("button", name="Record the payment").click()

    def completed():
        request.refresh_from_db()
        return request.status == Status.COMPLETED

    assert wait_for(completed, timeout=60), (
        f"the worker did not complete the request: {request.status}"
    )
    package = DisclosurePackage.objects.get(request=request)
    assert DisclosureDelivery.objects.get(request=request).state == "ready"
    assert wait_for(lambda: any("/downloads/" in m.body for m in mail.outbox), timeout=60)
    stored = package.file.open("rb").read()
    package.file.close()
    assert customer.email.encode() not in stored and b"PK\x03\x04" not in stored
    if private_bucket is not None:  # the worker wrote it to the bucket, encrypted
        assert f"portal/{package.file.name}" in private_bucket.object_keys()

    staff.reload()
    assert staff.locator(".rr-delivery-ready").count() == 1
    assert package.digest in staff.locator("#rr-delivery").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    staff.screenshot(path=str(ARTIFACTS / "disclosure-admin-delivery.png"), full_page=True)
    staff_context.close()

    # The customer sees the answer on the request page and downloads the zip.
    page.goto(f"/requests/{request.pk}/")
    assert page.locator(".status-completed").count() == 1
    screenshot("request-completed")
    page.locator("a.download-link").click()
    page.wait_for_url(re.compile(r".*/downloads/[A-Za-z0-9_-]{43}/$"))
    assert page.locator(".downloads-left").inner_text().startswith("1")
    screenshot("download-page")
    with page.expect_download() as info:
        page.locator("button[name=download]").click()
    download = info.value
    assert download.suggested_filename == f"{request.reference}-disclosure.zip"
    with open(download.path(), "rb") as handle:
        data = handle.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert customer.email.encode() in everything
    assert customer.profile.full_name.encode() in everything

    # The single-use link now says so plainly, and how to ask again.
    page.reload()
    assert page.locator(".download-used").count() == 1
    assert page.locator("a[href='/requests/new/disclosure/']").count() >= 1
    screenshot("download-used")
    package.refresh_from_db()
    assert package.download_count == 1
