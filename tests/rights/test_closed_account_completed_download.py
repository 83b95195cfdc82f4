"""A disclosure completed just before the deletion that closes the account: its notice
said "log in to download", which the person can no longer do. The deletion's final notice
gives the signed follow link of the address with the day the copy stays downloadable
until, and the follow page serves it as for the other follow downloads: after a code
mailed to the address, single use, audited (APPI Art. 33(1); GDPR Art. 15(3)). The
address is kept until the package expires, then erased."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation

from portal.kernel import zones
from rights import workflow
from rights.choices import Status
from rights.notice_overrides import notice_text_publish, notice_text_save
from tests.conftest import admin_login

from . import closed_account_support as closed
from .identity_support import link_in
from .retention_support import (
    approve,
    at,
    customer_with_records,
    erased,
    file_deletion,
    file_disclosure,
    told,
)

pytestmark = closed.MARKS


SENTENCE = {
    "en": "The copy of your data we sent in answer to request {ref} stays downloadable until "
    "{date} through this link",
    "ja": "ご請求{ref}への回答としてお送りしたデータの写しは、{date}まで次のリンクから"
    "ダウンロードできます",
}


def _answered_then_closed(officer, capture, *, language="en", downloaded=False):
    """A customer whose disclosure is completed (its package built, and downloaded once
    when ``downloaded``), then whose deletion of everything closes the account; (the
    customer, the address, the disclosure, the deletion)."""
    return closed.closed_with_disclosure(
        officer, capture, language=language, answered=True, downloaded=downloaded
    )


def _last_day(package, language, zone) -> str:
    return _day(package.expires_at, language, zone)


def _day(moment, language, zone) -> str:
    with translation.override(language), timezone.override(zone):
        return zones.written(moment, "DATE_FORMAT")


DOWNLOADED = {
    "en": "The copy of your data we sent in answer to request {ref} was already downloaded "
    "on {downloaded}. Until {date}, you can ask once for a new download link on the page "
    "this link opens",
    "ja": "ご請求{ref}への回答としてお送りしたデータの写しは、{downloaded}にダウンロード済みです。"
    "{date}まで、次のリンクから開くページで新しいダウンロード用リンクを一度だけお求めいただけます",
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_copy_already_downloaded_is_told_as_its_one_new_link(
    officer, django_capture_on_commit_callbacks, language
):
    """A copy downloaded once and not renewed: the follow page offers only its one new
    link, so the closing notice says when it was downloaded and until when a new link
    can be asked for, not that it "stays downloadable" (APPI Art. 33(1); GDPR Art. 15(3))."""
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(at(2026, 7, 1), tick=False):
        _customer, address, disclosure, deletion = _answered_then_closed(
            officer, capture, language=language, downloaded=True
        )
        package = disclosure.disclosure_package
        package.refresh_from_db()
        final = told(address, deletion)
        body = " ".join(final.body.split())
        sentence = DOWNLOADED[language].format(
            ref=disclosure.reference,
            downloaded=_day(package.last_downloaded_at, language, deletion.zone),
            date=_last_day(package, language, deletion.zone),
        )
        assert sentence in body, body
        assert "stays downloadable" not in body and "ダウンロードできます" not in body

        # What the follow page offers for it: the one new link.
        visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
        url = link_in(final)
        assert closed.code_step(visitor, url, address, capture).status_code == 302
        page = visitor.get(url + "download/")
        assert page.status_code == 410 and 'name="renew"' in page.content.decode()
        assert visitor.post(url + "download/", {"renew": "1"}).status_code == 302
        assert visitor.post(url + "download/").status_code == 200


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_closing_notice_gives_the_link_to_the_copy_still_downloadable(
    officer, django_capture_on_commit_callbacks, language
):
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, address, disclosure, deletion = _answered_then_closed(
            officer, capture, language=language
        )
        final = told(address, deletion)
        body = " ".join(final.body.split())
        day = _last_day(disclosure.disclosure_package, language, deletion.zone)
        assert SENTENCE[language].format(ref=disclosure.reference, date=day) in body, body
        assert "erased as soon as this notice" not in body
        assert "/downloads/" not in final.body
        url = link_in(final)
        assert f"{settings.SITE_URL}{url}" in final.body
        # The address stays while the copy can be downloaded.
        assert not erased(customer)

        visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
        closed.download_once(visitor, url, address, disclosure, capture)


def test_the_address_stays_until_the_copy_expires_then_goes(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer, address, disclosure, deletion = _answered_then_closed(
            officer, django_capture_on_commit_callbacks
        )
        url = link_in(told(address, deletion))
    package = disclosure.disclosure_package
    closed.assert_kept_until_it_expires(customer, package)
    assert Client().get(url).status_code == 404


def test_a_text_the_privacy_office_edited_still_gives_the_link(
    officer, django_capture_on_commit_callbacks
):
    """The link is the only way left to the files: an edited final notice keeps it."""
    for kind in ("completed", "partially_completed"):
        draft = notice_text_save(
            kind=kind,
            language="en",
            subject="Done: {reference}",
            body="We have finished {reference}.\n\n{reason}",
            author=officer,
        )
        notice_text_publish(text=draft, actor=officer)
    with time_machine.travel(at(2026, 7, 1), tick=False):
        _customer, address, disclosure, deletion = _answered_then_closed(
            officer, django_capture_on_commit_callbacks
        )
        final = told(address, deletion)
    assert final.body.startswith("Hello,") and f"We have finished {deletion.reference}." in (
        final.body
    )
    day = _last_day(disclosure.disclosure_package, "en", deletion.zone)
    assert SENTENCE["en"].format(ref=disclosure.reference, date=day) in " ".join(final.body.split())
    assert "/requests/follow/" in link_in(final)


def test_a_copy_already_expired_gives_no_link(officer, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(at(2026, 5, 1), tick=False):
        customer = customer_with_records(invoices=())
        address = customer.email
        disclosure = file_disclosure(customer)
        closed.answer(disclosure, officer, capture)
    with time_machine.travel(at(2026, 8, 1), tick=False):
        deletion = file_deletion(customer, scope={"everything": True})
        mail.outbox.clear()
        with capture(execute=True):
            approve(deletion, officer)
    final = told(address, deletion)
    assert settings.SITE_URL not in final.body
    assert "stays downloadable" not in final.body
    assert erased(customer)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_staff_see_what_the_customer_receives_for_the_copy(
    officer, client, django_capture_on_commit_callbacks, language
):
    capture = django_capture_on_commit_callbacks
    customer = customer_with_records(invoices=())
    disclosure = file_disclosure(customer)
    closed.answer(disclosure, officer, capture)
    deletion = file_deletion(customer, scope={"everything": True})
    staff = admin_login(client, officer)
    staff.cookies["django_language"] = language
    page = staff.get(f"/admin/rights/rightsrequest/{deletion.pk}/change/").content.decode()
    text = " ".join(page.split())
    section = text.split('id="rr-closing"')[1].split("</div>")[0]
    assert disclosure.reference in section
    assert {
        "en": "the final notice of this deletion gives them a link to download it without "
        "an account",
        "ja": "この削除の最終通知に、アカウントなしでダウンロードできるリンクを記載します",
    }[language] in section


def test_the_erasure_plan_dates_the_address_after_the_copy_expires(
    officer, django_capture_on_commit_callbacks
):
    """The plan staff confirm said the closed account's address goes once the grace
    days after the final notice are over (3 days), while the notice, the page below
    the plan and the job keep it until the copy still downloadable expires
    (APPI art. 33(1): the answer must still reach the person). The plan now gives
    the day the job can erase it: the day after the link's last day."""
    from portal.kernel.dates import portal_day
    from rights.disclosure.models import DisclosurePackage
    from rights.retention.preview import AFTER_NOTICE, erasure_preview

    capture = django_capture_on_commit_callbacks
    customer = customer_with_records(invoices=())
    disclosure = file_disclosure(customer)
    with capture(execute=True):
        workflow.transition(disclosure, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(disclosure, to=Status.IN_PROGRESS, actor=officer)
    package = DisclosurePackage.objects.get(request=disclosure)
    deletion = file_deletion(customer, scope={"everything": True})
    workflow.transition(deletion, to=Status.IN_REVIEW, actor=officer)
    lines = [line for line in erasure_preview(deletion).lines if line.action == AFTER_NOTICE]
    assert lines
    last_day = portal_day(package.expires_at)
    assert {line.until for line in lines} == {last_day + dt.timedelta(days=1)}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        (
            "en",
            "The notice of the purposes we use your data for, sent in answer to request "
            "R-000009, was already downloaded on 2 Jul 2026 JST. Until 15 Jul 2026 JST, you "
            "can ask once for a new download link on the page this link opens.",
        ),
        (
            "ja",
            "ご請求R-000009への回答としてお送りした利用目的の通知は、2026年7月2日（日本時間）に"
            "ダウンロード済みです。2026年7月15日（日本時間）まで、次のリンクから開くページで"
            "新しいダウンロード用リンクを一度だけお求めいただけます。",
        ),
    ],
)
def test_a_notice_of_purposes_already_downloaded_is_told_as_its_one_new_link(language, sentence):
    """The same for a notice of purposes of use (APPI Art. 32(2)) downloaded once."""
    download = {
        "reference": "R-000009",
        "purposes": True,
        "downloaded_at": at(2026, 7, 2),
        "expires_at": at(2026, 7, 15),
        "url": "https://portal.example/requests/follow/token/",
    }
    with translation.override(language), timezone.override("Asia/Tokyo"):
        text = render_to_string("rights/notice_downloads.txt", {"downloads": [download]})
    assert sentence in " ".join(text.split())
    assert download["url"] in text
