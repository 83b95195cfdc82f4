"""The marketing mail job: only customers who may be used for marketing, once per run."""

import datetime
import re
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail

from consent import marketing, services, tasks
from consent.models import ConsentRecord, MarketingDelivery, ProcessingRestriction
from tests.consent_support import purpose
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = MarketingDelivery.Status


def _grant(user, granted=True):
    services.consent_update(
        subject=user, choices={purpose("marketing"): granted}, method=ConsentRecord.Method.DASHBOARD
    )


@pytest.fixture
def audience(customer, other_customer):
    """Who agreed, who withdrew, who never chose, and who may not be mailed anyway."""
    _grant(customer)
    _grant(other_customer)
    _grant(other_customer, False)
    never = ProfileFactory().user
    english = ProfileFactory(user__language="en").user
    _grant(english)
    unverified = UserFactory(email_verified_at=None)
    _grant(unverified)
    inactive = UserFactory(is_active=False)
    _grant(inactive)
    staff = UserFactory(is_staff=True)
    _grant(staff)
    stopped = ProfileFactory().user
    _grant(stopped)
    services.restriction_create(
        subject=stopped,
        scope=ProcessingRestriction.Scope.USE,
        purpose=purpose("marketing"),
        source=ProcessingRestriction.Source.STOP_USE_REQUEST,
    )
    return {"yes": [customer, english], "no": [other_customer, never, stopped]}


def _run(capture, key="weekly-test"):
    with capture(execute=True):
        return marketing.marketing_campaign_run(key=key)


def test_only_customers_who_may_be_used_for_marketing_are_mailed(
    audience, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in audience["yes"])
    by_address = {m.to[0]: m for m in mail.outbox}
    english = by_address[audience["yes"][1].email]
    assert not re.search(r"[\u3040-\u30ff]", english.subject + english.body)
    japanese = by_address[audience["yes"][0].email]
    assert re.search(r"[\u3040-\u30ff]", japanese.subject)
    assert "/consent/" in japanese.body


def test_running_the_same_campaign_again_mails_no_one_twice(
    audience, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert MarketingDelivery.objects.filter(status=Status.SENT).count() == 2
    # A new campaign mails them again.
    _run(django_capture_on_commit_callbacks, key="weekly-next")
    assert len(mail.outbox) == 4


def test_a_retried_or_duplicated_send_task_sends_once(customer, django_capture_on_commit_callbacks):
    _grant(customer)
    with django_capture_on_commit_callbacks(execute=False):
        campaign = marketing.marketing_campaign_run(key="weekly-dup")
    delivery = campaign.deliveries.get()
    assert tasks.send_marketing_mail.run(delivery.pk) is True
    assert tasks.send_marketing_mail.run(delivery.pk) is False
    assert len(mail.outbox) == 1
    # The whole run retried after a crash: still one mail.
    with django_capture_on_commit_callbacks(execute=True):
        marketing.marketing_campaign_run(key="weekly-dup")
    assert len(mail.outbox) == 1


def test_a_withdrawal_after_selection_is_honoured_at_sending(
    customer, django_capture_on_commit_callbacks
):
    _grant(customer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        campaign = marketing.marketing_campaign_run(key="weekly-late")
    _grant(customer, False)
    for callback in queued:
        callback()
    assert mail.outbox == []
    assert campaign.deliveries.get().status == Status.SKIPPED


def test_a_pending_delivery_left_by_a_crash_is_sent_by_the_next_run(
    customer, django_capture_on_commit_callbacks
):
    _grant(customer)
    with django_capture_on_commit_callbacks(execute=False):
        marketing.marketing_campaign_run(key="weekly-crash")  # queued mails lost
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        marketing.marketing_campaign_run(key="weekly-crash")
    assert len(mail.outbox) == 1


def test_a_mail_server_error_marks_the_delivery_failed_and_never_resends(
    customer, django_capture_on_commit_callbacks
):
    _grant(customer)
    refuse = mock.patch(
        "portal.kernel.emails.EmailMultiAlternatives.send", side_effect=OSError("down")
    )
    with refuse, django_capture_on_commit_callbacks(execute=True):
        campaign = marketing.marketing_campaign_run(key="weekly-fail")
    delivery = campaign.deliveries.get()
    assert delivery.status == Status.FAILED
    assert tasks.send_marketing_mail.run(delivery.pk) is False
    assert mail.outbox == []


def test_the_weekly_job_is_scheduled_and_keyed_by_iso_week(
    customer, django_capture_on_commit_callbacks
):
    schedule = settings.CELERY_BEAT_SCHEDULE["consent-marketing-mail"]
    assert schedule["task"] == "consent.tasks.marketing_mail_weekly"
    assert marketing.marketing_campaign_key(today=datetime.date(2026, 11, 23)) == "weekly-2026-W48"
    _grant(customer)
    with django_capture_on_commit_callbacks(execute=True):
        key = tasks.marketing_mail_weekly.run()
    assert key == marketing.marketing_campaign_key()
    assert len(mail.outbox) == 1
