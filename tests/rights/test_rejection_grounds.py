"""A request is refused only on a ground that applies to its kind.

APPI Art. 33(2) (disclosure: harm, serious hindrance to business, another law),
Art. 34(1) (correction: only where the content is untrue), Art. 35 (stop of use
or provision, erasure: the conditions are not met), GDPR Art. 17(3) (erasure:
a duty or a claim to keep); identity (APPI 37, GDPR 12(6)) and manifestly
unfounded requests (GDPR 12(5)) for every kind. The person is told the ground,
so a correction's ground on a refused disclosure would tell them a wrong law.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from rights import correction, stop_decisions, workflow
from rights.choices import REJECTION_GROUNDS, Kind, Regime, RejectionGround, Status
from rights.models import RequestEvent
from tests.consent_support import recipients
from tests.rights.fee_support import in_review, phone_correction_in_review

pytestmark = pytest.mark.django_db

BASE = "/admin/rights/rightsrequest/{}/"


@pytest.mark.parametrize(
    ("kind", "allowed", "refused"),
    [
        (Kind.DISCLOSURE, RejectionGround.HARM, RejectionGround.ACCURATE),
        (Kind.DELETION, RejectionGround.RETENTION, RejectionGround.HARM),
        (Kind.PURPOSE_NOTICE, RejectionGround.OTHER_LAW, RejectionGround.RETENTION),
    ],
)
def test_a_rejection_takes_only_a_ground_of_its_kind(
    customer, officer, file_request, kind, allowed, refused
):
    scope = {"everything": True} if kind == Kind.DELETION else None
    # GDPR 17(3): the erasure exception (each law's, below).
    regime = Regime.GDPR if kind == Kind.DELETION else None
    request = in_review(file_request, customer, officer, kind=kind, scope=scope, regime=regime)
    events = RequestEvent.objects.filter(request=request).count()
    with pytest.raises(workflow.TransitionError, match="is not a ground for refusing"):
        workflow.transition(
            request, to=Status.REJECTED, actor=officer, reason="No.", ground=refused
        )
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert RequestEvent.objects.filter(request=request).count() == events
    workflow.transition(request, to=Status.REJECTED, actor=officer, reason="No.", ground=allowed)
    assert request.status == Status.REJECTED and request.rejection_ground == allowed


def test_identity_unfounded_and_other_refuse_every_kind():
    for kind in Kind.values:
        assert {"identity", "unfounded", "other"} <= REJECTION_GROUNDS[kind]


def test_refusing_a_correction_on_a_disclosure_ground_is_refused(customer, officer, file_request):
    request = phone_correction_in_review(file_request, customer, officer)
    with pytest.raises(ValidationError, match="is not a ground for refusing"):
        correction.correction_decide(
            request=request,
            approve=[],
            actor=officer,
            reason="No.",
            ground=RejectionGround.BUSINESS,
        )
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    correction.correction_decide(
        request=request, approve=[], actor=officer, reason="No.", ground=RejectionGround.ACCURATE
    )
    assert request.status == Status.REJECTED


def test_declining_a_stop_with_a_corrections_ground_is_refused(customer, officer, file_request):
    recipient = recipients()["affiliate"]
    request = in_review(
        file_request,
        customer,
        officer,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [recipient.pk]},
    )
    (target,) = stop_decisions.requested_targets(request)
    with pytest.raises(ValidationError, match="is not a ground for refusing"):
        stop_decisions.stop_decide(
            request=request,
            decisions={target.key: stop_decisions.DECLINE},
            actor=officer,
            reason="Provision is lawful.",
            ground=RejectionGround.ACCURATE,
        )
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_the_working_page_offers_only_the_grounds_of_the_kind(
    officer_client, customer, officer, file_request
):
    request = in_review(file_request, customer, officer)
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(BASE.format(request.pk) + "change/")
    values = [value for value, _label in page.context["grounds"]]
    assert RejectionGround.HARM in values and RejectionGround.IDENTITY in values
    assert RejectionGround.ACCURATE not in values and RejectionGround.RETENTION not in values


@pytest.mark.parametrize(
    ("language", "erasure"), [("ja", "消去"), ("en", "erase")], ids=["ja", "en"]
)
def test_a_deletion_is_refused_under_appi_art_35_in_words_of_erasure(
    officer_client, customer, officer, file_request, language, erasure
):
    """APPI art. 35(1)-(2), (5)-(6): the right to stop use covers erasure (利用停止等:
    利用の停止又は消去). A deletion refused because none of its conditions is met
    names erasure, not only the stop of use or provision the person did not ask for."""
    request = in_review(
        file_request, customer, officer, kind=Kind.DELETION, scope={"everything": True}
    )
    officer_client.cookies["django_language"] = language
    response = officer_client.get(BASE.format(request.pk) + "change/")
    with translation.override(language):
        (label,) = [
            str(text) for value, text in response.context["grounds"] if value == "no_ground"
        ]
    assert erasure in label and ("第35条" if language == "ja" else "APPI 35") in label
    assert label in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize(
    ("regime", "allowed", "refused"),
    [
        (Regime.APPI, {RejectionGround.NO_GROUND, RejectionGround.RETENTION}, {"unfounded"}),
        (Regime.GDPR, {RejectionGround.RETENTION, RejectionGround.UNFOUNDED}, set()),
        (Regime.CCPA, {RejectionGround.UNFOUNDED, RejectionGround.RETENTION}, {"no_ground"}),
    ],
)
def test_a_refusal_cites_only_a_law_of_the_requests_regime(
    officer_client, customer, officer, file_request, regime, allowed, refused
):
    """A customer under the APPI was told 「（GDPR第17条第3項）」: the GDPR's "manifestly
    unfounded" (art. 12(5), also CCPA 1798.145(h)) is a ground only under those laws;
    a duty to keep refuses a deletion under each law in its own words (APPI 35(2), (6)
    proviso, GDPR 17(3), CCPA §1798.105(d)); a CCPA deletion needs no ground, so the
    want of one (APPI 35, GDPR 17(1)) does not refuse it."""
    request = in_review(
        file_request,
        customer,
        officer,
        kind=Kind.DELETION,
        scope={"everything": True},
        regime=regime,
    )
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(BASE.format(request.pk) + "change/")
    offered = {value for value, _label in page.context["grounds"]}
    assert allowed <= offered and not (refused & offered)
    for ground in refused:
        with pytest.raises(workflow.TransitionError, match="not a ground under"):
            workflow.transition(
                request, to=Status.REJECTED, actor=officer, reason="No.", ground=ground
            )
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
