"""A request's fees on its working page, on a phone (390 px wide) in English: the
table of payments scrolls in its own box, which the keyboard reaches, and the page
never scrolls sideways (it was 440 px wide); axe finds nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
from rights.choices import FeeBasis
from rights.models import Payment, RightsRequest
from tests.e2e.staff_support import staff_page
from tests.factories import PASSWORD, ProfileFactory
from tests.rights.fee_support import publish

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_payments_table_fits_a_phone(browser, live_server, axe_check):
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    now = timezone.now()
    request = RightsRequest.objects.create(
        subject=ProfileFactory().user, kind="disclosure", received_at=now,
        due_at=now + dt.timedelta(days=14),
    )  # fmt: skip
    Payment.objects.create(
        request=request, reference="F000001-ABCD", amount=1500, basis=FeeBasis.PUBLISHED,
        schedule=publish(amount=1500), due_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    context, page = staff_page(browser, live_server, auditor, "en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert page.locator(".rr-payments").count() == 1
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide"
    assert page.locator(".table-scroll[tabindex='0'] .rr-payments").count() == 1
    assert axe_check(page, "request with a fee [en, phone]") == []
    context.close()
