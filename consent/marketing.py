"""The marketing mail: the weekly run selects the customers who may get it and
queues one mail each; each mail is sent at most once, asking ``may_use``
again just before.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.kernel import outbox
from portal.kernel.audit import audit_log
from portal.kernel.emails import send_templated_email

from . import selectors
from .models import (
    MarketingCampaign,
    MarketingDelivery,
)
from .services.answers import MARKETING, may_use
from .services.evidence import lock_subject

logger = logging.getLogger(__name__)

#: The task that sends one mail, queued by name (consent.tasks runs this module).
SEND_MARKETING_MAIL = "consent.tasks.send_marketing_mail"

# transaction, and a run that stops half-way resumes where it left off, since
# a customer already selected for the campaign is not selected again.
MARKETING_BATCH_SIZE = 500


def marketing_campaign_key(*, today: datetime.date | None = None) -> str:
    """The key of this week's run, e.g. "weekly-2026-W47" (ISO week)."""
    year, week, _weekday = (today or timezone.localdate()).isocalendar()
    return f"weekly-{year}-W{week:02d}"


def marketing_campaign_run(*, key: str) -> MarketingCampaign:
    """Select the customers who may get marketing mail and queue one mail each.

    Only active, verified customers for whom ``may_use(customer, "marketing")``
    is true are selected; each gets one :class:`MarketingDelivery` per
    campaign (a unique pair), so running the same key again, or a retried
    task, never mails anyone twice. Deliveries still pending (e.g. after a
    crash before they were queued) are queued again; sending them is
    idempotent (see :func:`marketing_delivery_send`).
    """
    purpose = selectors.purpose_by_code(MARKETING)
    with transaction.atomic():
        campaign, created = MarketingCampaign.objects.get_or_create(key=key)
        if created:
            audit_log(action="consent.marketing_campaign_started", target=campaign)
    last_pk = 0
    while True:
        batch = list(
            selectors.subjects_allowed_for_use(purpose)
            .filter(is_active=True, is_staff=False, email_verified_at__isnull=False, pk__gt=last_pk)
            .exclude(marketing_deliveries__campaign=campaign)
            .order_by("pk")
            .values_list("pk", flat=True)[:MARKETING_BATCH_SIZE]
        )
        if not batch:
            break
        with transaction.atomic():
            # A concurrent run of the same key may insert the same pairs: skip them.
            MarketingDelivery.objects.bulk_create(
                [MarketingDelivery(campaign=campaign, subject_id=pk) for pk in batch],
                ignore_conflicts=True,
            )
        last_pk = batch[-1]
    pending = campaign.deliveries.filter(status=MarketingDelivery.Status.PENDING)
    for delivery_id in pending.order_by("pk").values_list("pk", flat=True).iterator():
        outbox.enqueue(SEND_MARKETING_MAIL, delivery_id)
    return campaign


def marketing_delivery_send(*, delivery_id: int) -> bool:
    """Send one marketing mail, at most once; True when it was handed over.

    The delivery is claimed (marked sent) and committed before the mail is
    handed to the mail server, so a retried or duplicated task finds it sent
    and does nothing. The cost of that guarantee: a mail server error leaves
    the delivery "failed" rather than retrying it. ``may_use`` is asked again
    under the customer's row lock, so a withdrawal made after the customer
    was selected is honoured.
    """
    # Anything that can fail for a reason other than the mail server fails here,
    # before the claim, and leaves the delivery pending for the next run.
    consent_path = reverse("consent:dashboard")
    with transaction.atomic():
        delivery = (
            MarketingDelivery.objects.select_for_update()
            .select_related("campaign")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != MarketingDelivery.Status.PENDING:
            return False
        subject = lock_subject(delivery.subject)
        if not (subject.is_active and may_use(subject, MARKETING)):
            delivery.status = MarketingDelivery.Status.SKIPPED
            delivery.save(update_fields=["status"])
            return False
        delivery.status = MarketingDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["status", "sent_at"])
    try:
        send_templated_email(
            to=subject.email,
            template="consent_marketing",
            context={"consent_path": consent_path},
            language=subject.language,
        )
    except OSError:  # smtplib's errors included
        logger.exception("marketing mail %s could not be sent", delivery_id)
        MarketingDelivery.objects.filter(pk=delivery_id).update(
            status=MarketingDelivery.Status.FAILED
        )
        return False
    return True
