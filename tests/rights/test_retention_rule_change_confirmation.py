"""A change to a retention rule that makes records expire at once is confirmed first.

APPI art. 22 / GDPR art. 5(1)(e): data past its period is erased by the nightly sweep.
A rule applies as soon as it is saved, so shortening a period with "erase when expired"
let the next sweep erase everything now past the shorter period, without a word. The
admin now counts those records with the sweep's dry run, per source, and saves only
when the officer confirms; a change that makes nothing newly expire saves as before.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.kernel.dates import portal_day
from portal.kernel.models import AuditEvent
from portal.records.models import Invoice, UsageRecord
from rights.models import RetentionRule, RetentionRun
from tests.factories import ServiceFactory

from .retention_support import customer_with_records, former_customers

pytestmark = pytest.mark.django_db

FORM_FIELDS = [
    "name",
    "name_en",
    "category",
    "trigger",
    "trigger_offset_months",
    "period_years",
    "period_months",
    "period_days",
    "loss_year_period_years",
    "statute",
    "statute_en",
    "legal_basis",
    "legal_basis_en",
]


def _form(rule: RetentionRule, **changes) -> dict:
    data = {
        name: "" if getattr(rule, name) is None else str(getattr(rule, name))
        for name in FORM_FIELDS
    }
    if rule.obligation:
        data["obligation"] = "on"
    if rule.erase_when_expired:
        data["erase_when_expired"] = "on"
    data["_save"] = "Save"
    return {**data, **changes}


@pytest.fixture
def usage_log():
    """Usage history kept 2 years after the registration ends: two former customers
    whose registration ended a year ago (kept for now), one whose ended long ago
    (already past the period, erased by the next sweep whatever the rule says now)."""
    service = ServiceFactory(code="video")
    a_year_ago = portal_day() - dt.timedelta(days=365)
    former_customers(customers=2, each=4, ended=a_year_ago, service=service)
    former_customers(customers=1, each=4, ended=dt.date(2024, 1, 31), service=service)
    return RetentionRule.objects.get(code="usage-log")


def _url(rule) -> str:
    return f"/admin/rights/retentionrule/{rule.pk}/change/"


def _confirming(response) -> dict:
    """The POST the confirmation page's button sends."""
    page = response.content.decode()
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in fields if name != "csrfmiddlewaretoken"}


def _unchanged(rule: RetentionRule) -> None:
    saved = RetentionRule.objects.get(pk=rule.pk)
    assert (saved.period_years, saved.period_months) == (2, 0)
    assert UsageRecord.objects.count() == 12
    assert not AuditEvent.objects.filter(action="retention.rule_saved").exists()
    assert not RetentionRun.objects.exists()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            [
                "Save the retention rule “usage-log”?",
                "With this change 8 records are past their retention period now: "
                "the next retention sweep erases them.",
                "Usage history: 8 records",
                "What the sweep erases cannot be restored.",
            ],
        ),
        (
            "ja",
            [
                "保存期間のルール「usage-log」を保存しますか？",
                "この変更により、8件のデータが保存期間を過ぎます。次回の保存期間チェックで消去されます。",
                "利用履歴：8件",
                "保存期間チェックで消去されたデータは復元できません。",
            ],
        ),
    ],
)
def test_shortening_a_period_is_saved_only_once_the_officer_confirms(
    officer_client, usage_log, language, said
):
    officer_client.cookies["django_language"] = language
    form = _form(usage_log, period_years="0", period_months="6")
    response = officer_client.post(_url(usage_log), form)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for text in said:
        assert text in page, text
    assert 'name="confirm" value="1"' in page
    _unchanged(usage_log)

    response = officer_client.post(_url(usage_log), _confirming(response))
    assert response.status_code == 302
    saved = RetentionRule.objects.get(pk=usage_log.pk)
    assert (saved.period_years, saved.period_months) == (0, 6)
    assert AuditEvent.objects.filter(action="retention.rule_saved").count() == 1
    assert UsageRecord.objects.count() == 12  # erased by the sweep, not by saving


def test_turning_erasure_on_counts_what_is_past_the_period_already(officer_client, usage_log):
    """With erasure off the sweep leaves expired records; turning it on erases them."""
    RetentionRule.objects.filter(pk=usage_log.pk).update(erase_when_expired=False)
    usage_log.refresh_from_db()
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(_url(usage_log), _form(usage_log, erase_when_expired="on"))
    assert response.status_code == 200
    assert "Usage history: 4 records" in html.unescape(response.content.decode())
    assert RetentionRule.objects.get(pk=usage_log.pk).erase_when_expired is False


@pytest.mark.parametrize(
    "changes",
    [
        {"period_years": "3"},  # longer: nothing expires sooner
        {"name_en": "Usage log"},  # wording only
        {"period_years": "1", "erase_when_expired": ""},  # shorter, but never erased
    ],
)
def test_a_change_that_makes_nothing_newly_expire_saves_at_once(officer_client, usage_log, changes):
    form = _form(usage_log, **changes)
    if changes.get("erase_when_expired") == "":
        del form["erase_when_expired"]
    response = officer_client.post(_url(usage_log), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="retention.rule_saved").count() == 1
    assert UsageRecord.objects.count() == 12


def test_a_source_another_rule_still_keeps_is_not_counted(officer_client):
    """Invoices are kept under the tax records rule and the accounting books rule
    (Companies Act art. 432(2), 10 years, never erased by the sweep): shortening the
    tax records rule alone lets nothing expire, so it saves at once."""
    customer_with_records(invoices=((2023, 4, 30), (2024, 4, 30)))
    rule = RetentionRule.objects.get(code="tax-records")
    response = officer_client.post(_url(rule), _form(rule, period_years="1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RetentionRule.objects.get(pk=rule.pk).period_years == 1
    assert Invoice.objects.count() == 2


def test_records_expiring_meanwhile_are_shown_again_before_anything_is_saved(
    officer_client, usage_log
):
    """The officer confirmed 8 records; meanwhile another former customer's usage passed
    the new period: the confirming POST counts again, shows 12 and saves nothing."""
    officer_client.cookies["django_language"] = "en"
    preview = officer_client.post(
        _url(usage_log), _form(usage_log, period_years="0", period_months="6")
    )
    assert "Usage history: 8 records" in html.unescape(preview.content.decode())
    former_customers(customers=1, each=4, ended=portal_day() - dt.timedelta(days=365), service=None)
    response = officer_client.post(_url(usage_log), _confirming(preview))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Usage history: 12 records" in page
    assert "The numbers changed since you saw them" in page
    saved = RetentionRule.objects.get(pk=usage_log.pk)
    assert (saved.period_years, saved.period_months) == (2, 0)
    assert not AuditEvent.objects.filter(action="retention.rule_saved").exists()

    response = officer_client.post(_url(usage_log), _confirming(response))
    assert response.status_code == 302
    assert RetentionRule.objects.get(pk=usage_log.pk).period_months == 6


def test_a_rule_another_officer_changed_meanwhile_is_shown_again(officer_client, usage_log):
    officer_client.cookies["django_language"] = "en"
    form = _form(usage_log, period_years="0", period_months="6")
    preview = officer_client.post(_url(usage_log), form)
    assert preview.status_code == 200
    RetentionRule.objects.filter(pk=usage_log.pk).update(name_en="Usage log (changed)")
    response = officer_client.post(_url(usage_log), _confirming(preview))
    assert response.status_code == 200
    assert "The numbers changed since you saw them" in html.unescape(response.content.decode())
    assert RetentionRule.objects.get(pk=usage_log.pk).period_years == 2
    assert AuditEvent.objects.filter(action="retention.rule_saved").count() == 0


def test_a_confirm_posted_without_the_page_saves_nothing(officer_client, usage_log):
    form = _form(usage_log, period_years="0", period_months="6")
    response = officer_client.post(_url(usage_log), {**form, "confirm": "1"})
    assert response.status_code == 200
    _unchanged(usage_log)


def test_the_preview_sweeps_the_rule_s_sources_once(officer_client, usage_log):
    """One dry run of the sweep per admin request: the usage table is erased (and rolled
    back) by one statement, not once for what is expired already and once more."""
    table = UsageRecord._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        response = officer_client.post(
            _url(usage_log), _form(usage_log, period_years="0", period_months="6")
        )
    assert response.status_code == 200
    erasing = [
        q["sql"] for q in queries if q["sql"].startswith("DELETE") and f'"{table}"' in q["sql"]
    ]
    assert len(erasing) == 1, erasing
    _unchanged(usage_log)
