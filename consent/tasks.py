"""Celery entry points of the consent app: fetch by id, call a service, nothing else.

The names are pinned: the beat schedule and queued messages store them.
"""

from celery import shared_task

from portal.kernel.jobs import ScheduledJob
from portal.kernel.outbox import ResumableOutboxTask

from . import marketing


@shared_task(base=ScheduledJob, name="consent.tasks.marketing_mail_weekly")
def marketing_mail_weekly() -> str:
    """Beat: this week's marketing mail run; repeating it mails no one twice."""
    campaign = marketing.marketing_campaign_run(key=marketing.marketing_campaign_key())
    return campaign.key


@shared_task(base=ResumableOutboxTask, name=marketing.SEND_MARKETING_MAIL)
def send_marketing_mail(delivery_id: int) -> bool:
    # No automatic retry: the delivery is claimed before sending (at most once).
    return marketing.marketing_delivery_send(delivery_id=delivery_id)
