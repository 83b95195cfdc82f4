"""Disclosure packages: built by a task, encrypted at rest, completed once, downloaded
once by their owner after a code check (APPI Art. 33(1)-(2), GDPR Art. 15(3))."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection

from portal.kernel.models import AuditEvent
from rights import workflow
from rights.choices import Status
from rights.disclosure import crypto
from rights.disclosure.models import DisclosureDelivery, DisclosurePackage
from rights.disclosure.services import download_claim, download_path, download_token
from rights.models import RequestNotification
from rights.tasks import build_disclosure
from tests.conftest import step_up
from tests.rights.disclosure_support import (
    customer_with_data,
    disclosure_in_progress,
    unzip,
)

pytestmark = pytest.mark.django_db

State = DisclosureDelivery.State


def _stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_entering_in_progress_builds_stores_encrypted_and_completes(
    completed, subject, private_storage
):
    """APPI Art. 33(1): the package is built, stored encrypted and the request completed;
    the bytes on disk are not readable plaintext (no zip structure, no value of the
    subject), while decrypting them gives the zip with the subject's data."""
    assert completed.status == Status.COMPLETED
    package = DisclosurePackage.objects.get(request=completed)
    delivery = DisclosureDelivery.objects.get(request=completed)
    assert delivery.state == State.READY and delivery.attempts == 1

    files = _stored_files(private_storage)
    assert [str(p) for p in files] == [package.file.path]
    stored = files[0].read_bytes()
    profile = subject.profile
    for value in (subject.email, profile.full_name, profile.phone, profile.address):
        assert value.encode() not in stored
    for marker in (b"PK\x03\x04", b"PK\x01\x02", b"report.html", b"data.json"):
        assert marker not in stored

    with package.file.open("rb") as handle:
        plain = b"".join(crypto.decrypt_chunks(handle))
    assert len(plain) == package.size
    contents = unzip(plain)
    assert any(subject.email.encode() in body for body in contents.values())
    assert any(profile.full_name.encode() in body for body in contents.values())


def test_completion_notice_carries_the_link_and_the_token_is_stored_only_hashed(completed, subject):
    package = DisclosurePackage.objects.get(request=completed)
    token = download_token(package)
    notice = completed.notifications.get(kind=RequestNotification.Kind.COMPLETED)
    assert notice.emailed_at is not None
    sent = [m for m in mail.outbox if m.to == [subject.email]][-1]
    assert f"/downloads/{token}/" in sent.body
    assert "until" in sent.body
    # Neither the package row nor the notice keeps the token itself.
    assert token not in str(notice.context)
    row = DisclosurePackage.objects.filter(pk=package.pk).values().get()
    assert all(token not in str(value) for value in row.values())


def test_owner_downloads_once_then_the_link_says_it_was_used(
    completed, subject, client, django_capture_on_commit_callbacks
):
    """The default link works once (DISCLOSURE_MAX_DOWNLOADS=1); the download is audited."""
    package = DisclosurePackage.objects.get(request=completed)
    url = download_path(package)
    step_up(client, subject, django_capture_on_commit_callbacks, "en")

    page = client.get(url)
    assert page.status_code == 200
    assert b"Download the zip file" in page.content or "zip" in page.content.decode()

    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"{completed.reference}-disclosure.zip" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert len(body) == int(response["Content-Length"]) == package.size
    assert subject.email.encode() in b"".join(unzip(body).values())
    event = AuditEvent.objects.filter(action="disclosure.downloaded").get()
    assert event.actor == subject and event.subject == subject
    assert event.details["download"] == 1

    again = client.post(url)
    assert again.status_code == 410
    text = again.content.decode()
    assert "already downloaded" in text and "/requests/new/disclosure/" in text
    assert AuditEvent.objects.filter(action="disclosure.download_refused").count() == 1
    package.refresh_from_db()
    assert package.download_count == 1
    assert client.get(url).status_code == 410
    client.cookies["django_language"] = "ja"
    japanese = client.get(url).content.decode()
    assert "ダウンロードリンクは無効になりました" in japanese and "新しく開示を請求する" in japanese


def test_expired_link_fails_and_says_how_to_ask_again(
    completed, subject, client, django_capture_on_commit_callbacks
):
    package = DisclosurePackage.objects.get(request=completed)
    url = download_path(package)
    with time_machine.travel(package.expires_at + dt.timedelta(minutes=1)):
        step_up(client, subject, django_capture_on_commit_callbacks, "en")
        response = client.post(url)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        assert "/requests/new/disclosure/" in response.content.decode()
    package.refresh_from_db()
    assert package.download_count == 0


def test_link_works_the_configured_number_of_days(
    subject, officer, client, settings, django_capture_on_commit_callbacks
):
    settings.DISCLOSURE_LINK_DAYS = 3
    settings.DISCLOSURE_MAX_DOWNLOADS = 2
    with django_capture_on_commit_callbacks(execute=True):
        request = disclosure_in_progress(subject, officer)
    package = DisclosurePackage.objects.get(request=request)
    assert package.max_downloads == 2
    assert package.expires_at - package.created_at == dt.timedelta(days=3)
    step_up(client, subject, django_capture_on_commit_callbacks, "en")
    url = download_path(package)
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 410


def test_another_customer_gets_404_for_the_token(
    completed, other_customer, client, django_capture_on_commit_callbacks
):
    package = DisclosurePackage.objects.get(request=completed)
    step_up(client, other_customer, django_capture_on_commit_callbacks, "en")
    assert client.get(download_path(package)).status_code == 404
    assert client.post(download_path(package)).status_code == 404
    assert client.get("/downloads/" + "A" * 43 + "/").status_code == 404
    package.refresh_from_db()
    assert package.download_count == 0


def test_download_needs_login_and_a_fresh_code(completed, subject, client):
    package = DisclosurePackage.objects.get(request=completed)
    url = download_path(package)
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(subject)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/code/")
    package.refresh_from_db()
    assert package.download_count == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_parallel_clicks_cannot_exceed_the_limit(officer, django_capture_on_commit_callbacks):
    """Two downloads claimed at the same moment on a single-use link: one gets the file."""
    subject = customer_with_data(language="en")
    request = disclosure_in_progress(subject, officer)  # no transaction: hooks run at once
    package = DisclosurePackage.objects.get(request=request)
    barrier = threading.Barrier(2)
    results = []

    def click():
        try:
            barrier.wait()
            results.append(download_claim(package=package, user=subject))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["", "used"]
    package.refresh_from_db()
    assert package.download_count == 1


def test_the_request_page_links_the_download_and_later_says_it_was_used(
    completed, subject, client, django_capture_on_commit_callbacks
):
    package = DisclosurePackage.objects.get(request=completed)
    step_up(client, subject, django_capture_on_commit_callbacks, "en")
    page = client.get(f"/requests/{completed.pk}/").content.decode()
    assert download_path(package) in page
    client.post(download_path(package))
    page = client.get(f"/requests/{completed.pk}/").content.decode()
    assert "You downloaded the file on" in page


def test_a_repeated_task_builds_once_and_tells_once(completed, django_capture_on_commit_callbacks):
    """Idempotent: the same task delivered again finds the package and changes nothing."""
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert build_disclosure.delay(completed.pk).get() == "built"
        assert build_disclosure.delay(completed.pk).get() == "built"
    assert DisclosurePackage.objects.filter(request=completed).count() == 1
    assert completed.notifications.filter(kind=RequestNotification.Kind.COMPLETED).count() == 1
    assert len(mail.outbox) == sent
    assert DisclosureDelivery.objects.get(request=completed).attempts == 1


def test_failing_build_retries_then_shows_staff_the_error_and_nothing_to_the_customer(
    subject,
    officer,
    officer_client,
    monkeypatch,
    private_storage,
    django_capture_on_commit_callbacks,
):
    """After the last retry the request stays in progress with the error for staff; no
    link, no notice, no file; the retry button then finishes the work."""
    import rights.disclosure.package as content

    calls = []
    real_write = content.write_package

    def broken(rights_request, fileobj):
        calls.append(1)
        fileobj.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(content, "write_package", broken)
    with django_capture_on_commit_callbacks(execute=True):
        request = disclosure_in_progress(subject, officer)
    request.refresh_from_db()
    assert len(calls) == 6  # the first try and five retries
    assert request.status == Status.IN_PROGRESS
    delivery = DisclosureDelivery.objects.get(request=request)
    assert delivery.state == State.FAILED and delivery.attempts == 6
    assert delivery.error == "OSError: disk full"
    assert not DisclosurePackage.objects.filter(request=request).exists()
    assert not request.notifications.filter(kind=RequestNotification.Kind.COMPLETED).exists()
    assert _stored_files(private_storage) == []
    assert AuditEvent.objects.filter(action="disclosure.build_failed").count() == 1
    assert AuditEvent.objects.filter(action="disclosure.build_retrying").count() == 5

    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    text = page.content.decode()
    assert "OSError: disk full" in text and "retry_build" in text
    assert 'value="completed"' not in text  # no bare "completed" button
    # The admin speaks Japanese by default: its parentheses, without a space.
    assert "作成失敗</strong>（作成の試行6回）" in text

    monkeypatch.setattr(content, "write_package", real_write)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            f"/admin/rights/rightsrequest/{request.pk}/disclosure/retry/"
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert DisclosureDelivery.objects.get(request=request).state == State.READY
    assert AuditEvent.objects.filter(action="disclosure.build_retried", actor=officer).exists()
    # One retry by hand after six tries: the count is of attempts to prepare the
    # package, not of downloads or deliveries ("Ready to download (7 attempts)").
    officer_client.cookies["django_language"] = "en"
    text = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    assert "Ready to download</strong> (7 attempts to prepare the package)" in text
    assert "(7 attempts)" not in text


def test_retry_is_refused_while_building_and_after_completion(completed, officer_client):
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{completed.pk}/disclosure/retry/", follow=True
    )
    assert "Only a package still being prepared" in response.content.decode()
    assert DisclosurePackage.objects.filter(request=completed).count() == 1


def test_retry_back_off_grows_exponentially():
    from rights.disclosure.services import retry_delay

    assert [retry_delay(n) for n in range(5)] == [60, 120, 240, 480, 960]
    assert retry_delay(10) == 1800


def test_purpose_notice_is_delivered_the_same_way(
    subject, officer, django_capture_on_commit_callbacks
):
    """APPI Art. 32(2): the notice of purposes of use is delivered like a disclosure."""
    with django_capture_on_commit_callbacks(execute=True):
        request = disclosure_in_progress(subject, officer, kind="purpose_notice")
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    package = DisclosurePackage.objects.get(request=request)
    assert package.kind == "purpose_notice"


def test_a_paid_disclosure_is_built_when_the_payment_is_recorded(
    subject, officer, django_capture_on_commit_callbacks
):
    """APPI Art. 38: once the fee is paid the request goes in progress and is delivered."""
    from rights import fees
    from rights.services import request_submit
    from tests.rights.fee_support import publish

    publish(amount=1000)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            subject=subject, requester=subject, kind="disclosure", delivery_method="electronic"
        )
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        payment = fees.fee_request(request=request, actor=officer)
        request.refresh_from_db()
        assert request.status == Status.AWAITING_PAYMENT
        assert not DisclosureDelivery.objects.filter(request=request).exists()
        fees.payment_record(payment=payment, method="bank_transfer", actor=officer)
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert DisclosurePackage.objects.filter(request=request).exists()


def test_a_file_left_by_a_build_killed_before_its_commit_is_cleared_by_the_next_build(
    subject, officer, private_storage, django_capture_on_commit_callbacks
):
    """A worker killed between storing the sealed file and committing leaves a file
    that no package names. The build that runs next, under the same lock, clears
    it: nothing of the person stays in storage unrecorded."""
    storage = DisclosurePackage._meta.get_field("file").storage
    with django_capture_on_commit_callbacks(execute=False):
        request = disclosure_in_progress(subject, officer)
    left = storage.save(f"disclosures/{request.pk}/killed.zip.enc", ContentFile(b"sealed"))
    other = storage.save("disclosures/999999/other.zip.enc", ContentFile(b"sealed"))
    with django_capture_on_commit_callbacks(execute=True):
        assert build_disclosure.delay(request.pk).get() == "built"
    package = DisclosurePackage.objects.get(request=request)
    assert sorted(str(p) for p in _stored_files(private_storage)) == sorted(
        [package.file.path, storage.path(other)]
    )
    assert not storage.exists(left)


def test_the_next_build_clears_a_killed_builds_file_from_the_bucket_too(
    s3_private, s3_server, subject, officer, django_capture_on_commit_callbacks
):
    """With the files in S3 (PRIVATE_STORAGE_URL) the folder is listed in the bucket."""
    with django_capture_on_commit_callbacks(execute=False):
        request = disclosure_in_progress(subject, officer)
    s3_private.save(f"disclosures/{request.pk}/killed.zip.enc", ContentFile(b"sealed"))
    with django_capture_on_commit_callbacks(execute=True):
        assert build_disclosure.delay(request.pk).get() == "built"
    package = DisclosurePackage.objects.get(request=request)
    assert s3_server.object_keys() == [f"portal/{package.file.name}"]
