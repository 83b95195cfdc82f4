"""A parent files a request for their child without an account; staff verify it in admin."""

import datetime as dt

import pytest
from django.core import mail

from portal.kernel.models import AuditEvent
from portal.kernel.staff import staff_create
from rights.choices import Channel, Status
from rights.models import RightsRequest
from rights.requesters.models import Capacity, VerificationStatus
from tests import sample_files
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.customer_support import agent_confirmation_asked, public_form_at
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = sample_files.pdf()
PARENT = "parent@example.com"


def _shot(page, request, label):
    ARTIFACTS.mkdir(exist_ok=True)
    # Chromium draws no frames for a page behind another one ("Unable to capture
    # screenshot"): the tests here switch between an English and a Japanese page.
    page.bring_to_front()
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{label}.png"), full_page=True)


def test_parent_files_for_a_minor_and_staff_verify(
    browser, live_server, page, screenshot, request, private_storage, fresh_rate_limits, settings
):
    """APPI Art. 37: the legal representative of a minor files with an identity document
    and a family register extract; staff match the child in the registry, open the
    documents (audited) and verify; the request joins the normal workflow."""
    child = ProfileFactory(
        user__email="kenta@example.com",
        full_name="山田 健太",
        date_of_birth=dt.date(2014, 6, 1),
    ).user
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    settings.RIGHTS_PUBLIC_RATE_START_IP = "3/h"

    # The public form, in Japanese: the My Number warning is on the first page.
    page.goto("/requests/start/")
    assert "マイナンバー" in page.locator(".message-warning").inner_text()
    screenshot("start-ja")
    public_form_at(page, PARENT)
    page.check("input[name=capacity][value=parent]")
    page.fill("input[name=requester_name]", "山田 太郎")
    page.fill("input[name=subject_name]", "山田 健太")
    page.fill("input[name=subject_email]", "kenta@example.com")
    page.fill("input[name=subject_date_of_birth]", "2014-06-01")
    page.select_option("select[name=kind]", "disclosure")
    page.check("input[name=delivery_method][value=electronic]")
    page.set_input_files(
        "input[name=requester_document]",
        {"name": "運転免許証.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    page.select_option("select[name=authority_kind]", "family_register")
    page.set_input_files(
        "input[name=authority_document]",
        {"name": "戸籍抄本.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    page.check("input[name=documents_consent]")
    screenshot("form-ja")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/requests/start/done/")
    screenshot("done-ja")

    filed = RightsRequest.objects.get()
    assert filed.status == Status.AWAITING_VERIFICATION
    assert filed.channel == Channel.AGENT
    assert filed.identity.capacity == Capacity.PARENT
    assert filed.reference in page.locator("main").inner_text()
    assert filed.identity_documents.count() == 2

    # The same pages in English, as far as the form (not sent).
    en_context = browser.new_context(base_url=live_server.url, locale="en-US")
    en_page = en_context.new_page()
    en_page.goto("/requests/start/")
    assert "Never send a My Number" in en_page.locator("main").inner_text()
    _shot(en_page, request, "start-en")
    public_form_at(en_page, "guardian@example.com")
    en_page.check("input[name=capacity][value=agent]")
    with en_page.expect_navigation():  # the form posts to its own address
        en_page.locator("main form button[type=submit]").click()  # empty: errors, nothing filed
    assert en_page.locator(".errorlist").count() >= 3
    _shot(en_page, request, "form-errors-en")
    en_context.close()
    assert RightsRequest.objects.count() == 1

    # Staff see the identity section, in Japanese and in English.
    staff_context, staff = staff_page(browser, live_server, officer, "en")
    staff_context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    staff.goto(f"/admin/rights/rightsrequest/{filed.pk}/change/")
    assert "本人確認と代理権" in staff.locator("#identity").inner_text()
    _shot(staff, request, "admin-identity-ja")
    staff_context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    staff.goto(f"/admin/rights/rightsrequest/{filed.pk}/change/")
    section = staff.locator("#identity")
    assert "kenta@example.com" in section.inner_text()
    _shot(staff, request, "admin-identity-en")
    with staff.expect_navigation():
        section.locator("button", has_text="This is the person").click()
    filed.refresh_from_db()
    assert filed.subject == child

    document = filed.identity_documents.get(kind="family_register")
    response = staff.request.get(f"/admin/rights/rightsrequest/{filed.pk}/documents/{document.pk}/")
    assert response.status == 200 and response.body() == PDF
    assert AuditEvent.objects.filter(
        action="staff.viewed_identity_document", actor=officer
    ).exists()

    staff.fill("#rr-identity-note", "Licence and koseki extract match the child's record.")
    with staff.expect_navigation():
        staff.locator("#rr-identity-decision button[value=verify]").click()
    filed.refresh_from_db()
    assert filed.status == Status.IN_REVIEW
    assert filed.identity.verification == VerificationStatus.VERIFIED
    assert "In review" in staff.locator(".rr-summary").inner_text()
    _shot(staff, request, "admin-verified-en")

    # The form for requests received by letter or phone.
    staff.goto("/admin/rights/rightsrequest/")
    staff.locator(".object-tools a.addlink").click()
    staff.wait_for_url("**/admin/rights/rightsrequest/add/")
    _shot(staff, request, "admin-enter-en")
    staff_context.close()

    # Too many codes asked from one connection (the limit is 3 an hour here, two
    # were asked above): a clear 429 page.
    for _attempt in range(2):
        page.goto("/requests/start/")
        page.fill("input[name=email]", "someone@example.com")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
    assert "試行回数が多すぎます" in page.locator("main").inner_text()
    _shot(page, request, "throttled-ja")

    # The parent, not the child, was told at the confirmed address.
    assert {m.to[0] for m in mail.outbox if filed.reference in m.subject} == {PARENT}


def test_the_person_confirms_an_agent_by_the_link(
    browser, live_server, page, request, private_storage, settings
):
    """CCPA §7063: the person opens the e-mailed link, sees who filed in their name and
    confirms; the request moves on."""
    filed, path = agent_confirmation_asked()

    en_context = browser.new_context(base_url=live_server.url, locale="en-US")
    en_page = en_context.new_page()
    en_page.goto(path)
    assert "Sam Agent" in en_page.locator("main").inner_text()
    _shot(en_page, request, "confirm-en")
    page.goto(path)  # the same page in Japanese
    _shot(page, request, "confirm-ja")
    with en_page.expect_navigation():
        en_page.locator("button[value=yes]").click()
    _shot(en_page, request, "confirmed-en")
    en_context.close()
    filed.refresh_from_db()
    assert filed.status == Status.IN_REVIEW
    assert filed.identity.verification == VerificationStatus.VERIFIED
