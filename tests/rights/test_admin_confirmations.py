"""Actions on the staff side that tell the person something final, or erase or release
data, ask for confirmation first: a page like the admin's delete confirmation says what
will happen; only the POST it sends (``confirm=1``) acts. A POST without it, from the
working page's button or made by hand, changes nothing and the page says so."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from consent import services as consent
from consent.models import ConsentRecord, ProcessingRestriction
from portal.kernel.models import AuditEvent, Profile
from portal.records.models import UsageRecord
from rights import workflow
from rights.choices import DeliveryMethod, Kind, RejectionGround, Status
from rights.disclosure.models import DisclosureDelivery
from rights.models import DeferredErasure, LegalHold, RequestNotification
from rights.requesters.models import VerificationStatus
from tests.consent_support import purpose
from tests.factories import ProfileFactory
from tests.rights.disclosure_support import customer_with_data, disclosure_in_progress
from tests.rights.fee_support import phone_correction_in_review
from tests.rights.retention_support import (
    approve,
    at,
    customer_with_records,
    file_deletion,
    litigation_hold,
)
from tests.rights.staff_entry_support import entered_from_a_letter

pytestmark = pytest.mark.django_db

BASE = "/admin/rights/rightsrequest/{}/"
NOTHING_YET = "Nothing has been done yet."


@pytest.fixture
def officer_client(officer_client):
    officer_client.cookies["django_language"] = "en"
    return officer_client


@pytest.fixture
def in_review(customer, officer, file_request):
    request = file_request(customer, kind=Kind.DISCLOSURE, delivery_method="electronic")
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    return request


@pytest.fixture
def post(officer_client, django_capture_on_commit_callbacks):
    """POST to an action of a request's working page, running the after-commit work."""

    def send(request, endpoint, data):
        with django_capture_on_commit_callbacks(execute=True):
            return officer_client.post(BASE.format(request.pk) + endpoint, data)

    return send


def _unchanged(request, status, events):
    request.refresh_from_db()
    assert request.status == status
    assert request.events.count() == events


# -- a status button that closes the request ------------------------------------------------


def test_reject_shows_what_the_person_is_told_and_changes_nothing(officer_client, in_review, post):
    events, sent = in_review.events.count(), len(mail.outbox)
    data = {"to": "rejected", "reason": "We hold no data of this kind.", "ground": "other"}
    response = post(in_review, "transition/", data)

    assert response.status_code == 200
    page = response.content.decode()
    assert NOTHING_YET in page
    assert f"Reject {in_review.reference}?" in page
    assert "The request is closed as rejected: the requester is told it is refused." in page
    assert "We hold no data of this kind." in page
    assert str(RejectionGround.OTHER.label) in page
    assert "A closed request cannot be reopened." in page
    # The page sends the same fields again, with the confirmation.
    assert '<input type="hidden" name="to" value="rejected">' in page
    assert '<input type="hidden" name="reason" value="We hold no data of this kind.">' in page
    assert '<input type="hidden" name="confirm" value="1">' in page
    assert f'action="{BASE.format(in_review.pk)}transition/"' in page
    _unchanged(in_review, Status.IN_REVIEW, events)
    assert len(mail.outbox) == sent
    assert not RequestNotification.objects.filter(request=in_review, kind="rejected").exists()

    response = post(in_review, "transition/", {**data, "confirm": "1"})
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == Status.REJECTED
    assert in_review.rejection_ground == RejectionGround.OTHER
    assert RequestNotification.objects.filter(request=in_review, kind="rejected").exists()


def test_a_move_the_workflow_refuses_is_refused_before_the_confirmation(
    officer_client, in_review, post
):
    events = in_review.events.count()
    response = post(in_review, "transition/", {"to": "rejected", "ground": "other"})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Please give a reason; the requester will be told it."
    ]
    _unchanged(in_review, Status.IN_REVIEW, events)


@pytest.mark.parametrize(
    ("to", "title", "told"),
    [
        (
            Status.WITHDRAWN,
            "Close {} as withdrawn?",
            "The request is closed as withdrawn for the person, who is told so.",
        ),
        (
            Status.EXPIRED,
            "Close {} as expired?",
            "The request is closed as expired: the requester is told so.",
        ),
    ],
)
def test_every_move_that_closes_the_request_asks_first(
    officer_client, customer, officer, file_request, to, title, told, post
):
    request = file_request(customer, kind=Kind.PURPOSE_NOTICE, delivery_method="electronic")
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    workflow.transition(
        request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which service?"
    )
    events = request.events.count()
    response = post(request, "transition/", {"to": to, "reason": "No answer in 60 days."})
    page = response.content.decode()
    assert response.status_code == 200 and NOTHING_YET in page
    assert title.format(request.reference) in page and told in page
    assert "No answer in 60 days." in page
    _unchanged(request, Status.AWAITING_CUSTOMER, events)


def test_a_move_that_keeps_the_request_open_acts_at_once(
    officer_client, customer, officer, file_request, post
):
    request = file_request(customer)
    response = post(request, "transition/", {"to": "in_review"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_the_confirmation_page_is_in_japanese_for_japanese_staff(officer_client, in_review, post):
    officer_client.cookies["django_language"] = "ja"
    data = {"to": "rejected", "reason": "保有していません。", "ground": "other"}
    response = post(in_review, "transition/", data)
    page = response.content.decode()
    # No space between two Japanese sentences.
    assert "まだ何も実行していません。</strong>確定すると" in page
    assert f"{in_review.reference}を不承諾にしますか？" in page
    assert "請求を不承諾にする" in page
    assert "Nothing has been done yet." not in page
    _unchanged(in_review, Status.IN_REVIEW, in_review.events.count())


# -- review decisions ---------------------------------------------------------------------


@pytest.fixture
def correction_request(officer, file_request):
    person = ProfileFactory(user__language="en").user
    return phone_correction_in_review(file_request, person, officer)


def test_a_correction_decision_shows_what_is_written_and_writes_nothing_yet(
    officer_client, correction_request, post
):
    events = correction_request.events.count()
    data = {"decision": "apply", "approve": ["0"]}
    response = post(correction_request, "correction/", data)
    page = response.content.decode()
    assert response.status_code == 200 and NOTHING_YET in page
    assert "Written to the person&#x27;s data:" in page
    assert "“03-1111-2222” → “090-3333-4444”" in page
    assert f"Complete {correction_request.reference}?" in page
    assert '<input type="hidden" name="approve" value="0">' in page
    profile = Profile.objects.get(user=correction_request.subject)
    assert profile.phone == "03-1111-2222"
    _unchanged(correction_request, Status.IN_REVIEW, events)
    # The page shows the value held now: a staff view of the person's data.
    seen = AuditEvent.objects.filter(action="staff.viewed_rightsrequest").latest("pk")
    assert seen.subject_id == correction_request.subject_id
    assert seen.details == {"screen": "confirmation"}

    post(correction_request, "correction/", {**data, "confirm": "1"})
    profile.refresh_from_db()
    assert profile.phone == "090-3333-4444"
    correction_request.refresh_from_db()
    assert correction_request.status == Status.COMPLETED


def test_rejecting_a_correction_asks_first(officer_client, correction_request, post):
    events = correction_request.events.count()
    data = {"decision": "reject", "reason": "The number is right.", "ground": "accurate"}
    response = post(correction_request, "correction/", data)
    page = response.content.decode()
    assert response.status_code == 200 and NOTHING_YET in page
    assert "Not changed: " in page and "The number is right." in page
    assert f"Reject {correction_request.reference}?" in page
    _unchanged(correction_request, Status.IN_REVIEW, events)


def test_a_stop_decision_shows_what_stops_and_stops_nothing_yet(
    officer_client, customer, officer, file_request, post
):
    consent.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    request = file_request(customer, kind=Kind.STOP_USE, scope={"purposes": ["marketing"]})
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    events = request.events.count()
    data = {"decision:purpose:marketing": "stop"}
    response = post(request, "stop/", data)
    page = response.content.decode()
    assert response.status_code == 200 and NOTHING_YET in page
    assert "Stopped at once: no further use for" in page
    assert consent.may_use(customer, "marketing")
    assert not ProcessingRestriction.objects.exists()
    _unchanged(request, Status.IN_REVIEW, events)

    post(request, "stop/", {**data, "confirm": "1"})
    assert not consent.may_use(customer, "marketing")


def test_an_incomplete_stop_decision_is_refused_before_the_confirmation(
    officer_client, customer, officer, file_request, post
):
    request = file_request(customer, kind=Kind.STOP_USE, scope={"purposes": ["marketing"]})
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    response = post(request, "stop/", {"decision:purpose:marketing": "decline"})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Please give a reason; the requester will be told it."
    ]


# -- identity, paper, holds -------------------------------------------------------------------


def test_not_verified_asks_first_and_the_requester_is_not_told_yet(
    officer_client, customer, officer, django_capture_on_commit_callbacks, post
):
    with django_capture_on_commit_callbacks(execute=True):
        request = entered_from_a_letter(customer, officer, delivery_method=DeliveryMethod.PAPER)
    assert request.status == Status.AWAITING_VERIFICATION
    events, sent = request.events.count(), len(mail.outbox)
    data = {"decision": "reject", "note": "The copy of the licence is unreadable."}
    response = post(request, "identity/reject/", data)
    page = response.content.decode()
    assert response.status_code == 200 and NOTHING_YET in page
    assert "Identity or authority is recorded as not verified." in page
    assert "The copy of the licence is unreadable." in page
    request.identity.refresh_from_db()
    assert request.identity.verification == VerificationStatus.PENDING
    _unchanged(request, Status.AWAITING_VERIFICATION, events)
    assert len(mail.outbox) == sent

    post(request, "identity/reject/", {**data, "confirm": "1"})
    request.refresh_from_db()
    assert request.status == Status.REJECTED


def test_sent_by_post_asks_first(officer_client, officer, django_capture_on_commit_callbacks, post):
    subject = customer_with_data(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        paper = disclosure_in_progress(subject, officer, delivery_method="paper")
    events = paper.events.count()
    posted_on = timezone.localdate()
    response = post(paper, "disclosure/posted/", {"posted_on": posted_on.isoformat()})
    page = response.content.decode()
    assert response.status_code == 200 and NOTHING_YET in page
    assert "The paper answer is recorded as posted on" in page
    assert f"Complete {paper.reference}?" in page
    assert DisclosureDelivery.objects.get(request=paper).posted_on is None
    _unchanged(paper, Status.IN_PROGRESS, events)

    post(paper, "disclosure/posted/", {"posted_on": posted_on.isoformat(), "confirm": "1"})
    paper.refresh_from_db()
    assert paper.status == Status.COMPLETED


def _usage_held_from_a_deletion(officer, capture):
    """A customer's four usage records, whose deletion a legal hold deferred: the
    customer and the hold."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=4)
        hold = litigation_hold(officer, customer, categories=["usage"])
        request = file_deletion(customer, categories=["usage"])
        with capture(execute=True):
            approve(request, officer)
    return customer, hold


def test_releasing_a_hold_shows_the_erasures_it_deferred_and_releases_nothing_yet(
    officer_client, officer, django_capture_on_commit_callbacks
):
    customer, hold = _usage_held_from_a_deletion(officer, django_capture_on_commit_callbacks)
    assert DeferredErasure.objects.get(legal_hold=hold).status == "pending"
    url = f"/admin/rights/legalhold/{hold.pk}/release/"

    response = officer_client.post(url, {"reason": "Judgment final; no appeal"})
    page = response.content.decode()
    assert response.status_code == 200 and NOTHING_YET in page
    assert f"Release {hold}?" in page
    assert "Judgment final; no appeal" in page
    assert "4 records of Usage" in page and "for 1 customer" in page
    hold.refresh_from_db()
    assert hold.released_at is None
    assert UsageRecord.objects.filter(user=customer).count() == 4

    response = officer_client.post(url, {"reason": "Judgment final; no appeal", "confirm": "1"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.release_reason == "Judgment final; no appeal"


def test_the_release_page_in_japanese_names_the_data_once_and_ends_its_lines_so(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """「利用履歴（利用履歴）の記録4件（お客様1名）.」 named the data twice, its kind and
    its records being called the same, and ended on an ASCII period."""
    customer, hold = _usage_held_from_a_deletion(officer, django_capture_on_commit_callbacks)
    officer_client.cookies["django_language"] = "ja"
    page = officer_client.post(
        f"/admin/rights/legalhold/{hold.pk}/release/", {"reason": "判決が確定した"}
    ).content.decode()
    assert "利用履歴の記録4件（お客様1名）。" in page
    assert "利用履歴（利用履歴）" not in page


def test_a_hold_with_nothing_waiting_says_so(officer_client, officer, customer):
    hold = LegalHold.objects.create(
        subject=customer, reason="Audit", legal_basis="Order of the tax office", placed_by=officer
    )
    response = officer_client.post(
        f"/admin/rights/legalhold/{hold.pk}/release/", {"reason": "Done"}
    )
    assert "No erasure waits for this hold." in response.content.decode()
    hold.refresh_from_db()
    assert hold.released_at is None


def test_releasing_a_hold_over_data_a_retention_period_keeps_says_it_stays_until_then(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """Companies Act art. 432(2): invoices under a hold are still inside their retention
    period when it is released; the page and the message say the next run erases the
    usage only, and the invoices stay until the period ends."""
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=3, invoices=[(2025, 4, 30)])
        hold = litigation_hold(officer, customer, reason="Claim about a refund")
        request = file_deletion(customer, categories=["transactions", "usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    url = f"/admin/rights/legalhold/{hold.pk}/release/"
    kept_invoice = (
        "1 record of Transactions and invoices (Invoices), for 1 customer: until 31 Mar 2036"
    )

    page = officer_client.post(url, {"reason": "Settled"}).content.decode()
    assert "The next run of deferred erasures, at " in page
    assert "3 records of Usage history, for 1 customer." in page
    assert "Kept until their retention period ends:" in page
    assert kept_invoice in page
    assert "unless another hold or a legal retention period" not in page

    response = officer_client.post(url, {"reason": "Settled", "confirm": "1"}, follow=True)
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert re.search(
        r"The next run of deferred erasures, at [^<]+ JST, erases:</p><ul><li>3 records of Usage",
        message,
    )
    assert "what it kept is erased by the next run" not in message
    assert kept_invoice in message


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (1, "The posting date cannot be in the future."),
        (None, "The posting date cannot be in the future."),
        (-3650, "The posting date cannot be before the request arrived."),
    ],
)
def test_a_posting_day_that_will_be_refused_is_refused_before_asking(
    officer_client, officer, django_capture_on_commit_callbacks, post, days, message
):
    """No confirmation page that promises to record a day the recording then refuses."""
    subject = customer_with_data(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        paper = disclosure_in_progress(subject, officer, delivery_method="paper")
    events = paper.events.count()
    day = dt.date.max if days is None else timezone.localdate() + dt.timedelta(days=days)
    response = post(paper, "disclosure/posted/", {"posted_on": day.isoformat()})
    assert response.status_code == 302
    page = officer_client.get(response.url).content.decode()
    assert message in page and NOTHING_YET not in page
    _unchanged(paper, Status.IN_PROGRESS, events)


def test_releasing_a_hold_says_when_the_next_run_of_deferred_erasures_is(
    officer_client, officer, django_capture_on_commit_callbacks
):
    """GDPR art. 17(1), APPI art. 35: what a released hold kept is erased by the daily
    run of deferred erasures (the beat's 02:30 in the company's zone); the page and the
    message say when that is, in the staff member's own zone (here Berlin)."""
    officer.time_zone = "Europe/Berlin"
    officer.save(update_fields=["time_zone"])
    with time_machine.travel(at(2026, 7, 1), tick=False):
        customer = customer_with_records(usage=3, invoices=[])
        hold = litigation_hold(officer, customer, reason="Claim about a refund")
        request = file_deletion(customer, categories=["usage"])
        with django_capture_on_commit_callbacks(execute=True):
            approve(request, officer)
    url = f"/admin/rights/legalhold/{hold.pk}/release/"
    # 10:00 in Tokyo on 1 July: the next run is at 02:30 on 2 July in Tokyo, which is
    # 19:30 on 1 July in Berlin (summer time).
    with time_machine.travel(at(2026, 7, 1), tick=False):
        page = officer_client.post(url, {"reason": "Settled"}).content.decode()
        response = officer_client.post(url, {"reason": "Settled", "confirm": "1"}, follow=True)
    when = "1 Jul 2026, 19:30 CEST"
    assert f"The next run of deferred erasures, at {when}, erases:" in page
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert f"The next run of deferred erasures, at {when}, erases:</p><ul><li>3 records" in message


def test_a_holds_page_says_when_the_next_run_of_deferred_erasures_is(officer_client, officer):
    """The release form on a hold's page names the time of that next run too."""
    hold = litigation_hold(officer, customer_with_records(usage=1, invoices=[]))
    with time_machine.travel(at(2026, 7, 1), tick=False):
        page = officer_client.get(f"/admin/rights/legalhold/{hold.pk}/change/").content.decode()
    assert "erased by the next run of deferred erasures, at 2 Jul 2026, 02:30 JST, unless" in page
