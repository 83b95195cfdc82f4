"""Consent records are kept while the consent is relied on (GDPR art. 7(1)).

The controller must be able to demonstrate the consent it relies on, so the
retention sweep keeps a grant while it is the customer's current choice and
counts the rule's 3 years from the moment it was withdrawn or replaced; it
never changes what ``may_use`` answers.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from consent.models import ConsentRecord
from consent.services import may_use
from consent.services.consents import consent_update
from rights.models import AccountClosure, DeferredErasure, RetentionRule
from rights.retention import jobs
from rights.retention.texts import retention_sentence
from tests.consent_support import purpose
from tests.factories import UserFactory

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

TODAY = at(2026, 7, 1)
DASHBOARD = ConsentRecord.Method.DASHBOARD


def _choose(subject, granted: bool, when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        consent_update(subject=subject, choices={purpose("marketing"): granted}, method=DASHBOARD)


def _actions(subject) -> list[str]:
    return list(
        ConsentRecord.objects.filter(subject=subject)
        .order_by("created_at")
        .values_list("action", flat=True)
    )


def test_gdpr_art_7_1_the_sweep_keeps_a_current_grant_and_may_use_does_not_change():
    """GDPR art. 7(1): a grant given six years ago and never withdrawn is the consent
    relied on today; the sweep keeps it and ``may_use`` stays yes."""
    loyal = UserFactory()
    _choose(loyal, True, at(2020, 1, 10))
    regranted = UserFactory()  # granted, withdrew, granted again: all long ago
    _choose(regranted, True, at(2020, 1, 10))
    _choose(regranted, False, at(2021, 2, 1))
    _choose(regranted, True, at(2021, 6, 1))
    with time_machine.travel(TODAY, tick=False):
        before = {user: may_use(user, "marketing") for user in (loyal, regranted)}
        jobs.run_sweep()
        jobs.run_sweep()
        after = {user: may_use(user, "marketing") for user in (loyal, regranted)}
    assert before == after == {loyal: True, regranted: True}
    assert _actions(loyal) == ["granted"]
    # The replaced grant and its withdrawal are 3 years past; the current grant stays.
    assert _actions(regranted) == ["granted"]


def test_gdpr_art_7_1_proof_is_kept_3_years_after_withdrawal_then_swept():
    """GDPR art. 7(1): a withdrawn grant and the withdrawal are proof for 3 years from
    the withdrawal, not from the grant; then both go and ``may_use`` stays no."""
    recent = UserFactory()
    _choose(recent, True, at(2020, 1, 10))
    _choose(recent, False, at(2024, 3, 1))
    old = UserFactory()
    _choose(old, True, at(2020, 1, 10))
    _choose(old, False, at(2023, 6, 1))
    with time_machine.travel(TODAY, tick=False):
        jobs.run_sweep()
        jobs.run_sweep()
        assert not may_use(recent, "marketing") and not may_use(old, "marketing")
    assert _actions(recent) == ["granted", "withdrawn"]
    assert _actions(old) == []


def test_gdpr_art_7_1_a_closed_account_ends_reliance_on_its_consents():
    """GDPR art. 7(1): once the account is closed no consent is relied on; the proof
    is kept 3 years from the closure."""
    closed = UserFactory()
    _choose(closed, True, at(2020, 1, 10))
    AccountClosure.objects.create(user=closed, closed_at=at(2023, 5, 1))
    with time_machine.travel(TODAY, tick=False):
        jobs.run_sweep()
    assert _actions(closed) == []


def test_the_consent_rule_says_it_is_kept_while_in_force():
    """GDPR art. 7(1): the customer reads that proof is kept while the consent is in force."""
    rule = RetentionRule.objects.get(code="consent-record")
    assert rule.trigger == "reliance_end"
    with translation.override("en"):
        assert "while the consent is in force" in retention_sentence(rule)


@pytest.mark.parametrize(
    ("language", "claim", "expected"),
    [
        (
            "en",
            "as required by",
            "Kept while the consent is in force and for 3 years after it is withdrawn or "
            "replaced, so that we can show the consent was given or withdrawn "
            "(GDPR art. 7(1)).",
        ),
        (
            "ja",
            "により",
            "同意を得たこと、撤回されたことを示せるよう、同意が有効な間と、撤回または変更から"
            "3年間保存します（GDPR第7条第1項）。",
        ),
    ],
)
def test_gdpr_art_7_1_is_not_said_to_require_the_period(language, claim, expected):
    """GDPR art. 7(1) requires the company to be able to show the consent; it sets no
    period. The customer read "kept ... for 3 years ..., as required by GDPR art. 7(1)";
    they read why it is kept, and the article that asks for the proof (a customer under
    the GDPR: the article binds the company towards them)."""
    rule = RetentionRule.objects.get(code="consent-record")
    with translation.override(language):
        text = retention_sentence(rule, regime="gdpr")
    assert claim not in text
    assert text == expected


def test_a_statutory_period_still_names_the_law_that_requires_it():
    rule = RetentionRule.objects.get(code="provision-record")
    with translation.override("en"):
        assert "as required by APPI" in retention_sentence(rule)


def test_gdpr_art_7_1_a_deletion_keeps_the_proof_3_years_from_the_account_closure(
    officer, django_capture_on_commit_callbacks
):
    """GDPR arts. 7(1), 17(3)(e): deleting everything closes the account, which ends
    reliance on the consent; its proof is kept 3 years from that day, then erased. A
    deletion of the consent data alone keeps the grant the company still relies on."""
    with time_machine.travel(at(2020, 1, 10), tick=False):
        leaving = customer_with_records(usage=0, invoices=())
        staying = customer_with_records(usage=0, invoices=())
    _choose(leaving, True, at(2020, 1, 10))
    _choose(staying, True, at(2020, 1, 10))
    with time_machine.travel(TODAY, tick=False):
        everything = file_deletion(leaving, scope={"everything": True})
        consent_only = file_deletion(staying, categories=["consent"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(everything, officer)
            approve(consent_only, officer)
        assert may_use(staying, "marketing")
    kept = DeferredErasure.objects.get(subject=leaving, source="consent.consentrecord")
    assert kept.rule.code == "consent-record" and kept.not_before == dt.date(2029, 7, 2)
    still_relied_on = DeferredErasure.objects.get(subject=staying, source="consent.consentrecord")
    assert still_relied_on.not_before is None
    assert _actions(leaving) == _actions(staying) == ["granted"]
    with time_machine.travel(at(2029, 7, 2), tick=False):
        jobs.run_deferred()
        assert may_use(staying, "marketing")
    assert _actions(leaving) == [] and _actions(staying) == ["granted"]
