"""The request page says what was asked and where the request stands (issue 20, item 2)."""

import pytest
from django.utils import translation

from rights import fees, workflow
from rights.choices import Kind, RejectionGround, Status
from rights.progress import CURRENT, DONE, SKIPPED, STOPPED, UPCOMING, progress_of
from rights.services import request_submit
from tests.consent_support import recipients
from tests.rights.fee_support import in_review, publish
from tests.rights.staff_entry_support import entered_from_a_letter

pytestmark = pytest.mark.django_db


def _states(progress):
    return [(step.key, step.state) for step in progress.steps]


def test_a_new_disclosure_is_at_its_first_step_with_the_fee_step_ahead(customer):
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
    )
    progress = progress_of(request)
    assert _states(progress) == [
        ("received", CURRENT),
        ("identity", UPCOMING),
        ("review", UPCOMING),
        ("fee", UPCOMING),
        ("work", UPCOMING),
        ("answer", UPCOMING),
    ]
    with translation.override("en"):
        assert progress_of(request).next_step.startswith("Next: we check who you are")


def test_a_free_kind_has_no_fee_step_and_a_closed_request_no_next_step(customer):
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
    )
    request.status = Status.IN_PROGRESS
    progress = progress_of(request)
    assert "fee" not in [step.key for step in progress.steps]
    assert dict(_states(progress))["review"] == DONE
    assert dict(_states(progress))["work"] == CURRENT
    request.status = Status.COMPLETED
    closed = progress_of(request)
    assert {step.state for step in closed.steps} == {DONE}
    assert closed.next_step == ""


def test_a_request_withdrawn_unpaid_ends_at_the_fee_and_reaches_nothing_after(
    customer, officer, file_request
):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    fees.fee_request(request=request, actor=officer)
    workflow.transition(request, to=Status.WITHDRAWN, actor=customer)
    assert _states(progress_of(request)) == [
        ("received", DONE),
        ("identity", DONE),
        ("review", DONE),
        ("fee", STOPPED),
        ("work", SKIPPED),
        ("answer", SKIPPED),
    ]
    assert progress_of(request).next_step == ""


def test_a_paid_fee_shows_as_done_when_the_request_goes_back_to_review(
    customer, officer, file_request
):
    """Staff may ask the person a question once the fee is paid and the work begun:
    the request goes back to review, and its fee step still says the fee is paid, not
    "to come" (nor "not reached" once the request is closed there)."""
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    payment = fees.fee_request(request=request, actor=officer)
    fees.payment_record(payment=payment, method="bank_transfer", actor=officer)
    request.refresh_from_db()
    workflow.transition(request, to=Status.AWAITING_CUSTOMER, actor=officer, reason="Which years?")
    assert _states(progress_of(request)) == [
        ("received", DONE),
        ("identity", DONE),
        ("review", CURRENT),
        ("fee", DONE),
        ("work", UPCOMING),
        ("answer", UPCOMING),
    ]

    workflow.transition(request, to=Status.WITHDRAWN, actor=officer, reason="They wrote to stop.")
    assert _states(progress_of(request))[2:] == [
        ("review", STOPPED),
        ("fee", DONE),
        ("work", SKIPPED),
        ("answer", SKIPPED),
    ]


def test_a_rejection_on_identity_ends_at_the_identity_check_and_is_answered(customer, officer):
    """APPI Art. 37 / GDPR Art. 12(6): identity not confirmed, the request is refused
    with its reasons; the identity step was not passed."""
    request = entered_from_a_letter(customer, officer)
    workflow.transition(
        request,
        to=Status.REJECTED,
        actor=officer,
        reason="The documents did not match.",
        ground=RejectionGround.IDENTITY,
    )
    assert _states(progress_of(request)) == [
        ("received", DONE),
        ("identity", STOPPED),
        ("review", SKIPPED),
        ("work", SKIPPED),
        ("answer", DONE),
    ]


def test_a_closed_request_page_promises_no_answer_date_or_fee(
    stepped_up_client, customer, officer, file_request
):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    fees.fee_request(request=request, actor=officer)
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert "Expected answer" in page and "we start work once it is paid" in page
    workflow.transition(request, to=Status.WITHDRAWN, actor=customer)
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert "(ended here)" in page and "(not reached)" in page
    assert "Expected answer" not in page and "we start work once it is paid" not in page
    stepped_up_client.cookies["django_language"] = "ja"
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert "（ここで終了）" in page and "（未実施）" in page
    # The step where it ended says so on the screen too, not only to screen readers.
    assert '<span class="progress-note">（ここで終了）</span>' in page


def test_the_fee_step_stays_only_when_a_fee_was_asked(customer):
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="electronic"
    )
    request.status = Status.COMPLETED
    assert "fee" not in [step.key for step in progress_of(request).steps]


def test_the_page_shows_the_recipients_delivery_fee_deadline_and_steps(stepped_up_client, customer):
    recipient = recipients()["affiliate"]
    stop = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.STOP_PROVISION,
        scope={"recipients": [recipient.pk]},
        details="Please stop.",
    )
    disclosure = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="paper"
    )
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(f"/requests/{stop.pk}/").content.decode()
    assert "Sample Group Sales Co., Ltd." in page and "Ltd.." not in page
    assert "Where your request is" in page and 'aria-current="step"' in page
    assert "What you wrote with the request" in page and "Your details" not in page
    page = stepped_up_client.get(f"/requests/{disclosure.pk}/").content.decode()
    assert "Paper by post" in page
    assert "Expected answer" in page
    assert "Fee</dt>" in page


def test_a_disclosure_of_some_services_does_not_promise_everything(customer):
    from rights.summary import summary_of
    from tests.factories import RegistrationFactory, ServiceFactory

    service = ServiceFactory(code="mobile", name="モバイル", name_en="Mobile")
    RegistrationFactory(user=customer, service=service)
    request = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.DISCLOSURE,
        services=[service],
        delivery_method="electronic",
    )
    with translation.override("en"):
        summary = summary_of(request)
    # The services are named where the copy is described, not left as "these services"
    # with the list under another heading.
    assert summary.what[0] == "A copy of every kind of data we hold about you in Mobile."
    assert summary.services == "Only these services: Mobile."
    with translation.override("ja"):
        summary = summary_of(request)
    assert summary.what[0] == "モバイルで当社が保有するお客様のすべての種類のデータの写し。"


def test_the_review_page_labels_what_the_customer_wrote_as_theirs(stepped_up_client):
    stepped_up_client.cookies["django_language"] = "ja"
    response = stepped_up_client.post(
        "/requests/new/purpose_notice/",
        {"delivery_method": "electronic", "details": "郵送ではなく電子でお願いします。"},
    )
    page = response.content.decode()
    assert "ご請求に添えてお書きいただいた内容" in page and "お客様情報" not in page


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_summary_on_the_request_page_does_not_repeat_its_heading(
    stepped_up_client, customer, language
):
    """Its section was titled ご請求の内容 and its first line was ご請求の内容 again
    ("What you asked for", then "What you ask for"). It is titled as on the page that
    checks a request before it is filed."""
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DELETION, scope={"everything": True}
    )
    stepped_up_client.cookies["django_language"] = language
    html = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    section = html[html.index('id="summary-title"') :]
    heading = section[section.index(">") + 1 : section.index("</h2>")].strip()
    first_line = section[section.index("<dt>") + 4 : section.index("</dt>")].strip()
    assert heading == {"ja": "ご請求", "en": "Your request"}[language]
    assert first_line == {"ja": "ご請求の内容", "en": "What you ask for"}[language]
