"""The staff view of everything held about a customer, as an auditor reads it, in both
languages: axe finds nothing. Its category headings were white on the admin's light
blue (2.41:1, WCAG 1.4.3, axe "color-contrast")."""

import pytest

from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
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
