"""CCPA §1798.130(b) (and §1798.100(d)): a business need not answer a consumer's
requests to know more than twice in a 12-month period.

The third or later CCPA disclosure request of a person within the 12 months before
its receipt may be refused on that ground; no other request may. Earlier requests
withdrawn, expired, or refused because the person could not be verified (or
themselves refused on this ground) are not counted.
"""

import datetime as dt

import pytest
from django.utils import timezone, translation

from rights import workflow
from rights.choices import Kind, Regime, RejectionGround, Status
from rights.models import RequestEvent, RequestNotification
from rights.notice_text import render_notice
from tests.rights.fee_support import in_review

pytestmark = pytest.mark.django_db

CHANGE = "/admin/rights/rightsrequest/{}/change/"
GROUND = RejectionGround.REPEATED_KNOW


def _earlier(file_request, customer, *, days_ago, regime=Regime.CCPA, kind=Kind.DISCLOSURE):
    return file_request(
        customer,
        kind=kind,
        regime=regime,
        received_at=timezone.now() - dt.timedelta(days=days_ago),
        delivery_method="electronic" if kind == Kind.DISCLOSURE else "",
    )


def _offered(client, request) -> set[str]:
    client.cookies["django_language"] = "en"
    page = client.get(CHANGE.format(request.pk))
    return {value for value, _label in page.context["grounds"]}


def _refuse(request, officer):
    return workflow.transition(
        request, to=Status.REJECTED, actor=officer, reason="Third request this year.", ground=GROUND
    )


def test_the_third_know_request_in_12_months_may_be_refused(
    officer_client, customer, officer, file_request
):
    """CCPA §1798.130(b): the third request to know within 12 months is offered the
    ground, is refused on it, and the person is told it in English and Japanese."""
    _earlier(file_request, customer, days_ago=300)
    _earlier(file_request, customer, days_ago=40)
    request = in_review(file_request, customer, officer, regime=Regime.CCPA)
    assert GROUND in _offered(officer_client, request)
    _refuse(request, officer)
    assert request.status == Status.REJECTED and request.rejection_ground == GROUND
    notification = RequestNotification.objects.get(request=request, kind="rejected")
    english = render_notice(notification, language="en")[1]
    japanese = render_notice(notification, language="ja")[1]
    assert "More than twice in 12 months (CCPA §1798.130(b))" in english
    assert "12か月間に2回を超える請求であるため（CCPA §1798.130(b)）" in japanese


def test_the_second_know_request_cannot_be_refused_on_the_ground(
    officer_client, customer, officer, file_request
):
    """CCPA §1798.130(b): a second request within 12 months must be answered; the
    workflow refuses the ground and nothing changes."""
    _earlier(file_request, customer, days_ago=40)
    request = in_review(file_request, customer, officer, regime=Regime.CCPA)
    events = RequestEvent.objects.filter(request=request).count()
    assert GROUND not in _offered(officer_client, request)
    with pytest.raises(workflow.TransitionError, match="third or later"):
        _refuse(request, officer)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW and request.rejection_ground == ""
    assert RequestEvent.objects.filter(request=request).count() == events


def test_a_request_of_13_months_earlier_does_not_count(
    officer_client, customer, officer, file_request
):
    """CCPA §1798.130(b): only the 12 months before this request's receipt count."""
    _earlier(file_request, customer, days_ago=395)
    _earlier(file_request, customer, days_ago=40)
    request = in_review(file_request, customer, officer, regime=Regime.CCPA)
    assert GROUND not in _offered(officer_client, request)
    with pytest.raises(workflow.TransitionError, match="third or later"):
        _refuse(request, officer)


def test_withdrawn_and_unverified_requests_do_not_count(
    officer_client, customer, officer, file_request
):
    """CCPA §1798.130(b): a request withdrawn, or refused because the person could
    not be verified, was never answered and does not use up the two."""
    withdrawn = _earlier(file_request, customer, days_ago=100)
    workflow.transition(withdrawn, to=Status.WITHDRAWN, actor=customer)
    unverified = _earlier(file_request, customer, days_ago=50)
    workflow.transition(
        unverified,
        to=Status.REJECTED,
        actor=officer,
        reason="Not verified.",
        ground=RejectionGround.IDENTITY,
    )
    _earlier(file_request, customer, days_ago=20)
    request = in_review(file_request, customer, officer, regime=Regime.CCPA)
    assert GROUND not in _offered(officer_client, request)


@pytest.mark.parametrize("regime", [Regime.APPI, Regime.GDPR])
def test_an_appi_or_gdpr_request_never_gets_the_ground(
    officer_client, customer, officer, file_request, regime
):
    """CCPA §1798.130(b) is California's rule: APPI and GDPR requests to know are
    answered however often they come (fees or refusal only as their own laws allow)."""
    _earlier(file_request, customer, days_ago=300, regime=regime)
    _earlier(file_request, customer, days_ago=40, regime=regime)
    request = in_review(file_request, customer, officer, regime=regime)
    assert GROUND not in _offered(officer_client, request)
    with pytest.raises(workflow.TransitionError):
        _refuse(request, officer)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_other_kinds_never_get_the_ground(officer_client, customer, officer, file_request):
    """CCPA §1798.130(b) limits requests to know, not deletion or correction."""
    for days in (300, 40):
        _earlier(file_request, customer, days_ago=days, kind=Kind.DELETION)
    request = in_review(
        file_request,
        customer,
        officer,
        kind=Kind.DELETION,
        scope={"everything": True},
        regime=Regime.CCPA,
    )
    assert GROUND not in _offered(officer_client, request)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "third or later request to know in 12 months"), ("ja", "12か月間で3回目以降")],
    ids=["en", "ja"],
)
def test_the_working_page_notes_the_earlier_requests(
    officer_client, customer, officer, file_request, language, words
):
    """CCPA §1798.130(b): staff see, on the working page, that this is the person's
    third request to know in 12 months, and which the earlier ones were."""
    first = _earlier(file_request, customer, days_ago=300)
    second = _earlier(file_request, customer, days_ago=40)
    request = in_review(file_request, customer, officer, regime=Regime.CCPA)
    officer_client.cookies["django_language"] = language
    with translation.override(language):
        page = officer_client.get(CHANGE.format(request.pk)).content.decode()
    assert words in page and "§1798.130(b)" in page
    assert first.reference in page and second.reference in page


def test_no_note_on_a_second_request(officer_client, customer, officer, file_request):
    """CCPA §1798.130(b): nothing to note before the third request."""
    _earlier(file_request, customer, days_ago=40)
    request = in_review(file_request, customer, officer, regime=Regime.CCPA)
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(CHANGE.format(request.pk)).content.decode()
    assert "§1798.130(b)" not in page
