"""Deadlines at their edges, property-based (hypothesis, derandomised by the "ci" profile):
any moment of receipt (month ends, 29 February, the hours where the customer's day is
not UTC's, the switches to and from summer time), in the requester's time zone.

- APPI arts. 33(3), 34(3), 35(7) and 39: 14 days from the day of receipt; a wait for the
  person (identity, fee, clarification) moves the deadline by its length.
- GDPR art. 12(3): one calendar month (31 January: 28/29 February), extendable to three
  months from receipt, told within the first month; the clock waits for identity or a fee.
- CCPA regs §7021: 45 days, one extension to 90, told within the first 45; receipt
  confirmed within 10 business days; the 45 days run whatever verification takes.
"""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from rights import deadlines
from rights.choices import Kind, PauseReason, Regime
from rights.deadlines import ExtensionNotAllowed, Pause

EXAMPLES = settings(max_examples=300, deadline=None)

ZONES = st.sampled_from(
    [
        "Asia/Tokyo",
        "Europe/Berlin",
        "America/Los_Angeles",
        "Pacific/Kiritimati",  # UTC+14: a day ahead of UTC most of the time
        "Pacific/Pago_Pago",  # UTC-11
        "Australia/Lord_Howe",  # a half-hour summer time
    ]
)
REGIMES = st.sampled_from([Regime.APPI, Regime.GDPR, Regime.CCPA])
UTC = dt.UTC


def _edgy_moments():
    """Any moment in 2023-2030, and more often the last and first hours of a month and
    the days around 29 February."""
    anywhere = st.datetimes(
        min_value=dt.datetime(2023, 1, 1), max_value=dt.datetime(2030, 12, 31)
    ).map(lambda moment: moment.replace(tzinfo=UTC))
    month_edge = st.builds(
        lambda year, month, hours: (
            dt.datetime(year, month, 1, tzinfo=UTC) + dt.timedelta(hours=hours)
        ),
        st.integers(2023, 2030),
        st.integers(1, 12),
        st.integers(-40, 40),
    )
    leap = st.builds(
        lambda year, hours: dt.datetime(year, 2, 29, 12, tzinfo=UTC) + dt.timedelta(hours=hours),
        st.sampled_from([2024, 2028]),
        st.integers(-60, 60),
    )
    return st.one_of(anywhere, month_edge, leap)


MOMENTS = _edgy_moments()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _expected_day(regime: str, received_on: dt.date) -> dt.date:
    if regime == Regime.GDPR:
        return _add_months(received_on, 1)
    if regime == Regime.CCPA:
        return received_on + dt.timedelta(days=45)
    return received_on + dt.timedelta(days=14)


@EXAMPLES
@given(regime=REGIMES, received=MOMENTS, tz=ZONES)
def test_the_deadline_is_the_end_of_the_right_day_where_the_requester_is_gdpr_art_12_3(
    regime, received, tz
):
    """The day of receipt is the requester's; the deadline is the end of the last day there."""
    zone = ZoneInfo(tz)
    received_on = received.astimezone(zone).date()
    due = deadlines.due_at(regime, received, kind=Kind.DISCLOSURE, tz=tz).astimezone(zone)
    assert due.date() == _expected_day(regime, received_on)
    assert due.time() == dt.time(23, 59, 59)
    assert due > received


@EXAMPLES
@given(
    regime=REGIMES,
    received=MOMENTS,
    tz=ZONES,
    waits=st.lists(
        st.tuples(
            st.integers(0, 20 * 24 * 60),
            st.integers(1, 30 * 24 * 60),
            st.sampled_from(list(PauseReason.values)),
        ),
        max_size=3,
    ),
)
def test_a_wait_for_the_person_moves_the_deadline_by_its_length_but_not_under_ccpa_7021(
    regime, received, tz, waits
):
    """APPI and GDPR art. 12(3), (5), (6): the clock waits for the person, by exactly the
    time waited; CCPA §7021(b): the 45 days run whatever the wait."""
    pauses, start = [], received
    for gap, length, reason in waits:
        start += dt.timedelta(minutes=gap)
        end = start + dt.timedelta(minutes=length)
        pauses.append(Pause(started_at=start, ended_at=end, reason=reason))
        start = end
    waited = sum((p.ended_at - p.started_at for p in pauses), dt.timedelta())
    base = deadlines.due_at(regime, received, kind=Kind.DISCLOSURE, tz=tz)
    due = deadlines.due_at(regime, received, kind=Kind.DISCLOSURE, pauses=pauses, now=start, tz=tz)
    if regime == Regime.CCPA:
        assert due == base
    else:
        assert due.astimezone(UTC) - base.astimezone(UTC) == waited


@EXAMPLES
@given(
    regime=st.sampled_from([Regime.GDPR, Regime.CCPA]),
    received=MOMENTS,
    tz=ZONES,
    told_after=st.floats(0, 1),
)
def test_the_longest_extension_told_within_the_first_period_gdpr_art_12_3_ccpa_7021(
    regime, received, tz, told_after
):
    """GDPR: up to three months from receipt; CCPA: up to 90 days, once. Told within the
    first period it is allowed to the last day and not a day more; told a second after
    the first period ends it is refused."""
    zone = ZoneInfo(tz)
    received_on = received.astimezone(zone).date()
    first = deadlines.due_at(regime, received, kind=Kind.DISCLOSURE, tz=tz)
    now = received + (first - received) * told_after
    last_day = (
        _add_months(received_on, 3)
        if regime == Regime.GDPR
        else received_on + dt.timedelta(days=90)
    )
    last = dt.datetime.combine(last_day, dt.time(12), tzinfo=zone)

    def extend(new_deadline, *, at, extended_to=None):
        return deadlines.check_extension(
            regime,
            received,
            kind=Kind.DISCLOSURE,
            extended_to=extended_to,
            new_deadline=new_deadline,
            reason="Many systems to search",
            now=at,
            tz=tz,
        )

    extended = extend(last, at=now)
    assert extended.astimezone(zone).date() == last_day
    assert extended.astimezone(zone).time() == dt.time(23, 59, 59)
    with pytest.raises(ExtensionNotAllowed):
        extend(last + dt.timedelta(days=1), at=now)
    with pytest.raises(ExtensionNotAllowed, match="Too late"):
        extend(last, at=first + dt.timedelta(seconds=1))
    if regime == Regime.CCPA:
        halfway = first + (extended - first) / 2
        with pytest.raises(ExtensionNotAllowed, match="one extension only"):
            extend(last, at=now, extended_to=halfway)


@EXAMPLES
@given(received=MOMENTS, tz=ZONES)
def test_ccpa_7021_receipt_is_confirmed_within_10_business_days(received, tz):
    """The 10th business day after the day of receipt where the requester is: weekends
    and US public holidays do not count; the day itself is a business day."""
    zone = ZoneInfo(tz)
    received_on = received.astimezone(zone).date()
    due = deadlines.acknowledgement_due(Regime.CCPA, received, tz=tz).astimezone(zone)
    between = [
        received_on + dt.timedelta(days=n) for n in range(1, (due.date() - received_on).days + 1)
    ]
    business = [d for d in between if deadlines.is_business_day(d, Regime.CCPA)]
    assert len(business) == 10 and business[-1] == due.date()
    assert due.time() == dt.time(23, 59, 59)
    assert deadlines.acknowledgement_due(Regime.APPI, received, tz=tz) is None
