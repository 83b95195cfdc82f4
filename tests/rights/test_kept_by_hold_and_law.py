"""Records a legal hold keeps that a law also keeps after the hold ends: the person is
told both, and the later day (APPI art. 35(7): what is kept and why; GDPR art. 17(3)(b)
and (e): a legal obligation and a legal claim; GDPR art. 12(1): never "we will erase it
when the hold ends" of invoices the Companies Act keeps ten more years)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from rights.retention.holds.services import hold_place
from rights.retention.statement import deletion_statement, kept_lines

from .retention_support import approve, at, customer_with_records, file_deletion, litigation_hold

pytestmark = pytest.mark.django_db

COMPANIES_ACT = "Companies Act art. 432(2)"


def _deleted_invoices(officer, capture, *, hold_ends: dt.date | None, language="en"):
    """An invoice of April 2025 (fiscal year ending March 2026: the Companies Act keeps it
    until 31 March 2036), under a hold over the transactions, then a deletion of them."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(language=language, usage=0, invoices=[(2025, 4, 30)])
        if hold_ends is None:
            litigation_hold(officer, customer, categories=["transactions"])
        else:
            hold_place(
                actor=officer,
                subject=customer,
                categories=["transactions"],
                reason="Tax audit",
                legal_basis="Order of the tax office",
                ends_on=hold_ends,
            )
        request = file_deletion(customer, categories=["transactions"])
        with capture(execute=True):
            approve(request, officer)
        statement, kept = deletion_statement(request)
        with translation.override("en"):
            lines = kept_lines(request)
    return statement, kept, lines


@pytest.mark.parametrize("hold_ends", [None, dt.date(2027, 6, 30)])
def test_a_held_invoice_is_said_to_be_kept_under_the_law_after_the_hold(
    officer, django_capture_on_commit_callbacks, hold_ends
):
    statement, kept, lines = _deleted_invoices(
        officer, django_capture_on_commit_callbacks, hold_ends=hold_ends
    )
    assert kept
    for text in (statement, "\n".join(lines)):
        assert COMPANIES_ACT in text, text
        assert "31 Mar 2036" in text, text
        assert "we will erase it then" not in text, text


def test_in_japanese_the_law_and_its_last_day_follow_the_hold(
    officer, django_capture_on_commit_callbacks
):
    statement, _kept, _lines = _deleted_invoices(
        officer, django_capture_on_commit_callbacks, hold_ends=None, language="ja"
    )
    assert "保全が終わるまで保存し、また会社法第432条第2項により遅くとも2036年3月31日まで" in (
        statement
    ), statement
    assert "その時点で消去します" not in statement
