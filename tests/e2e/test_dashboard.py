"""A privacy officer follows the overdue figure from the dashboard to the queue."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from portal.kernel.staff import staff_create
from rights.models import RightsRequest
from tests.e2e.staff_support import staff_logs_in
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_officer_follows_overdue_figure_to_the_filtered_queue(page, screenshot):
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    customer = ProfileFactory().user
    now = timezone.now()
    late = RightsRequest.objects.create(
        subject=customer, kind="disclosure", received_at=now - dt.timedelta(days=20),
        due_at=now - dt.timedelta(days=6),
    )  # fmt: skip
    on_time = RightsRequest.objects.create(
        subject=customer, kind="deletion", received_at=now, due_at=now + dt.timedelta(days=14)
    )

    staff_logs_in(page, officer)
    page.goto("/admin/reports/")
    assert page.locator("#figure-overdue .figure-n").inner_text() == "1"
    shot = screenshot("dashboard")
    assert Path(shot).stat().st_size > 0
    page.locator("#figure-overdue").click()
    page.wait_for_url("**/admin/rights/rightsrequest/?deadline=overdue")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert late.reference in rows.first.inner_text()
    assert on_time.reference not in page.locator("#result_list").inner_text()
    screenshot("overdue-queue")


def test_the_totals_read_like_the_figures_above_them_and_months_name_their_year(page):
    """Django's admin prints a table foot small and grey; the dashboard's totals are
    figures staff read, so they look like the rows above them (and weigh more)."""
    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    now = timezone.now()
    RightsRequest.objects.create(
        subject=ProfileFactory().user, kind="disclosure", received_at=now,
        due_at=now + dt.timedelta(days=14),
    )  # fmt: skip

    staff_logs_in(page, officer)
    page.goto("/admin/reports/")
    table = page.locator("section.module table").first

    def style(cell):
        return cell.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [parseFloat(s.fontSize), parseInt(s.fontWeight), s.color]; }"
        )

    body_size, _body_weight, body_colour = style(table.locator("tbody td.num").first)
    foot_size, foot_weight, foot_colour = style(table.locator("tfoot td.num").last)
    assert foot_size == body_size
    assert foot_weight >= 600
    assert foot_colour == body_colour
    months = page.locator(".chart text.month").all_text_contents()
    assert len(months) == 12
    assert months[-1] == timezone.localdate().strftime("%Y-%m")
