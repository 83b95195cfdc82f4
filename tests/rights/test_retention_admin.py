"""Retention in the admin: rules, holds placed and released, runs, a subject's held data."""

import datetime as dt
import io

import pytest
import time_machine

from portal.kernel.models import AuditEvent
from rights.models import DeferredErasure, LegalHold, RetentionRule, RetentionRun
from rights.retention import jobs
from tests.conftest import admin_login

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db


def test_the_retention_screens_open(officer_client):
    jobs.run_sweep(dry_run=True)
    for url in (
        "/admin/rights/retentionrule/",
        "/admin/rights/legalhold/",
        "/admin/rights/legalhold/add/",
        "/admin/rights/deferrederasure/",
        "/admin/rights/retentionrun/",
        f"/admin/rights/retentionrun/{RetentionRun.objects.get().pk}/change/",
        "/admin/rights/erasureledgerentry/",
    ):
        assert officer_client.get(url).status_code == 200, url


def test_a_rule_shows_how_customers_read_it(officer_client):
    """Corporation Tax Act Enforcement Regulations art. 59, as the customer reads it."""
    rule = RetentionRule.objects.get(code="tax-records")
    html = officer_client.get(f"/admin/rights/retentionrule/{rule.pk}/change/").content.decode()
    assert "Enforcement Regulations art. 59" in html
    assert "portal.invoice" in html  # the sources that name the code


def test_staff_place_and_release_a_hold_with_reasons(officer_client, officer, customer):
    response = officer_client.post(
        "/admin/rights/legalhold/add/",
        {
            "subject": customer.pk,
            "categories": ["usage", "transactions"],
            "reason": "Claim filed at the Tokyo District Court",
            "legal_basis": "GDPR art. 17(3)(e)",
            "starts_on": "2026-07-01",
            "ends_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = LegalHold.objects.get()
    assert hold.placed_by == officer and hold.ends_on is None
    assert sorted(hold.categories) == ["transactions", "usage"]
    assert AuditEvent.objects.filter(action="hold.placed", subject_id=customer.pk).exists()

    # A record that is not one of the customer's listed records is refused.
    bad = officer_client.post(
        "/admin/rights/legalhold/add/",
        {
            "subject": customer.pk,
            "records": "portal.nothing:1",
            "reason": "x",
            "legal_basis": "y",
            "starts_on": "2026-07-01",
        },
    )
    assert bad.status_code == 200 and LegalHold.objects.count() == 1

    url = f"/admin/rights/legalhold/{hold.pk}/release/"
    officer_client.post(url, {"reason": ""})
    hold.refresh_from_db()
    assert hold.released_at is None
    officer_client.post(url, {"reason": "Settled out of court", "confirm": "1"})
    hold.refresh_from_db()
    assert hold.released_at and hold.released_by == officer
    assert hold.release_reason == "Settled out of court"
    assert not LegalHold.objects.active().exists()
    # Releasing it again says so and keeps the first release and its reason.
    officer_client.cookies["django_language"] = "en"
    again = officer_client.post(url, {"reason": "Another reason", "confirm": "1"}, follow=True)
    assert any("already released" in str(m) for m in again.context["messages"])
    hold.refresh_from_db()
    assert hold.release_reason == "Settled out of court"


def test_the_subject_page_shows_what_is_held_and_until_when(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """Companies Act art. 432(2): the invoices kept from a deletion, and the day they go."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        request = file_deletion(customer, categories=["transactions"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
        LegalHold.objects.create(
            subject=customer,
            reason="Audit by the tax office",
            legal_basis="Order of the tax office",
            ends_on=dt.date(2027, 3, 31),
            placed_by=officer,
        )
        html = officer_client.get(f"/admin/portal/user/{customer.pk}/personal-data/").content
    html = html.decode()  # the officer works in Japanese
    assert "保存中のデータと保留中の消去" in html
    assert "Order of the tax office" in html and "2027年3月31日" in html
    assert "2036年3月31日" in html and "会社法第432条第2項" in html
    assert DeferredErasure.objects.filter(subject=customer, status="pending").exists()


def test_a_hold_that_starts_later_is_not_shown_in_force(officer_client, officer, customer):
    from rights.retention.holds.services import hold_place

    later = dt.date.today() + dt.timedelta(days=365)
    hold = hold_place(
        actor=officer,
        reason="Order effective next year",
        legal_basis="Court order",
        subject=customer,
        starts_on=later,
    )
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get("/admin/rights/legalhold/").content.decode()
    assert "Starts on" in page and 'class="rt-held"' not in page
    upcoming = officer_client.get("/admin/rights/legalhold/?state=upcoming")
    assert [h.pk for h in upcoming.context["cl"].result_list] == [hold.pk]
    active = officer_client.get("/admin/rights/legalhold/?state=active")
    assert list(active.context["cl"].result_list) == []


@pytest.mark.parametrize("query", ["state=active", "_facets=True"])
def test_a_handler_filters_the_holds_in_force(client, handler, officer, customer, query):
    from rights.retention.holds.services import hold_place

    hold_place(actor=officer, reason="Claim", legal_basis="Court order", subject=customer)
    admin_login(client, handler)
    response = client.get(f"/admin/rights/legalhold/?{query}")
    assert response.status_code == 200


def test_a_hold_that_would_keep_nothing_is_refused_with_a_message(officer_client, customer):
    officer_client.cookies["django_language"] = "en"
    form = {
        "subject": customer.pk,
        "categories": ["usage"],
        "reason": "Claim filed at the Tokyo District Court",
        "legal_basis": "GDPR art. 17(3)(e)",
        "starts_on": "2019-01-01",
        "ends_on": "2020-01-01",
    }
    ended = officer_client.post("/admin/rights/legalhold/add/", form)
    assert ended.status_code == 200
    assert "would have ended already" in ended.content.decode()
    assert not LegalHold.objects.exists()

    open_ended = {**form, "starts_on": dt.date.today().isoformat(), "ends_on": ""}
    assert officer_client.post("/admin/rights/legalhold/add/", open_ended).status_code == 302
    first = LegalHold.objects.get()
    again = officer_client.post("/admin/rights/legalhold/add/", open_ended)
    assert again.status_code == 200
    assert f"{first} already keeps the same data for as long." in again.content.decode()
    # Other data, or a wider period, is another hold.
    other = {**open_ended, "categories": ["usage", "transactions"]}
    assert officer_client.post("/admin/rights/legalhold/add/", other).status_code == 302
    assert LegalHold.objects.count() == 2


def test_a_run_page_reads_in_local_time_and_names_its_rules_and_sources(officer_client):
    """The run's title said the UTC time (the day before, early in a Tokyo morning) beside
    its local start; its counts listed bare codes with no column headings."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=2)
        customer.service_registrations.update(ended_on=dt.date(2026, 7, 31))
    with time_machine.travel(at(2029, 1, 1, 3), tick=False):  # 18:00 UTC on 31 December
        run = jobs.run_sweep()
    assert run.counts == {"usage-log": {"portal.usagerecord": 2}}
    officer_client.cookies["django_language"] = "ja"
    html = officer_client.get(f"/admin/rights/retentionrun/{run.pk}/change/").content.decode()
    assert "2029-01-01 03:00" in html and "2028-12-31 18:00" not in html
    assert '<th scope="col">ルールまたは理由</th>' in html
    assert "利用履歴（usage-log）" in html  # the rule's name, then its code
    assert "利用履歴（portal.usagerecord）" in html  # the source's label, then its key


@pytest.mark.parametrize(
    ("language", "period", "starts"),
    [
        (
            "en",
            "7 years (10 years for fiscal years with a loss carried forward)",
            "2 months after: End of the fiscal year of the record",
        ),
        (
            "ja",
            "7年間（欠損金の繰越しがある事業年度は10年間）",
            "記録の属する事業年度の終了の2か月後",
        ),
    ],
)
def test_the_list_of_rules_gives_the_whole_period(officer_client, language, period, starts):
    """Corporation Tax Act Enforcement Regulations art. 59: the list said "7 years" from
    "the end of the fiscal year", without the two months or the ten loss years."""
    import re

    officer_client.cookies["django_language"] = language
    html = officer_client.get("/admin/rights/retentionrule/").content.decode()
    row = next(r for r in html.split("<tr")[1:] if "tax-records" in r)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", "<td" + c).split()) for c in row.split("<td")[1:]]
    assert period in cells
    assert starts in cells


@pytest.mark.parametrize(
    ("language", "label", "yes", "no", "help_text"),
    [
        (
            "en",
            "Dry run",
            "yes",
            "no",
            "A dry run only counts what would be erased; it changes nothing.",
        ),
        ("ja", "試行", "はい", "いいえ", "試行では消去の対象を数えるだけで、何も変更しません。"),
    ],
)
def test_a_run_s_page_says_whether_it_was_a_dry_run(
    officer_client, language, label, yes, no, help_text
):
    """The page gave only an icon and, under it, "changed nothing" as if it were the
    value, on a run that had erased records too."""
    import re

    officer_client.cookies["django_language"] = language
    for dry_run, answer in ((True, yes), (False, no)):
        run = jobs.run_sweep(dry_run=dry_run)
        html = officer_client.get(f"/admin/rights/retentionrun/{run.pk}/change/").content.decode()
        row = re.search(
            rf"<label>{label}[:：]</label>\s*<div class=\"readonly\">(.*?)</div>.*?"
            r"<div class=\"help\">\s*<div>(.*?)</div>",
            html,
            re.S,
        )
        assert row is not None, html
        assert (row[1].strip(), row[2].strip()) == (answer, help_text)


@pytest.mark.parametrize(
    ("language", "hand", "beat"),
    [
        ("en", "By hand (not the beat)", "Schedule (beat)"),
        ("ja", "手動（beat以外）", "定期実行（beat）"),
    ],
)
def test_the_list_of_runs_tells_a_run_started_by_hand_from_the_beat_s(
    officer_client, language, hand, beat
):
    from rights.tasks import retention_sweep

    retention_sweep.apply()
    officer_client.cookies["django_language"] = language
    html = officer_client.get("/admin/rights/retentionrun/").content.decode()
    assert hand in html and beat not in html


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("run_retention", "コマンド（run_retention）"),
        ("reapply_erasures", "コマンド（reapply_erasures）"),
    ],
)
def test_a_run_started_by_a_command_names_that_command(officer_client, command, shown, tmp_path):
    """After a restore the officer looks for the reapply_erasures run: the list names
    the command each run came from."""
    from django.core.management import call_command

    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text("")
    arguments = ["--ledger", str(ledger)] if command == "reapply_erasures" else []
    call_command(command, *arguments, stdout=io.StringIO())
    officer_client.cookies["django_language"] = "ja"
    html = officer_client.get("/admin/rights/retentionrun/").content.decode()
    assert shown in html


def test_the_subject_page_offers_to_place_a_hold_only_to_who_may_place_one(
    client, officer_client, handler, auditor
):
    """Handlers and auditors cannot place holds: no button that leads to a refusal."""
    customer = customer_with_records()
    customer.service_registrations.get().service.handlers.add(handler)
    url = f"/admin/portal/user/{customer.pk}/personal-data/"
    place = f"/admin/rights/legalhold/add/?subject={customer.pk}"
    assert place in officer_client.get(url).content.decode()
    for user in (handler, auditor):
        client.logout()
        admin_login(client, user)
        page = client.get(url)
        assert page.status_code == 200
        assert place not in page.content.decode()
        assert client.get(place).status_code == 403


def test_the_erasure_ledger_names_its_columns_in_the_reader_s_language(officer_client, customer):
    from rights.models import ErasureLedgerEntry

    ErasureLedgerEntry.objects.create(
        subject=customer,
        source="portal.invoice",
        category="transactions",
        reason="deletion",
        count=1,
    )
    page = officer_client.get("/admin/rights/erasureledgerentry/").content.decode()
    assert "Subject id" not in page
    assert "お客様番号" in page and f">{customer.pk}<" in page


RULE_FORM = {
    "code": "litigation-evidence",
    "name": "訴訟証拠書類",
    "name_en": "Litigation evidence",
    "category": "communications",
    "trigger": "record_date",
    "trigger_offset_months": "0",
    "period_years": "5",
    "period_months": "0",
    "period_days": "0",
    "obligation": "on",
    "erase_when_expired": "on",
    "statute": "民事訴訟法第220条",
    "statute_en": "Code of Civil Procedure art. 220",
    "legal_basis": "訴訟の証拠として保存します。",
    "legal_basis_en": "Kept as evidence for litigation.",
}


@pytest.mark.parametrize(
    ("language", "warning"),
    [
        ("en", "keeps and erases nothing until"),
        ("ja", "このルールで保存・消去されるデータはありません"),
    ],
)
def test_a_rule_no_personal_data_names_is_saved_with_a_warning(officer_client, language, warning):
    """A new rule applies only to the sources whose declaration names its code; saved
    with a code none names, it changed nothing (neither the sweep nor a deletion reads
    it) and the officer was told only that it was added."""
    officer_client.cookies["django_language"] = language
    response = officer_client.post("/admin/rights/retentionrule/add/", RULE_FORM, follow=True)
    assert RetentionRule.objects.filter(code="litigation-evidence").exists()
    shown = [str(m) for m in response.context["messages"]]
    assert any(warning in m for m in shown), shown

    # A rule a source names is saved without it.
    rule = RetentionRule.objects.get(code="usage-log")
    response = officer_client.post(
        f"/admin/rights/retentionrule/{rule.pk}/change/",
        {**RULE_FORM, "code": "usage-log", "category": "usage", "obligation": ""},
        follow=True,
    )
    assert not any(warning in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("field", ["period_years", "period_months", "period_days"])
def test_a_negative_period_is_refused_with_its_one_true_error(officer_client, field):
    """A rule kept for -1 years (Corporation Tax Act enforcement regulations art. 59
    counts years forward) is refused for the sign alone, not also asked for a period
    the officer did give."""
    officer_client.cookies["django_language"] = "en"
    periods = {"period_years": "0", "period_months": "0", "period_days": "0", field: "-1"}
    response = officer_client.post("/admin/rights/retentionrule/add/", {**RULE_FORM, **periods})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert not RetentionRule.objects.filter(code="litigation-evidence").exists()
    assert list(errors) == [field], errors
    (message,) = errors[field]
    assert "greater than or equal to 0" in message
