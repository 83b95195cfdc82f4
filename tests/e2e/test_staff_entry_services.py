"""Staff enter a letter in Chromium and tick the services it concerns; a service the
customer is not registered with is refused by name and nothing is entered."""

import pytest
from django.utils import timezone

from portal.kernel.staff import staff_create
from rights.models import RightsRequest
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory, RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_tick_the_services_of_a_letter(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = ProfileFactory(user__language="en").user
    mobile = ServiceFactory(code="mobile", name_en="Mobile")
    RegistrationFactory(user=customer, service=mobile)
    video = ServiceFactory(code="video", name_en="Video")
    context, staff = staff_page(browser, live_server, officer, "en")
    staff.goto("/admin/rights/rightsrequest/enter/")
    staff.fill("#id_subject_email", customer.email)
    staff.select_option("#id_kind", "disclosure")
    staff.select_option("#id_channel", "mail")
    staff.fill("#id_received_on", timezone.localdate().isoformat())
    staff.select_option("#id_delivery_method", "paper")
    staff.fill("#id_details", "Letter: what do you hold about my video account?")
    staff.locator(f"#id_services input[value='{video.pk}']").check()
    staff.screenshot(path=str(ARTIFACTS / "staff-entry-services-form.png"), full_page=True)

    staff.locator("input[type=submit].default").click()
    staff.wait_for_load_state()
    assert (
        "The customer is not registered with Video."
        in staff.locator(".field-services, .form-row.errors").first.inner_text()
    )
    assert not RightsRequest.objects.exists()
    staff.screenshot(path=str(ARTIFACTS / "staff-entry-services-refused.png"), full_page=True)

    staff.locator(f"#id_services input[value='{video.pk}']").uncheck()
    staff.locator(f"#id_services input[value='{mobile.pk}']").check()
    staff.locator("input[type=submit].default").click()
    staff.wait_for_url("**/change/")
    filed = RightsRequest.objects.get()
    assert list(filed.services.all()) == [mobile]
    assert staff.locator(".field-service_names .readonly").inner_text() == "Mobile"
    staff.screenshot(path=str(ARTIFACTS / "staff-entry-services-filed.png"), full_page=True)
    context.close()
