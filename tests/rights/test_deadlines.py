"""Legal deadlines per regime (docs/legal.md: APPI arts. 33(3)/39, GDPR art. 12(3), CCPA §7021)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from rights import deadlines
from rights.choices import Kind, PauseReason, Regime
from rights.deadlines import ExtensionNotAllowed, Pause

TOKYO = ZoneInfo("Asia/Tokyo")
# Each regime counts in its requesters' time zone (RIGHTS_REGIME_TIME_ZONES).
BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def at(y, m, d, h=10, minute=0, tz=TOKYO):
    return dt.datetime(y, m, d, h, minute, tzinfo=tz)


def day(moment, tz=TOKYO):
    return moment.astimezone(tz).date()


def test_appi_target_is_14_days_by_default():
    assert day(deadlines.due_at(Regime.APPI, at(2026, 4, 1))) == dt.date(2026, 4, 15)


def test_appi_target_is_a_setting(settings):
    settings.RIGHTS_APPI_TARGET_DAYS = 7
    assert day(deadlines.due_at(Regime.APPI, at(2026, 4, 1))) == dt.date(2026, 4, 8)


def test_deadline_is_the_end_of_its_day():
    due = deadlines.due_at(Regime.APPI, at(2026, 4, 1, 9))
    assert due.astimezone(TOKYO).time() == dt.time(23, 59, 59)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 1, 31, tz=BERLIN), dt.date(2026, 2, 28)),  # GDPR art. 12(3): one month
        (at(2028, 1, 31, tz=BERLIN), dt.date(2028, 2, 29)),  # leap year
        (at(2026, 3, 31, tz=BERLIN), dt.date(2026, 4, 30)),
        (at(2026, 5, 15, tz=BERLIN), dt.date(2026, 6, 15)),
        (at(2026, 12, 31, tz=BERLIN), dt.date(2027, 1, 31)),
    ],
)
def test_gdpr_one_calendar_month(received, due):
    assert day(deadlines.due_at(Regime.GDPR, received), BERLIN) == due


def test_ccpa_answer_within_45_days():
    assert day(deadlines.due_at(Regime.CCPA, at(2026, 11, 2))) == dt.date(2026, 12, 17)


@pytest.mark.parametrize("reason", PauseReason.values)
def test_a_five_day_pause_moves_the_appi_and_gdpr_deadlines_by_five_days(reason):
    """APPI arts. 33(3), 37; GDPR art. 12(3), (5), (6): the clock waits for the person."""
    received = at(2026, 4, 1)
    pause = Pause(started_at=at(2026, 4, 3), ended_at=at(2026, 4, 8), reason=reason)
    for regime in (Regime.APPI, Regime.GDPR):
        without = deadlines.due_at(regime, received)
        with_pause = deadlines.due_at(regime, received, pauses=[pause])
        assert with_pause - without == dt.timedelta(days=5), regime


@pytest.mark.parametrize("reason", PauseReason.values)
def test_ccpa_counts_45_days_from_receipt_whatever_the_verification_takes(reason):
    """CCPA 11 CCR §7021(b): the 45 days begin on receipt, regardless of the time
    required to verify the request; nothing else stops them either."""
    received = at(2026, 11, 2)
    pause = Pause(started_at=at(2026, 11, 3), ended_at=at(2026, 11, 20), reason=reason)

    due = deadlines.due_at(Regime.CCPA, received, pauses=[pause])

    assert due == deadlines.due_at(Regime.CCPA, received)
    assert day(due) == dt.date(2026, 12, 17)
    assert not deadlines.clock_stops(Regime.CCPA, PauseReason.VERIFICATION)


def test_a_pause_adds_exactly_its_length_not_whole_days():
    """GDPR art. 12(3), APPI art. 33(3): an hour's wait adds an hour, two 36-hour
    waits add three days."""
    received = at(2026, 4, 1)
    base = deadlines.due_at(Regime.GDPR, received)
    hour = Pause(started_at=at(2026, 4, 2, 10), ended_at=at(2026, 4, 2, 11))
    assert deadlines.due_at(Regime.GDPR, received, pauses=[hour]) - base == dt.timedelta(hours=1)
    two = [
        Pause(started_at=at(2026, 4, 2, 0), ended_at=at(2026, 4, 3, 12)),
        Pause(started_at=at(2026, 4, 5, 0), ended_at=at(2026, 4, 6, 12)),
    ]
    assert deadlines.due_at(Regime.APPI, received, pauses=two) - deadlines.due_at(
        Regime.APPI, received
    ) == dt.timedelta(days=3)


@pytest.mark.parametrize("kind", [Kind.STOP_PROVISION, Kind.STOP_USE])
def test_ccpa_opt_out_and_limit_are_acted_on_within_15_business_days(kind):
    """CCPA 11 CCR §7026(f) (opt-out of sale/sharing) and §7027(g) (limit the use
    of sensitive personal information): 15 business days, no extension."""
    # Wed 18 Nov 2026: Thanksgiving (26th), the day after (27th) and three
    # weekends skipped; the 15th business day is Fri 11 Dec.
    received = at(2026, 11, 18)

    due = deadlines.due_at(Regime.CCPA, received, kind=kind)

    assert day(due) == dt.date(2026, 12, 11)
    assert day(deadlines.due_at(Regime.CCPA, received, kind=Kind.DISCLOSURE)) == dt.date(2027, 1, 2)
    with pytest.raises(ExtensionNotAllowed, match="15 business days"):
        deadlines.check_extension(
            Regime.CCPA,
            received,
            kind=kind,
            extended_to=None,
            new_deadline=at(2026, 12, 20),
            reason="volume",
            now=at(2026, 11, 20),
        )


def test_an_open_pause_counts_until_now():
    received = at(2026, 4, 1)
    pause = Pause(started_at=at(2026, 4, 3))
    due = deadlines.due_at(Regime.APPI, received, pauses=[pause], now=at(2026, 4, 6))
    assert day(due) == dt.date(2026, 4, 18)


def test_ccpa_acknowledgement_counts_business_days_and_us_holidays():
    # Received Wed 18 Nov 2026. Thanksgiving (26th) and the day after (27th, a
    # California holiday) and two weekends are skipped: 10 business days later
    # is Fri 4 Dec.
    due = deadlines.acknowledgement_due(Regime.CCPA, at(2026, 11, 18))
    assert day(due) == dt.date(2026, 12, 4)
    assert deadlines.acknowledgement_due(Regime.APPI, at(2026, 11, 18)) is None


def test_japanese_business_days_skip_golden_week():
    # Tue 28 Apr 2026 + 3 business days: 29 Apr is Shōwa Day; 30 Apr and 1 May
    # count; 2–6 May are the weekend, Constitution/Greenery/Children's Day and the
    # substitute holiday for 3 May; Thu 7 May is the third.
    assert deadlines.add_business_days(dt.date(2026, 4, 28), 3, Regime.APPI) == dt.date(2026, 5, 7)


def test_ccpa_extension_of_45_days_once():
    received = at(2026, 11, 2, tz=LOS_ANGELES)
    new = deadlines.check_extension(
        Regime.CCPA,
        received,
        extended_to=None,
        new_deadline=at(2027, 1, 31, tz=LOS_ANGELES),
        reason="Large volume of records across services",
        now=at(2026, 11, 20),
    )
    assert day(new, LOS_ANGELES) == dt.date(2027, 1, 31)
    due = deadlines.due_at(Regime.CCPA, received, extended_to=new)
    assert day(due, LOS_ANGELES) == dt.date(2027, 1, 31)
    with pytest.raises(ExtensionNotAllowed, match="one extension"):
        deadlines.check_extension(
            Regime.CCPA,
            received,
            extended_to=new,
            new_deadline=at(2027, 1, 31),
            reason="again",
            now=at(2026, 11, 21),
        )
    with pytest.raises(ExtensionNotAllowed, match="31 Jan 2027"):
        deadlines.check_extension(
            Regime.CCPA,
            received,
            extended_to=None,
            new_deadline=at(2027, 2, 1, tz=LOS_ANGELES),
            reason="too long",
            now=at(2026, 11, 20),
        )


def test_gdpr_extension_up_to_two_months_only_within_the_first_month():
    received = at(2026, 1, 31, tz=BERLIN)
    new = deadlines.check_extension(
        Regime.GDPR,
        received,
        extended_to=None,
        new_deadline=at(2026, 4, 30, tz=BERLIN),
        reason="Complex request spanning five services",
        now=at(2026, 2, 20),
    )
    assert day(new, BERLIN) == dt.date(2026, 4, 30)
    with pytest.raises(ExtensionNotAllowed):
        deadlines.check_extension(
            Regime.GDPR,
            received,
            extended_to=None,
            new_deadline=at(2026, 5, 1),
            reason="beyond three months",
            now=at(2026, 2, 20),
        )
    with pytest.raises(ExtensionNotAllowed, match="first period"):
        deadlines.check_extension(
            Regime.GDPR,
            received,
            extended_to=None,
            new_deadline=at(2026, 3, 31),
            reason="told too late",
            now=at(2026, 3, 1),
        )


def test_an_extension_needs_a_reason():
    with pytest.raises(ExtensionNotAllowed, match="reason"):
        deadlines.check_extension(
            Regime.GDPR,
            at(2026, 1, 10),
            extended_to=None,
            new_deadline=at(2026, 3, 10),
            reason="  ",
            now=at(2026, 1, 20),
        )


# -- time zones: each regime counts where its requesters are --------------------------


def test_gdpr_art_12_3_counts_the_month_in_the_requesters_time_zone():
    """GDPR art. 12(3): received 31 January 23:30 CET (already 1 February in Tokyo),
    the month ends on 28 February in Berlin, not on 1 March."""
    received = at(2026, 1, 31, 23, 30, tz=BERLIN)
    due = deadlines.due_at(Regime.GDPR, received)
    assert due == dt.datetime(2026, 2, 28, 23, 59, 59, tzinfo=BERLIN)
    # Counted in Tokyo, as before, it would have been a day late.
    tokyo = deadlines.due_at(Regime.GDPR, received, tz="Asia/Tokyo")
    assert day(tokyo, BERLIN) == dt.date(2026, 3, 1)


def test_ccpa_7021_counts_the_45_days_in_pacific_time():
    """CCPA 11 CCR §7021(b): 45 calendar days from receipt in California; a request
    sent at 20:00 on 1 June (already 2 June in Tokyo) is due on 16 July."""
    received = at(2026, 6, 1, 20, 0, tz=LOS_ANGELES)
    due = deadlines.due_at(Regime.CCPA, received)
    assert due == dt.datetime(2026, 7, 16, 23, 59, 59, tzinfo=LOS_ANGELES)
    acknowledge = deadlines.acknowledgement_due(Regime.CCPA, received)
    assert day(acknowledge, LOS_ANGELES) == dt.date(2026, 6, 15)  # 10 business days


def test_appi_art_33_3_counts_in_tokyo_and_each_zone_is_a_setting(settings):
    """APPI art. 33(3) / 39: the 14 days run in Japan; the regimes' zones are settings."""
    received = at(2026, 4, 1, 23, 30)
    assert deadlines.due_at(Regime.APPI, received) == dt.datetime(
        2026, 4, 15, 23, 59, 59, tzinfo=TOKYO
    )
    zones = settings.RIGHTS_REGIME_TIME_ZONES
    settings.RIGHTS_REGIME_TIME_ZONES = {**zones, "gdpr": "Europe/Dublin"}
    dublin = ZoneInfo("Europe/Dublin")
    due = deadlines.due_at(Regime.GDPR, at(2026, 1, 31, 23, 30, tz=dublin))
    assert due == dt.datetime(2026, 2, 28, 23, 59, 59, tzinfo=dublin)
