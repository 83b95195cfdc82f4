"""Stop-use and stop-provision requests are enforced from the moment they are approved.

APPI art. 35 (stop of use / of provision; an alternative measure where
stopping is very costly), GDPR arts. 18 and 21 (restriction, objection).
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from consent import marketing
from consent import services as consent
from consent.models import ConsentRecord, MarketingDelivery, ProcessingRestriction
from rights import stop_decisions
from rights.choices import EventKind, Kind, Regime, RejectionGround, Status
from rights.forms import StopUseForm
from rights.models import RequestEvent, RequestNotification
from rights.notice_text import render_notice
from rights.workflow import transition
from tests.consent_support import purpose, recipients

pytestmark = pytest.mark.django_db


def _grant_marketing(user):
    consent.consent_update(
        subject=user,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )


@pytest.fixture
def stop_marketing(customer, officer, file_request):
    _grant_marketing(customer)
    request = file_request(
        customer, kind=Kind.STOP_USE, scope={"purposes": ["marketing"]}, details="Too many mails."
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    return request


def _notice(request, kind):
    notification = RequestNotification.objects.get(request=request, kind=kind)
    return render_notice(notification, language="en")[1]


def test_approved_stop_use_for_marketing_makes_the_marketing_job_skip_the_customer(
    stop_marketing, customer, officer, django_capture_on_commit_callbacks
):
    """APPI art. 35(1), GDPR art. 21(3): after approval no marketing mail goes out."""
    assert consent.may_use(customer, "marketing")
    # Selected for this week's mail before the decision, sent after it.
    with django_capture_on_commit_callbacks(execute=False):
        campaign = marketing.marketing_campaign_run(key="weekly-before")
    delivery = MarketingDelivery.objects.get(campaign=campaign, subject=customer)

    stop_decisions.stop_decide(
        request=stop_marketing, decisions={"purpose:marketing": "stop"}, actor=officer
    )

    assert stop_marketing.status == Status.COMPLETED
    assert not consent.may_use(customer, "marketing")
    assert consent.may_use(customer, "orders_delivery")  # only what was asked
    assert not marketing.marketing_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == MarketingDelivery.Status.SKIPPED
    with django_capture_on_commit_callbacks(execute=True):
        later = marketing.marketing_campaign_run(key="weekly-after")
    assert not MarketingDelivery.objects.filter(campaign=later, subject=customer).exists()

    restriction = ProcessingRestriction.objects.get(subject=customer)
    assert restriction.source == ProcessingRestriction.Source.STOP_USE_REQUEST
    assert restriction.source_reference == f"rights.rightsrequest:{stop_marketing.pk}"
    body = _notice(stop_marketing, "completed")
    assert "We have stopped using your data for:" in body and "Marketing" in body


def test_approved_stop_provision_refuses_a_provision_record_to_that_recipient(
    customer, officer, file_request
):
    """APPI art. 35(3): a stopped provision cannot be recorded (nor made)."""
    to = recipients()
    _grant_marketing(customer)
    assert consent.may_provide(customer, to["affiliate"])
    request = file_request(
        customer, kind=Kind.STOP_PROVISION, scope={"recipients": [to["affiliate"].pk]}
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    stop_decisions.stop_decide(
        request=request, decisions={f"recipient:{to['affiliate'].pk}": "stop"}, actor=officer
    )
    assert not consent.may_provide(customer, to["affiliate"])
    with pytest.raises(consent.ProvisionRefused, match="asked us to stop providing"):
        consent.provision_record_create(
            subject=customer,
            recipient=to["affiliate"],
            provided_on=timezone.localdate(),
            data_items="name",
            ground="consent",
        )
    # Another recipient is untouched.
    assert consent.may_provide(customer, to["delivery"])


def test_stop_every_use_is_one_restriction_for_all_purposes(customer, officer, file_request):
    """APPI art. 35(1), GDPR art. 18: the customer may ask to stop every use."""
    form = StopUseForm({"everything": "on", "details": "All of it."}, subject=customer)
    assert form.is_valid(), form.errors
    request = file_request(customer, kind=Kind.STOP_USE, scope=form.scope())
    transition(request, to=Status.IN_REVIEW, actor=officer)
    stop_decisions.stop_decide(request=request, decisions={"all": "stop"}, actor=officer)
    restriction = ProcessingRestriction.objects.get(subject=customer)
    assert restriction.purpose is None and restriction.scope == "use"
    assert not consent.may_use(customer, "orders_delivery")


def test_an_alternative_measure_under_appi_creates_no_restriction_and_the_customer_is_told(
    stop_marketing, customer, officer
):
    """APPI art. 35(2) proviso: a measure instead of stopping, told with the reason."""
    stop_decisions.stop_decide(
        request=stop_marketing,
        decisions={"purpose:marketing": "alternative"},
        measure="Your data is kept out of every campaign list by hand.",
        reason="Stopping the shared mailing system would cost out of all proportion.",
        actor=officer,
    )
    assert not ProcessingRestriction.objects.filter(subject=customer).exists()
    assert stop_marketing.status == Status.PARTIALLY_COMPLETED
    event = RequestEvent.objects.get(request=stop_marketing, kind=EventKind.STOP)
    assert event.details["alternative"] == ["purpose:marketing"]
    body = _notice(stop_marketing, "partially_completed")
    assert "Your data is kept out of every campaign list by hand." in body
    assert "cost out of all proportion" in body


def test_no_alternative_measure_under_gdpr(customer, officer, file_request):
    """GDPR arts. 18/21 know no alternative measure: stop, or decline with a ground."""
    _grant_marketing(customer)
    request = file_request(
        customer, kind=Kind.STOP_USE, scope={"purposes": ["marketing"]}, regime=Regime.GDPR
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    with pytest.raises(ValidationError, match="only under APPI"):
        stop_decisions.stop_decide(
            request=request,
            decisions={"purpose:marketing": "alternative"},
            measure="m",
            reason="r",
            actor=officer,
        )
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert consent.may_use(customer, "marketing")


def test_declining_everything_needs_a_ground_and_changes_nothing(stop_marketing, customer, officer):
    """APPI art. 35: no ground to stop; the refusal states the legal ground."""
    with pytest.raises(ValidationError):
        stop_decisions.stop_decide(
            request=stop_marketing,
            decisions={"purpose:marketing": "decline"},
            reason="Consent still given.",
            actor=officer,
        )
    stop_decisions.stop_decide(
        request=stop_marketing,
        decisions={"purpose:marketing": "decline"},
        reason="You can withdraw marketing consent yourself on the consent page.",
        ground=RejectionGround.NO_GROUND,
        actor=officer,
    )
    assert stop_marketing.status == Status.REJECTED
    assert consent.may_use(customer, "marketing")
    assert "We have not stopped using your data for:" in _notice(stop_marketing, "rejected")


def test_admin_decides_a_stop_and_the_customer_sees_it_on_the_consent_page(
    officer_client, stop_marketing, request
):
    page = officer_client.get(f"/admin/rights/rightsrequest/{stop_marketing.pk}/change/")
    assert 'name="decision:purpose:marketing"' in page.content.decode()
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{stop_marketing.pk}/stop/",
        {"decision:purpose:marketing": "stop", "confirm": "1"},
    )
    assert response.status_code == 302
    stop_marketing.refresh_from_db()
    assert stop_marketing.status == Status.COMPLETED
    # The same test client, now logged in as the customer.
    consent_page = request.getfixturevalue("stepped_up_client").get("/consent/").content.decode()
    assert "restrictions-title" in consent_page
    assert stop_marketing.reference in consent_page


def test_a_stop_decision_left_out_is_named_by_its_purpose(officer_client, stop_marketing):
    """A decision missing from the post is named as the page names it, by the
    purpose's title, not by the form's key ("Decision:purpose:marketing")."""
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{stop_marketing.pk}/stop/", {"confirm": "1"}, follow=True
    )
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "purpose:marketing" not in shown.lower()
    assert purpose("marketing").title_en in shown, shown
    stop_marketing.refresh_from_db()
    assert stop_marketing.status == Status.IN_REVIEW


def test_the_message_after_a_declined_stop_does_not_say_something_changed(
    officer_client, stop_marketing
):
    """APPI art. 35(7): the person is told the decision, here that nothing was stopped;
    the message said "The person is told what changed"."""
    officer_client.cookies["django_language"] = "en"
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{stop_marketing.pk}/stop/",
        {
            "decision:purpose:marketing": "decline",
            "reason": "You can withdraw marketing consent yourself on the consent page.",
            "ground": RejectionGround.NO_GROUND,
            "confirm": "1",
        },
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "Decided: Rejected. The requester is told the decision." in shown, shown


def test_the_now_column_reads_not_in_use_after_the_customer_withdrew_consent(
    stop_marketing, customer
):
    """APPI art. 35: staff deciding a stop see what happens now; a withdrawn consent
    already stops marketing (GDPR art. 7(3)), so it is not shown as "in use"."""
    target = stop_decisions.requested_targets(stop_marketing)[0]
    assert stop_decisions.current_state(stop_marketing, target).in_use
    consent.consent_update(
        subject=customer,
        choices={purpose("marketing"): False},
        method=ConsentRecord.Method.DASHBOARD,
    )
    state = stop_decisions.current_state(stop_marketing, target)
    assert not state.in_use and state.restriction is None
    assert state.choice.action == ConsentRecord.Action.WITHDRAWN


def test_the_now_column_in_the_admin_after_a_withdrawal(stop_marketing, customer, officer_client):
    consent.consent_update(
        subject=customer,
        choices={purpose("marketing"): False},
        method=ConsentRecord.Method.DASHBOARD,
    )
    page = officer_client.get(f"/admin/rights/rightsrequest/{stop_marketing.pk}/change/")
    text = page.content.decode()
    # The officer reads the admin in Japanese.
    assert "利用していません：" in text and "に同意が撤回されました" in text


def test_the_stop_option_is_not_the_table_header_in_japanese():
    """The decision "Stop" has its own Japanese ("停止する"), not the header "停止の種類"."""
    with translation.override("ja"):
        assert str(stop_decisions.DECISIONS[stop_decisions.STOP]) == "停止する"
        assert translation.gettext("Stop") == "停止の種類"


def test_a_recipients_name_ending_in_a_period_ends_its_line_once(customer, officer, file_request):
    """「Declined, not stopped: Sample Group Sales Co., Ltd..」 ended on two periods."""
    from rights.confirmations import stop_confirmation

    to = recipients()
    request = file_request(
        customer, kind=Kind.STOP_PROVISION, scope={"recipients": [to["affiliate"].pk]}
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    with translation.override("en"):
        page = stop_confirmation(
            request,
            decisions={f"recipient:{to['affiliate'].pk}": "decline"},
            measure="",
            reason="The provision is based on your consent.",
            ground=RejectionGround.NO_GROUND,
        )
    texts = [line.text for line in page.lines]
    assert "Declined, not stopped: Sample Group Sales Co., Ltd." in texts, texts


def test_the_stop_in_the_timeline_has_japanese_punctuation(officer_client, stop_marketing):
    """「利用を停止した目的： マーケティング…」 had a space after the colon (and lists a
    comma): the timeline speaks the page's language."""
    officer_client.post(
        f"/admin/rights/rightsrequest/{stop_marketing.pk}/stop/",
        {"decision:purpose:marketing": "stop", "confirm": "1"},
    )
    officer_client.cookies["django_language"] = "ja"
    page = officer_client.get(f"/admin/rights/rightsrequest/{stop_marketing.pk}/change/")
    text = page.content.decode()
    assert "<li>利用を停止した目的：" in text
    assert "利用を停止した目的： " not in text
