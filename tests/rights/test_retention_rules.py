"""Retention rules: the seeded rules, their dates, and the periods shown on "my data"."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import translation

from portal.kernel.registry import registry
from rights.models import RetentionRule
from rights.retention import periods as dates
from rights.retention.texts import retention_text

pytestmark = pytest.mark.django_db


def test_every_retention_code_the_declarations_use_has_a_seeded_rule():
    """Each code named by ``retention=`` in */personal_data.py is a rule with a period."""
    codes = {code for source in registry.sources() for code in source.retention_codes}
    seeded = set(RetentionRule.objects.values_list("code", flat=True))
    assert codes <= seeded, codes - seeded
    assert {"tax-records", "accounting-books", "provision-record"} <= seeded


def test_statutory_rules_name_their_law():
    """docs/legal.md: Corporation Tax Act art. 59 regs (7 / 10 years), Companies Act art. 432(2)
    (10 years), APPI art. 29 (3 years)."""
    tax = RetentionRule.objects.get(code="tax-records")
    assert (tax.period_years, tax.loss_year_period_years, tax.trigger_offset_months) == (7, 10, 2)
    assert tax.obligation and "Enforcement Regulations art. 59" in tax.statute_en
    books = RetentionRule.objects.get(code="accounting-books")
    assert books.period_years == 10 and "432(2)" in books.statute_en
    provision = RetentionRule.objects.get(code="provision-record")
    assert provision.period_years == 3 and "art. 29" in provision.statute_en
    usage = RetentionRule.objects.get(code="usage-log")
    assert usage.trigger == "registration_end" and not usage.obligation


def test_records_of_receipt_are_kept_3_years_under_appi_art_30():
    """APPI art. 30(4): a record of receipt from a third party is kept 3 years from its
    date, under a rule naming art. 30, and the sweep may erase it after that."""
    rule = RetentionRule.objects.get(code="receipt-record")
    assert (rule.period_years, rule.trigger) == (3, "record_date")
    assert rule.obligation and rule.erase_when_expired
    assert "art. 30" in rule.statute_en and "第30条" in rule.statute
    assert registry.source("consent.receiptrecord").retention == "receipt-record"


def test_invoice_dates_follow_the_fiscal_year():
    """Corporation Tax Act: 7 years from two months after the fiscal year's end (March)."""
    tax = RetentionRule.objects.get(code="tax-records")
    kept = dates.record_keep_until(dt.date(2025, 4, 30), tax, end_month=3)
    assert kept == dt.date(2033, 5, 31)
    assert dates.record_keep_until(dt.date(2026, 3, 31), tax, end_month=3) == kept
    assert dates.record_keep_until(dt.date(2026, 4, 1), tax, end_month=3) == dt.date(2034, 5, 31)
    # A fiscal year with a loss carried forward: 10 years.
    assert dates.record_keep_until(
        dt.date(2025, 4, 30), tax, end_month=3, loss_years={2026}
    ) == dt.date(2036, 5, 31)
    # A company whose fiscal year ends in December.
    assert dates.record_keep_until(dt.date(2025, 4, 30), tax, end_month=12) == dt.date(2033, 2, 28)


@pytest.mark.parametrize(
    "period",
    [
        dates.Period(years=7, offset_months=2),
        dates.Period(months=1),
        dates.Period(months=24),
        dates.Period(years=1, months=1, days=3),
        dates.Period(days=30),
    ],
)
def test_the_sweeps_cutoffs_never_erase_a_day_early(period):
    """For every day of four years: a record the cutoff lets go is past its last day."""
    start = dt.date(2023, 1, 1)
    events = [start + dt.timedelta(days=n) for n in range(0, 1500, 3)]
    for offset in range(0, 1500, 7):
        today = start + dt.timedelta(days=offset) + dates.Period(years=3).delta
        cutoff = dates.event_cutoff(today, period)
        fiscal = dates.fiscal_record_cutoff(today, period, 3)
        for event in events:
            if event < cutoff:
                assert dates.keep_until(event, period) < today, (event, today)
            if event <= fiscal:
                assert dates.keep_until(dates.fiscal_year_end(event, 3), period) < today
            if dates.keep_until(event, period) < today - dt.timedelta(days=3):
                # ... and lets go of what has ended (month-end clamps aside).
                assert event < cutoff, (event, today)


def test_my_data_shows_each_rules_period_in_the_customers_language():
    with translation.override("en"):
        assert retention_text("usage-log") == (
            "Kept for 2 years after your registration with the service ends, then erased."
        )
        tax = retention_text("tax-records")
        assert tax.startswith("Kept for 7 years from 2 months after the end of the fiscal year")
        assert "10 years for fiscal years with a loss carried forward" in tax
        assert tax.endswith(
            "as required by Corporation Tax Act art. 126, Enforcement Regulations art. 59."
        )
        assert retention_text("request-log").startswith("Kept for 24 months from the date")
        assert retention_text("payment-method") == (
            "Kept until your account is closed, then erased."
        )
    with translation.override("ja"):
        assert "法人税法施行規則第59条" in retention_text("tax-records")
        assert "事業年度終了の2か月後から7年間" in retention_text("tax-records")
        assert retention_text("usage-log") == "サービスの登録終了後2年間保存し、その後消去します。"
    assert retention_text("no-such-code") is None


@override_settings(RIGHTS_FISCAL_YEAR_END_MONTH=12)
def test_fiscal_year_end_is_a_setting():
    from rights.retention.holds.selectors import fiscal_end_month

    assert fiscal_end_month() == 12


def test_every_seeded_rule_is_valid_as_staff_would_save_it():
    for rule in RetentionRule.objects.all():
        rule.full_clean()


def _form_data(rule: RetentionRule, **changes) -> dict:
    from django.forms.models import model_to_dict

    data = {k: "" if v is None else v for k, v in model_to_dict(rule).items()}
    data["categories"] = "\n".join(rule.categories or []) if "categories" in data else ""
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period_years": "99999999999"}, "period_years"),
        ({"period_years": "101"}, "period_years"),
        ({"period_days": "99999"}, "period_days"),
        (
            {
                "obligation": "on",
                "statute": "",
                "statute_en": "",
                "legal_basis": "",
                "legal_basis_en": "",
            },
            "statute",
        ),
    ],
)
def test_a_rule_staff_cannot_mean_is_refused_and_nothing_changes(officer_client, changes, field):
    """An absurd period made the retention sweep fail with an OverflowError."""
    rule = RetentionRule.objects.get(code="usage-log")
    before = RetentionRule.objects.values().get(pk=rule.pk)
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        f"/admin/rights/retentionrule/{rule.pk}/change/", _form_data(rule, **changes)
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert RetentionRule.objects.values().get(pk=rule.pk) == before


@pytest.mark.parametrize(
    ("code", "changes"),
    [
        # Loss years keep records longer (Corporation Tax Act: 10 years, not 7): a shorter
        # loss-year period would let a deletion erase them before the ordinary period ends.
        ("tax-records", {"loss_year_period_years": "3"}),
        # Only a fiscal-year rule has loss years; elsewhere the number would mean nothing.
        ("usage-log", {"loss_year_period_years": "10"}),
    ],
)
def test_a_loss_year_period_that_would_erase_early_or_means_nothing_is_refused(
    officer_client, code, changes
):
    rule = RetentionRule.objects.get(code=code)
    before = RetentionRule.objects.values().get(pk=rule.pk)
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        f"/admin/rights/retentionrule/{rule.pk}/change/", _form_data(rule, **changes)
    )
    assert response.status_code == 200
    assert "loss_year_period_years" in response.context["adminform"].form.errors
    assert RetentionRule.objects.values().get(pk=rule.pk) == before


def test_a_sensible_change_of_a_rule_is_saved(officer_client):
    rule = RetentionRule.objects.get(code="usage-log")
    response = officer_client.post(
        f"/admin/rights/retentionrule/{rule.pk}/change/", _form_data(rule, period_years="3")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.period_years == 3


def test_a_change_of_a_rule_is_in_the_audit_trail_with_the_fields_changed(officer_client, officer):
    from portal.kernel.models import AuditEvent

    rule = RetentionRule.objects.get(code="usage-log")
    officer_client.post(
        f"/admin/rights/retentionrule/{rule.pk}/change/", _form_data(rule, period_years="3")
    )
    event = AuditEvent.objects.get(action="retention.rule_saved")
    assert event.actor == officer
    # The value before and after: nothing else keeps how long the rule kept data before.
    assert event.details == {
        "created": False,
        "code": "usage-log",
        "fields": ["period_years"],
        "changes": {"period_years": [2, 3]},
    }


def test_a_legal_obligation_without_a_period_is_refused(officer_client):
    """Tax records kept "7 years" under an obligation were saved as kept for 0 years:
    the sweep would then erase what the law requires to be kept."""
    rule = RetentionRule.objects.get(code="tax-records")
    before = RetentionRule.objects.values().get(pk=rule.pk)
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        f"/admin/rights/retentionrule/{rule.pk}/change/",
        _form_data(rule, period_years="0", period_months="0", period_days="0"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "period_years" in errors
    assert "give it in years, months or days" in " ".join(errors["period_years"])
    assert RetentionRule.objects.values().get(pk=rule.pk) == before
