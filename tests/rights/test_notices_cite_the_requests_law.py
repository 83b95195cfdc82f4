"""What a requester is told cites the law of their own request (LEGAL.md): the legal
ground of a refusal names the article of the request's regime only, never another
regime's (an APPI article to a GDPR request, a GDPR article to a CCPA request)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from rights import correction, workflow
from rights.choices import Kind, Regime, RejectionGround, Status
from rights.disclosure.admin import WithholdForm
from rights.disclosure.models import WithheldRecord
from rights.disclosure.withholding import record_withhold
from rights.models import RequestNotification
from rights.notice_text import render_notice
from rights.services import request_submit
from rights.summary import summary_of
from tests.rights.fee_support import in_review

pytestmark = pytest.mark.django_db

OTHERS = {
    Regime.APPI: ("GDPR", "CCPA", "§"),
    Regime.GDPR: ("APPI", "CCPA", "§"),
    Regime.CCPA: ("APPI", "GDPR"),
}


def _refusal_notice(file_request, customer, officer, *, kind, regime, ground, language="en"):
    if kind == Kind.CORRECTION:
        profile = customer.profile
        change = {
            "source": "portal.profile",
            "record": str(profile.pk),
            "field": "phone",
            "label": "Profile — phone",
            "current_value": profile.phone,
            "new_value": "090-3333-4444",
        }
        request = in_review(
            file_request, customer, officer, kind=kind, regime=regime, scope={"changes": [change]}
        )
        correction.correction_decide(
            request=request, approve=[], actor=officer, reason="See the ground.", ground=ground
        )
    else:
        request = in_review(file_request, customer, officer, kind=kind, regime=regime)
        workflow.transition(
            request, to=Status.REJECTED, actor=officer, reason="See the ground.", ground=ground
        )
    notice = request.notifications.get(kind=RequestNotification.Kind.REJECTED)
    return render_notice(notice, language=language)[1]


def _ground_line(body: str) -> str:
    return next(line for line in body.splitlines() if line.startswith(("Legal ground", "法的根拠")))


@pytest.mark.parametrize(
    ("regime", "cited"),
    [
        (Regime.APPI, "(APPI 37)"),
        (Regime.GDPR, "(GDPR 12(6))"),
        (Regime.CCPA, "(CCPA §7060-7062)"),
    ],
)
def test_an_identity_refusal_cites_the_requests_own_law_appi_37_gdpr_12_6_ccpa_7060(
    customer, officer, file_request, regime, cited
):
    """APPI art. 37, GDPR art. 12(6), CCPA regs §7060-7062: identity not confirmed."""
    body = _refusal_notice(
        file_request,
        customer,
        officer,
        kind=Kind.DISCLOSURE,
        regime=regime,
        ground=RejectionGround.IDENTITY,
    )
    line = _ground_line(body)
    assert cited in line
    assert not any(other in line for other in OTHERS[regime]), line


@pytest.mark.parametrize(
    ("regime", "cited"),
    [(Regime.APPI, "(APPI 34(1))"), (Regime.GDPR, "(GDPR 16)"), (Regime.CCPA, "")],
)
def test_a_correction_refused_as_accurate_cites_the_requests_own_law_appi_34_gdpr_16(
    customer, officer, file_request, regime, cited
):
    """APPI art. 34(1), GDPR art. 16: only untrue data is corrected; the CCPA cites none."""
    body = _refusal_notice(
        file_request,
        customer,
        officer,
        kind=Kind.CORRECTION,
        regime=regime,
        ground=RejectionGround.ACCURATE,
    )
    line = _ground_line(body)
    assert "The data is accurate: no correction is due" in line
    assert cited in line
    assert not any(other in line for other in OTHERS[regime]), line


@pytest.mark.parametrize(
    ("regime", "cited"), [(Regime.GDPR, "(GDPR 12(5))"), (Regime.CCPA, "(CCPA)")]
)
def test_an_unfounded_refusal_cites_the_requests_own_law_gdpr_12_5(
    customer, officer, file_request, regime, cited
):
    """GDPR art. 12(5); the CCPA regulations: manifestly unfounded or excessive."""
    body = _refusal_notice(
        file_request,
        customer,
        officer,
        kind=Kind.DISCLOSURE,
        regime=regime,
        ground=RejectionGround.UNFOUNDED,
    )
    line = _ground_line(body)
    assert cited in line
    assert not any(other in line for other in OTHERS[regime]), line


@pytest.mark.parametrize(
    ("regime", "cited"),
    [(Regime.APPI, "（個人情報保護法第37条）"), (Regime.GDPR, "（GDPR第12条第6項）")],
)
def test_the_ground_in_japanese_cites_the_requests_own_law(
    customer, officer, file_request, regime, cited
):
    body = _refusal_notice(
        file_request,
        customer,
        officer,
        kind=Kind.DISCLOSURE,
        regime=regime,
        ground=RejectionGround.IDENTITY,
        language="ja",
    )
    line = _ground_line(body)
    assert cited in line
    assert not any(other in line for other in OTHERS[regime]), line


def _disclosure_in_review(file_request, customer, officer, regime):
    return in_review(file_request, customer, officer, kind=Kind.DISCLOSURE, regime=regime)


@pytest.mark.parametrize("regime", [Regime.APPI, Regime.CCPA])
def test_others_rights_under_gdpr_art_15_4_withhold_nothing_from_another_regimes_request(
    customer, officer, file_request, regime
):
    """GDPR art. 15(4): the person is told the ground a record was withheld on, so a
    ground of the GDPR only is not one for an APPI or a CCPA request (nothing written)."""
    request = _disclosure_in_review(file_request, customer, officer, regime)
    with pytest.raises(ValidationError, match="GDPR"):
        record_withhold(
            request=request,
            record=f"portal.profile:{customer.profile.pk}",
            ground=WithheldRecord.Ground.OTHERS_RIGHTS,
            actor=officer,
        )
    assert not request.withheld_records.exists()
    offered = dict(WithholdForm(regime=regime).fields["ground"].choices)
    assert WithheldRecord.Ground.OTHERS_RIGHTS not in offered
    assert WithheldRecord.Ground.HARM in offered


def test_others_rights_withhold_from_a_gdpr_request_gdpr_art_15_4(customer, officer, file_request):
    request = _disclosure_in_review(file_request, customer, officer, Regime.GDPR)
    record_withhold(
        request=request,
        record=f"portal.profile:{customer.profile.pk}",
        ground=WithheldRecord.Ground.OTHERS_RIGHTS,
        actor=officer,
    )
    assert request.withheld_records.get().ground == WithheldRecord.Ground.OTHERS_RIGHTS
    offered = dict(WithholdForm(regime=Regime.GDPR).fields["ground"].choices)
    assert WithheldRecord.Ground.OTHERS_RIGHTS in offered


def _kept_on_the_page(customer, regime) -> str:
    request = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.DELETION,
        scope={"everything": True},
        regime=regime,
    )
    with translation.override("en"):
        kept = summary_of(request).kept
    return next(line for line in kept if line.startswith("Records of your requests"))


@pytest.mark.parametrize("default", [Regime.APPI, Regime.GDPR])
def test_a_ccpa_deletion_page_says_the_request_log_is_kept_under_ccpa_regs_7101(
    customer, settings, default
):
    """CCPA regs §7101, whatever regime the portal takes by default."""
    settings.RIGHTS_DEFAULT_REGIME = default
    line = _kept_on_the_page(customer, Regime.CCPA)
    assert "CCPA Regulations (11 CCR) §7101" in line and "GDPR" not in line


def test_an_appi_deletion_page_cites_no_foreign_law_appi_art_35(customer, settings):
    """APPI art. 35: the record of requests is the company's own record."""
    settings.RIGHTS_DEFAULT_REGIME = Regime.GDPR
    line = _kept_on_the_page(customer, Regime.APPI)
    assert "as our own record" in line
    assert "GDPR" not in line and "§7101" not in line


def test_a_gdpr_deletion_page_keeps_it_for_legal_claims_gdpr_art_17_3_e(customer, settings):
    settings.RIGHTS_DEFAULT_REGIME = Regime.APPI
    line = _kept_on_the_page(customer, Regime.GDPR)
    assert "GDPR art. 17(3)(e)" in line and "§7101" not in line
