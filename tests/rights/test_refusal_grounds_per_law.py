"""A stop or a deletion is refused on a ground the person's own law gives, and they are
told it in that law's words (LEGAL.md; rights.choices.rejection_grounds, told_ground).

- GDPR: a deletion is refused when none of the grounds of art. 17(1) applies; a stop
  when none of art. 18(1) applies and no objection under art. 21(1) outweighs the
  company's compelling legitimate grounds. Not "APPI 35".
- CCPA: a deletion (§1798.105) needs no ground, so "no ground" never refuses it; it
  may be refused under an exception of §1798.105(d) (data that must be kept).
- APPI: where another law obliges the company to keep the data, erasure is "difficult"
  and an alternative measure is taken instead (art. 35(2), (6) proviso); the portal
  keeps and restricts it.
Requests refused before still show the ground they were told.
"""

import re

import pytest
from django.core import mail
from django.utils import translation

from rights import stop_decisions, workflow
from rights.choices import Kind, Regime, RejectionGround, Status, told_ground
from rights.models import RequestNotification
from rights.notice_text import render_notice
from tests.rights.fee_support import in_review
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db

NO_GROUND, RETENTION = RejectionGround.NO_GROUND, RejectionGround.RETENTION
SCOPES = {Kind.DELETION: {"everything": True}, Kind.STOP_USE: {"purposes": ["billing"]}}


def _request(file_request, customer, officer, kind, regime):
    customer.language = "en"
    customer.save(update_fields=["language"])
    return in_review(
        file_request, customer, officer, kind=kind, regime=regime, scope=SCOPES[kind], details="x"
    )


def _offered(officer_client, request) -> dict:
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    return {value: str(label) for value, label in page.context["grounds"]}


def _reject(request, officer, ground, capture):
    mail_waiting_notices()
    mail.outbox.clear()
    with capture(execute=True):
        if request.kind == Kind.DELETION:
            workflow.transition(
                request, to=Status.REJECTED, actor=officer, reason="No.", ground=ground
            )
        else:  # a stop is declined through its decision (rights.stop_decisions)
            decisions = {
                t.key: stop_decisions.DECLINE for t in stop_decisions.requested_targets(request)
            }
            stop_decisions.stop_decide(
                request=request, decisions=decisions, actor=officer, reason="No.", ground=ground
            )
    return " ".join(mail.outbox[-1].body.split())


@pytest.mark.parametrize(
    ("kind", "told", "ja"),
    [
        (Kind.DELETION, "GDPR 17(1)", "GDPR第17条第1項"),
        (Kind.STOP_USE, "GDPR 18(1), 21(1)", "GDPR第18条第1項、第21条第1項"),
    ],
)
def test_gdpr_arts_17_1_18_1_21_1_no_ground_is_told_in_the_gdprs_terms(
    officer_client,
    customer,
    officer,
    file_request,
    django_capture_on_commit_callbacks,
    kind,
    told,
    ja,
):
    request = _request(file_request, customer, officer, kind, Regime.GDPR)
    label = _offered(officer_client, request)[NO_GROUND]
    assert told in label and "APPI" not in label
    body = _reject(request, officer, NO_GROUND, django_capture_on_commit_callbacks)
    assert told in body and "APPI" not in body
    with translation.override("ja"):
        japanese = told_ground(NO_GROUND, Regime.GDPR, kind)
    assert ja in japanese and "個人情報保護法" not in japanese


def test_ccpa_1798_105_a_deletion_is_not_refused_for_want_of_a_ground(
    officer_client, customer, officer, file_request
):
    request = _request(file_request, customer, officer, Kind.DELETION, Regime.CCPA)
    assert NO_GROUND not in _offered(officer_client, request)
    with pytest.raises(workflow.TransitionError, match="not a ground under"):
        workflow.transition(
            request, to=Status.REJECTED, actor=officer, reason="No.", ground=NO_GROUND
        )
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("regime", "told", "ja"),
    [
        (Regime.CCPA, "(CCPA §1798.105(d))", "（CCPA §1798.105(d)）"),
        (Regime.APPI, "(APPI 35(2), (6) proviso)", "（個人情報保護法第35条第2項・第6項ただし書）"),
    ],
    ids=["ccpa_1798_105_d", "appi_art_35_2_6_proviso"],
)
def test_a_duty_to_keep_refuses_a_deletion_in_the_persons_law(
    officer_client,
    customer,
    officer,
    file_request,
    django_capture_on_commit_callbacks,
    regime,
    told,
    ja,
):
    """CCPA §1798.105(d): an exception to deletion; APPI art. 35(2), (6) proviso: another
    law obliging the company to keep the data makes erasing it difficult."""
    request = _request(file_request, customer, officer, Kind.DELETION, regime)
    label = _offered(officer_client, request)[RETENTION]
    assert told in label and "GDPR" not in label
    body = _reject(request, officer, RETENTION, django_capture_on_commit_callbacks)
    assert told in body and "GDPR" not in body
    with translation.override("ja"):
        japanese = told_ground(RETENTION, regime, Kind.DELETION)
    assert ja in japanese and "GDPR" not in japanese


def test_ccpa_a_stop_is_not_refused_for_want_of_a_ground(
    officer_client, customer, officer, file_request
):
    """CCPA §1798.120-.121: an opt-out or a limit is owed on request."""
    request = _request(file_request, customer, officer, Kind.STOP_USE, Regime.CCPA)
    assert NO_GROUND not in _offered(officer_client, request)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_ccpa_deletion_refused_for_no_ground_before_still_shows_its_ground(
    stepped_up_client, customer, officer, file_request, language
):
    """A request refused before the rule: its notice and its page still show the ground
    it was told then (APPI 35), on the e-mail's and the status page's text alike."""
    request = _request(file_request, customer, officer, Kind.DELETION, Regime.CCPA)
    type(request).objects.filter(pk=request.pk).update(
        status=Status.REJECTED, rejection_ground=NO_GROUND
    )
    notification = RequestNotification.objects.create(
        request=request,
        kind="rejected",
        context={"paused": False, "due_at": None, "reason": "No.", "ground": NO_GROUND},
    )
    with translation.override(language):
        label = translation.gettext(
            "No legal ground to stop use, erase or stop provision (APPI 35)"
        )
        _subject, body = render_notice(notification, language=language)[:2]
    assert label in body and ("(APPI 35)" in label or "個人情報保護法第35条）" in label)
    page = stepped_up_client.get(f"/requests/{request.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert label in re.sub(r"\s+", " ", page.content.decode())


def test_the_confirmation_names_the_gdpr_art_17_1_ground_the_person_is_told(
    officer_client, customer, officer, file_request
):
    """Before a refusal is sent, staff read the ground as the person will: GDPR 17(1)."""
    request = _request(file_request, customer, officer, Kind.DELETION, Regime.GDPR)
    officer_client.cookies["django_language"] = "en"
    data = {"to": "rejected", "reason": "No.", "ground": NO_GROUND}
    response = officer_client.post(f"/admin/rights/rightsrequest/{request.pk}/transition/", data)
    page = " ".join(response.content.decode().split())
    assert "The legal ground they are told: None of the grounds for erasure applies" in page
    assert "(GDPR 17(1))" in page and "APPI 35" not in page
