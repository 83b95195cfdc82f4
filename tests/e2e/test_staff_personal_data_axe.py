"""The staff view of everything held about a customer, as an auditor reads it, in both
languages: axe finds nothing (its category headings were white on the admin's light
blue, 2.41:1, WCAG 1.4.3), and on a phone the page keeps the screen's width (the
hidden words of the empty cells of a wide table made it 734 px wide)."""

import pytest

from consent.models import ConsentRecord
from consent.services import Evidence, consent_update
from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
from tests.consent_support import purpose
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_personal_data_view_passes_axe(browser, live_server, axe_check, language):
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    customer = ProfileFactory().user
    RegistrationFactory(user=customer)
    context, page = staff_page(browser, live_server, auditor, language)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/admin/portal/user/{customer.pk}/personal-data/")
    assert page.locator(".pd-category h3").count() >= 1
    assert axe_check(page, f"personal data [{language}]") == []
    context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_personal_data_view_keeps_a_phones_width(browser, live_server, language):
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    customer = ProfileFactory().user
    # A consent record given on the dashboard names no policy version: empty cells.
    consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
        evidence=Evidence(ip_address="192.0.2.1", user_agent="Firefox", language=language),
    )
    context, page = staff_page(browser, live_server, auditor, language)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/admin/portal/user/{customer.pk}/personal-data/")
    assert page.locator(".table-scroll .visually-hidden").count() >= 1
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"[{language}] the page is {width[0]} px wide"
    context.close()
