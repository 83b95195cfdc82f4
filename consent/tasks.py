"""Celery entry points of the consent app: fetch by id, call a service, nothing else."""

from celery import shared_task

from portal.kernel.jobs import ScheduledJob
from portal.kernel.outbox import ResumableOutboxTask

from . import services


@shared_task(base=ScheduledJob)
def marketing_mail_weekly() -> str:
    """Beat: this week's marketing mail run; repeating it mails no one twice."""
    campaign = services.marketing_campaign_run(key=services.marketing_campaign_key())
    return campaign.key


@shared_task(base=ResumableOutboxTask)
def send_marketing_mail(delivery_id: int) -> bool:
    # No automatic retry: the delivery is claimed before sending (at most once).
    return services.marketing_delivery_send(delivery_id=delivery_id)
