"""Admin pages with a two-list picker, and an authenticator's page, pass axe-core with
no violation, in both languages.

Django's two-list picker (``filter_horizontal``: a service's handlers, a staff member's
groups, a recipient's purposes, an external system's API clients) names its filter
boxes with an ``aria-label`` on a plain ``span``, which assistive technology ignores
(axe "aria-prohibited-attr", WCAG 4.1.2): the box had no name. An authenticator's
"last wrong code" was a date and a time box without a label (axe "label"): it is a
record of what happened, shown, not typed."""

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.models import Purpose
from portal.kernel.staff import staff_create
from tests.consent_support import recipients
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_two_list_pickers_and_an_authenticator_pass_axe(browser, live_server, axe_check, language):
    officer, device, _ = staff_create(email="po@example.com", password=PASSWORD)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=5),
        throttling_failure_count=1,
    )
    service = ServiceFactory(code="mobile", name_en="Mobile")
    recipient = next(iter(recipients().values()))
    assert Purpose.objects.exists()
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in [
        f"/admin/portal/service/{service.pk}/change/",
        f"/admin/portal/user/{officer.pk}/change/",
        f"/admin/consent/recipient/{recipient.pk}/change/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
    ]:
        page.goto(path)
        page.wait_for_load_state("load")
        assert axe_check(page, f"{path} [{language}]") == [], path
        # Each picker's filter box is named after its list.
        for box in page.locator(".selector-filter input").all():
            assert page.evaluate(
                "box => !!box.labels[0] && box.labels[0].textContent.trim() === '' "
                "&& !!box.labels[0].querySelector('[role=img][aria-label]')",
                box.element_handle(),
            ), path
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_date_and_time_boxes_and_an_inline_picker_have_names(
    browser, live_server, axe_check, language
):
    """Django writes a date-and-time field as two boxes after the words "Date:" and
    "Time:", which label neither (axe "label", WCAG 1.3.1, 4.1.2): a policy version's
    effective time, a stop's start, an organisation's creation. A member's account in
    an organisation's table of members is a search-as-you-type picker with no label of
    its own: it is named after its column (axe "aria-input-field-name")."""
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    context, page = staff_page(browser, live_server, officer, language)
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in [
        "/admin/consent/policyversion/add/",
        "/admin/consent/processingrestriction/add/",
        "/admin/rights/organisation/add/",
    ]:
        page.goto(path)
        page.wait_for_load_state("load")
        assert axe_check(page, f"{path} [{language}]") == [], path
        for box in page.locator("p.datetime input").all():
            assert page.evaluate("box => box.labels.length > 0", box.element_handle()), path
    # A member's row added with "Add another" is named too.
    rows = page.locator(".dynamic-members").count()
    page.locator(".add-row a").first.click()
    page.wait_for_function(f"document.querySelectorAll('.dynamic-members').length > {rows}")
    page.wait_for_timeout(100)
    assert axe_check(page, f"organisation, a row added [{language}]") == []
    context.close()
