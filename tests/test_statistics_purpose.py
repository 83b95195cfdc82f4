"""Statistics that identify no one (APPI art. 17(1), 21(1); GDPR art. 21(1), 89):
the policy's statistics on age distribution, hobbies and usage history is a seeded
purpose customers can see and withdraw, and the anonymised report counts usage
history only for those who did not withdraw it, never in a cell below k."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from consent import services
from consent.models import ConsentRecord, Purpose
from portal.kernel.models import Profile
from rights.reports import customer_statistics
from tests.consent_support import BROWSER
from tests.factories import UsageRecordFactory, UserFactory

pytestmark = pytest.mark.django_db


def _customers(n, *, gender, activity=None, days_ago=3):
    users = [UserFactory() for _ in range(n)]
    Profile.objects.bulk_create(
        Profile(user=u, full_name="x", date_of_birth=dt.date(1990, 5, 1), gender=gender)
        for u in users
    )
    if activity:
        for user in users:
            UsageRecordFactory(
                user=user,
                activity=activity,
                occurred_at=timezone.now() - dt.timedelta(days=days_ago),
            )
    return users


def test_statistics_purpose_is_seeded_optional_and_used_until_withdrawn_gdpr_art_21():
    """GDPR art. 21(1), APPI art. 21(1): the published purpose exists, is optional, asks
    no consent (statistics identify no one) and stops for a customer who withdraws it."""
    statistics = Purpose.objects.get(code="statistics")
    assert not statistics.is_required and statistics.is_opt_out
    assert "usage history" in statistics.description_en
    customer = UserFactory()
    assert services.may_use(customer, "statistics")
    services.consent_update(
        subject=customer,
        choices={statistics: False},
        method=ConsentRecord.Method.DASHBOARD,
    )
    assert not services.may_use(customer, "statistics")
    assert ConsentRecord.objects.get(subject=customer).action == ConsentRecord.Action.WITHDRAWN


def test_the_consent_page_shows_statistics_ticked_and_withdrawing_it_sticks_gdpr_art_21(
    stepped_up_client, customer
):
    """GDPR art. 21(1): the customer sees the purpose ticked on the consent page and
    withdraws it by unticking; sign-up does not ask for it."""
    page = stepped_up_client.get("/consent/", HTTP_USER_AGENT=BROWSER)
    assert page.context["form"]["purpose_statistics"].value() is True
    stepped_up_client.post("/consent/", {}, HTTP_USER_AGENT=BROWSER)
    assert not services.may_use(customer, "statistics")
    page = stepped_up_client.get("/consent/", HTTP_USER_AGENT=BROWSER)
    assert page.context["form"]["purpose_statistics"].value() is False
    stepped_up_client.logout()
    signup = stepped_up_client.get("/accounts/signup/")
    assert "purpose_statistics" not in signup.context["form"].fields


def test_usage_history_statistics_are_k_anonymous_and_leave_out_withdrawals_appi_art_21():
    """APPI art. 21(1), GDPR art. 89: customers are counted by what they did in the last
    12 months; a cell under k is suppressed with its complement; usage older than that
    counts as no usage; a customer who withdrew statistics is not counted."""
    women = _customers(11, gender="female", activity="view")
    _customers(10, gender="male", activity="view")
    _customers(10, gender="female", activity="call", days_ago=500)
    services.consent_update(
        subject=women[0],
        choices={Purpose.objects.get(code="statistics"): False},
        method=ConsentRecord.Method.DASHBOARD,
    )
    table = customer_statistics.cross_table("usage_activity", "gender", k=10)
    assert table.cells["view", "female"] == 10  # the one who withdrew is left out
    assert table.cells["view", "male"] == 10
    assert table.cells["unknown", "female"] == 10  # only usage older than 12 months

    _customers(3, gender="male", activity="call")
    table = customer_statistics.cross_table("usage_activity", "gender", k=10)
    assert table.cells["call", "male"] is None  # 3 < k
    published = [v for v in [*table.cells.values(), *table.row_totals.values()] if v is not None]
    assert all(v == 0 or v >= 10 for v in published)
    with translation.override("en"):
        labels = customer_statistics.value_labels("usage_activity")
    assert labels["view"] == "Viewed content" and labels["unknown"] == "no usage"


@pytest.mark.parametrize(
    ("language", "label", "not_said"),
    [
        ("ja", "次の目的での利用を続ける：", "同意します"),
        ("en", "Keep using my data for: ", "consent"),
    ],
)
def test_the_statistics_checkbox_does_not_speak_of_consent(
    stepped_up_client, customer, language, label, not_said
):
    """APPI art. 21(1), GDPR art. 21(1): statistics are used until the customer stops
    them, asking no consent; the box read 次の目的での利用に同意します (I consent to)."""
    stepped_up_client.cookies["django_language"] = language
    page = stepped_up_client.get("/consent/", HTTP_USER_AGENT=BROWSER)
    shown = str(page.context["form"]["purpose_statistics"].label)
    assert shown.startswith(label)
    assert not_said not in shown
    consent_purposes = [name for name in page.context["form"].fields if name.startswith("purpose_")]
    assert len(consent_purposes) > 1  # the others are asked as consent, as before
