"""What staff read about data a deletion kept names the request's own law
(LEGAL.md): the restriction placed on kept data cites GDPR art. 18 and 17(3) only on a
GDPR request; under APPI and the CCPA it says a law or a hold keeps the data, citing
no European article. The erasure plan names the record of requests' CCPA regs §7101
only on a CCPA request."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from consent.models import ProcessingRestriction
from rights.retention.preview import KEEP, erasure_preview

from .retention_support import approve, at, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db


def _kept(officer, capture, *, regime) -> ProcessingRestriction:
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records()
        request = file_deletion(customer, regime=regime, scope={"everything": True})
        with capture(execute=True):
            approve(request, officer)
    return request, ProcessingRestriction.objects.get(
        subject=customer, source=ProcessingRestriction.Source.ERASURE_KEPT
    )


def test_a_gdpr_restriction_cites_gdpr_art_18_and_17_3(officer, django_capture_on_commit_callbacks):
    """GDPR art. 18(1)(b)-(c), 17(3)(b),(e): kept data is restricted to its ground."""
    request, kept = _kept(officer, django_capture_on_commit_callbacks, regime="gdpr")
    assert kept.reason.startswith(f"{request.reference}: ")
    assert "(GDPR art. 18, 17(3))" in kept.reason


@pytest.mark.parametrize("regime", ["appi", "ccpa"])
def test_an_appi_or_ccpa_restriction_cites_no_gdpr_article_appi_art_35(
    officer, django_capture_on_commit_callbacks, regime
):
    """APPI art. 35 and the CCPA have no article restricting kept data: the reason says
    a law or a hold keeps it, naming no GDPR article."""
    request, kept = _kept(officer, django_capture_on_commit_callbacks, regime=regime)
    assert kept.reason.startswith(f"{request.reference}: ")
    assert "GDPR" not in kept.reason and "art. 18" not in kept.reason
    assert "17(3)" not in kept.reason
    assert "because a law requires keeping it or a legal hold keeps it" in kept.reason


@pytest.mark.parametrize(
    ("regime", "language", "shown", "absent"),
    [
        ("appi", "en", "because a law requires keeping it or a legal hold keeps it", "GDPR"),
        (
            "appi",
            "ja",
            "法令で保存が義務付けられているか、リーガルホールドがかかっているため",
            "GDPR",
        ),
        ("ccpa", "ja", "その義務又は請求のためにのみ保存し、利用します。", "GDPR"),
        ("gdpr", "ja", "（GDPR第18条及び第17条第3項）", "deletion request"),
    ],
)
def test_the_officer_reads_the_reason_in_their_language(
    officer, officer_client, django_capture_on_commit_callbacks, regime, language, shown, absent
):
    """The reason is stored in English and shown in the officer's language."""
    request, kept = _kept(officer, django_capture_on_commit_callbacks, regime=regime)
    officer_client.cookies["django_language"] = language
    url = reverse("admin:consent_processingrestriction_change", args=[kept.pk])
    page = officer_client.get(url).content.decode()
    assert shown in page
    assert request.reference in page
    assert absent not in page


def _request_log_basis(*, regime) -> str:
    with time_machine.travel(at(2026, 7, 1), tick=False):
        request = file_deletion(customer_with_records(), regime=regime, scope={"everything": True})
        with translation.override("en"):
            lines = erasure_preview(request).lines
    return next(
        line.basis
        for line in lines
        if line.action == KEEP and line.source == "rights.rightsrequest"
    )


def test_the_erasure_plan_of_an_appi_request_cites_no_ccpa_regulation():
    """APPI art. 35: the record of requests is kept as the company's own record."""
    basis = _request_log_basis(regime="appi")
    assert "§7101" not in basis and "CCPA" not in basis
    assert basis == "Records of your requests: kept as the company's own record"


def test_the_erasure_plan_of_a_gdpr_request_keeps_it_for_legal_claims_gdpr_art_17_3_e():
    """GDPR art. 17(3)(e): the record of requests is kept for legal claims."""
    basis = _request_log_basis(regime="gdpr")
    assert "§7101" not in basis
    assert "GDPR art. 17(3)(e)" in basis


def test_the_erasure_plan_of_a_ccpa_request_cites_ccpa_regs_7101():
    """CCPA regs §7101: the log of requests is kept 24 months."""
    assert _request_log_basis(regime="ccpa") == "CCPA Regulations (11 CCR) §7101"
