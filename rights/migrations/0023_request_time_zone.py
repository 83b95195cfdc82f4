# Each request counts its deadline in its requester's time zone (GDPR art. 12(3),
# CCPA §7021): the regime's zone by default. Requests filed before get their
# regime's zone, and the open ones their deadlines counted again in it.

import datetime as dt

from django.conf import settings
from django.db import migrations, models

import portal.kernel.dates
from rights import deadlines

OPEN = (
    "submitted",
    "awaiting_verification",
    "in_review",
    "awaiting_customer",
    "awaiting_payment",
    "in_progress",
)


def zone_and_recount(apps, schema_editor):
    RightsRequest = apps.get_model("rights", "RightsRequest")
    zones = settings.RIGHTS_REGIME_TIME_ZONES
    for regime, zone in zones.items():
        RightsRequest.objects.filter(regime=regime, time_zone="").update(time_zone=zone)
    RightsRequest.objects.filter(time_zone="").update(time_zone=settings.TIME_ZONE)
    now = dt.datetime.now(dt.UTC)
    for request in RightsRequest.objects.filter(status__in=OPEN).prefetch_related("pauses"):
        pauses = [
            deadlines.Pause(started_at=p.started_at, ended_at=p.ended_at, reason=p.reason)
            for p in request.pauses.all()
        ]
        request.due_at = deadlines.due_at(
            request.regime,
            request.received_at,
            kind=request.kind,
            pauses=pauses,
            extended_to=request.extended_to,
            now=now,
            tz=request.time_zone,
        )
        request.acknowledgement_due_at = deadlines.acknowledgement_due(
            request.regime, request.received_at, tz=request.time_zone
        )
        request.save(update_fields=["due_at", "acknowledgement_due_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0022_payment_further_copy_names_the_earlier_delivery"),
    ]

    operations = [
        migrations.AddField(
            model_name="rightsrequest",
            name="time_zone",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The requester's time zone, in which the deadline's days are counted; set "
                    "from the regime when the request is filed (RIGHTS_REGIME_TIME_ZONES)."
                ),
                max_length=64,
                validators=[portal.kernel.dates.validate_time_zone],
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(zone_and_recount, migrations.RunPython.noop),
    ]
