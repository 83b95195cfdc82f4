"""A used-up download link can be renewed once, without a new request (issue 20, item 11)."""

import pytest
from django.utils import timezone

from portal.kernel.models import AuditEvent
from rights.disclosure.models import DisclosurePackage
from rights.disclosure.services import download_path, download_renew
from tests.conftest import step_up

pytestmark = pytest.mark.django_db


def _used_up(completed) -> DisclosurePackage:
    package = DisclosurePackage.objects.get(request=completed)
    DisclosurePackage.objects.filter(pk=package.pk).update(
        download_count=package.max_downloads, last_downloaded_at=timezone.now()
    )
    package.refresh_from_db()
    return package


def test_a_used_up_link_is_renewed_once_with_a_new_token(completed, subject):
    package = _used_up(completed)
    old_path = download_path(package)
    assert download_renew(package=package, user=subject) is True
    package.refresh_from_db()
    assert package.renewed_at is not None
    assert package.downloads_left == 1 and package.unavailable_reason() == ""
    assert download_path(package) != old_path
    assert AuditEvent.objects.filter(action="disclosure.link_renewed").count() == 1
    DisclosurePackage.objects.filter(pk=package.pk).update(download_count=package.max_downloads)
    package.refresh_from_db()
    assert not package.may_renew()
    assert download_renew(package=package, user=subject) is False


def test_a_link_still_working_or_expired_is_not_renewed(completed, subject):
    package = DisclosurePackage.objects.get(request=completed)
    assert download_renew(package=package, user=subject) is False  # downloads left
    package = _used_up(completed)
    DisclosurePackage.objects.filter(pk=package.pk).update(expires_at=timezone.now())
    package.refresh_from_db()
    assert download_renew(package=package, user=subject) is False
    assert package.renewed_at is None


def test_the_link_a_renewal_replaced_says_so_instead_of_not_found(
    completed, subject, client, django_capture_on_commit_callbacks
):

    package = _used_up(completed)
    old_path = download_path(package)
    assert download_renew(package=package, user=subject) is True
    package.refresh_from_db()
    step_up(client, subject, django_capture_on_commit_callbacks, "en")
    response = client.get(old_path)
    assert response.status_code == 410
    page = response.content.decode()
    assert "A newer link replaced this one" in page
    assert f'href="/requests/{completed.pk}/"' in page
    assert "Get a new link" not in page
    # Another customer holding the old link still gets nothing at all.
    from tests.factories import UserFactory

    client.logout()
    step_up(client, UserFactory(), django_capture_on_commit_callbacks, "en")
    assert client.get(old_path).status_code == 404


def test_the_completion_notice_on_the_request_page_still_says_what_was_sent(
    completed, subject, client, django_capture_on_commit_callbacks
):
    """The page's copy of the notice counted the downloads the renewed link had in
    all (2) while the e-mail and the answer above it said 1."""
    package = _used_up(completed)
    step_up(client, subject, django_capture_on_commit_callbacks, "en")
    sent = "The link works once, until"

    def page():
        return " ".join(client.get(f"/requests/{completed.pk}/").content.decode().split())

    assert sent in page()
    assert download_renew(package=package, user=subject) is True
    page = page()
    assert sent in page
    assert "The link works 2 times" not in page


def test_a_notice_stored_without_the_count_still_says_what_one_link_allows(completed, subject):
    """Notices sent before the count was stored with them name only the package."""
    from rights.disclosure.delivery_notices import delivery_notice_context

    package = _used_up(completed)
    stored = {"download": {"package": package.pk}}
    assert delivery_notice_context(stored)["download_max"] == 1
    assert download_renew(package=package, user=subject) is True
    assert delivery_notice_context(stored)["download_max"] == 1


def test_the_download_page_says_the_link_ends_only_before_its_last_download(
    completed, subject, client, django_capture_on_commit_callbacks
):
    """In Japanese every count read 「ダウンロード後はリンクが無効になります」 (one form
    for all numbers), though with 3 downloads left the link goes on working; in
    English the last one read "works 1 more time"."""
    package = DisclosurePackage.objects.get(request=completed)
    DisclosurePackage.objects.filter(pk=package.pk).update(max_downloads=3)
    step_up(client, subject, django_capture_on_commit_callbacks, "ja")
    client.cookies["django_language"] = "ja"
    page = client.get(download_path(package)).content.decode()
    assert "リンクはあと3回使えます。" in page
    assert "無効になります" not in page

    DisclosurePackage.objects.filter(pk=package.pk).update(download_count=2)
    client.cookies["django_language"] = "en"
    page = " ".join(client.get(download_path(package)).content.decode().split())
    assert "This is the last download the link allows: after it the link no longer works." in page
    assert "more time" not in page
