"""A legal hold's days count in the portal's time zone (TIME_ZONE), whoever is reading.

Staff read the admin in their own zone (User.time_zone), and in the embedded set-up
a deletion is carried out inside the request of the member of staff who approves it.
A hold's first and last days are one calendar for everyone: at 09:00 in Tokyo on
1 July it is still 30 June in Los Angeles, and a hold that starts on 1 July keeps
the data all the same (GDPR art. 17(3)(e), APPI art. 35(1) proviso: data a law or a
court requires is not erased).
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from portal.records.models import UsageRecord
from rights.choices import Status
from rights.models import LegalHold
from rights.retention.holds.services import hold_place

from .retention_support import IN_COURT, approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

LOS_ANGELES = "America/Los_Angeles"
#: 09:00 on 1 July in Tokyo: 17:00 on 30 June in Los Angeles.
TOKYO_MORNING = at(2026, 7, 1, hour=9)


def _hold(officer, customer, **days):
    return hold_place(
        actor=officer,
        subject=customer,
        reason=IN_COURT,
        legal_basis="GDPR art. 17(3)(e); litigation",
        **days,
    )


def test_a_hold_starting_today_in_tokyo_keeps_data_from_staff_in_los_angeles_gdpr_art_17_3_e(
    officer, django_capture_on_commit_callbacks
):
    with time_machine.travel(TOKYO_MORNING, tick=False):
        customer = customer_with_records(usage=3)
        _hold(officer, customer, starts_on=dt.date(2026, 7, 1))
        request = file_deletion(customer, categories=["usage"])
        with timezone.override(LOS_ANGELES), django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        request.refresh_from_db()

    assert request.status == Status.PARTIALLY_COMPLETED
    assert UsageRecord.objects.filter(user=customer).count() == 3


def test_a_hold_that_ended_yesterday_in_tokyo_has_ended_for_staff_in_los_angeles(officer):
    with time_machine.travel(at(2026, 6, 20), tick=False):
        customer = customer_with_records()
        hold = _hold(officer, customer, ends_on=dt.date(2026, 6, 30))
    with time_machine.travel(TOKYO_MORNING, tick=False), timezone.override(LOS_ANGELES):
        assert not LegalHold.objects.active().filter(pk=hold.pk).exists()


def test_a_hold_placed_from_los_angeles_starts_on_the_portals_day(officer):
    with time_machine.travel(TOKYO_MORNING, tick=False), timezone.override(LOS_ANGELES):
        hold = _hold(officer, customer_with_records())
    assert hold.starts_on == dt.date(2026, 7, 1)


@pytest.mark.parametrize(
    ("language", "named"),
    [("en", "Days count in the portal's time zone (JST)."), ("ja", "（日本時間）で数えます。")],
)
def test_the_hold_form_and_list_name_the_zone_its_days_count_in(
    officer, officer_client, language, named
):
    """An officer reading the admin in Los Angeles is told the days are Tokyo's."""
    officer.time_zone = LOS_ANGELES
    officer.language = language
    officer.save(update_fields=["time_zone", "language"])
    officer_client.cookies["django_language"] = language

    _hold(officer, customer_with_records())

    form = officer_client.get("/admin/rights/legalhold/add/").content.decode()
    assert form.count(named) == 2  # the first day and the last day
    listed = officer_client.get("/admin/rights/legalhold/").content.decode()
    assert ("In effect (JST)" if language == "en" else "有効期間（日本時間）") in listed
