"""The final notice of a deletion names, for what is kept, the law of the request's own
regime (LEGAL.md): the record of requests is kept under CCPA regs §7101 for a CCPA
request; a GDPR request's record is kept for legal claims (GDPR art. 17(3)(e)) and its use
restricted (GDPR art. 18); APPI has no article on a record of requests, so an APPI notice
names none, and never a Californian or European one."""

import pytest
import time_machine
from django.utils import translation

from rights.models import RequestNotification
from rights.retention.statement import kept_lines

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db


def _deletion(officer, capture, *, regime, language="en"):
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(language=language)
        request = file_deletion(customer, regime=regime, scope={"everything": True})
        with capture(execute=True):
            approve(request, officer)
    return request


def _final_notice(officer, capture, **kwargs) -> str:
    request = _deletion(officer, capture, **kwargs)
    return request.notifications.get(kind=RequestNotification.Kind.PARTIALLY_COMPLETED).context[
        "reason"
    ]


def _requests_line(statement: str, label: str) -> str:
    return next(line for line in statement.splitlines() if label in line)


def test_an_appi_deletion_cites_no_californian_or_european_law_appi_art_35(
    officer, django_capture_on_commit_callbacks
):
    """APPI art. 35: the record of requests is the company's own, kept 24 months."""
    statement = _final_notice(officer, django_capture_on_commit_callbacks, regime="appi")
    line = _requests_line(statement, "Requests (Your requests)")
    assert "1 Jul 2028" in line
    assert "we keep it as our own record until 1 Jul 2028" in line
    assert "CCPA" not in statement and "§7101" not in statement
    assert "GDPR" not in statement
    # The law that does bind the company in Japan is still named.
    assert "Companies Act art. 432(2)" in statement
    assert "its use is restricted" in statement


def test_an_appi_deletion_in_japanese_cites_no_foreign_law(
    officer, django_capture_on_commit_callbacks
):
    statement = _final_notice(
        officer, django_capture_on_commit_callbacks, regime="appi", language="ja"
    )
    assert "当社の記録として2028年7月1日まで保存します" in _requests_line(statement, "ご請求")
    assert "CCPA" not in statement and "第7101条" not in statement
    assert "GDPR" not in statement
    assert "会社法第432条第2項" in statement


def test_a_gdpr_deletion_keeps_the_record_for_legal_claims_gdpr_art_17_3_e(
    officer, django_capture_on_commit_callbacks
):
    statement = _final_notice(officer, django_capture_on_commit_callbacks, regime="gdpr")
    line = _requests_line(statement, "Requests (Your requests)")
    assert "GDPR art. 17(3)(e)" in line and "1 Jul 2028" in line
    assert "CCPA" not in statement and "§7101" not in statement
    assert "(GDPR art. 18 and 17(3))" in statement


def test_a_ccpa_deletion_keeps_the_request_log_under_ccpa_regs_7101(
    officer, django_capture_on_commit_callbacks
):
    statement = _final_notice(officer, django_capture_on_commit_callbacks, regime="ccpa")
    line = _requests_line(statement, "Requests (Your requests)")
    assert "CCPA Regulations (11 CCR) §7101" in line and "1 Jul 2028" in line
    assert "GDPR" not in statement


def test_the_appi_request_page_says_the_same_as_the_notice(
    officer, django_capture_on_commit_callbacks
):
    request = _deletion(officer, django_capture_on_commit_callbacks, regime="appi")
    with translation.override("en"):
        lines = kept_lines(request)
    line = next(line for line in lines if "Requests (Your requests)" in line)
    assert "we keep it as our own record until 1 Jul 2028" in line
    assert not any("CCPA" in line or "GDPR" in line for line in lines)
