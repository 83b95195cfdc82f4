"""Deletions whose erasure was planned before ``erasure_planned_at`` existed.

The workflow lets a deletion complete only once its plan was made; a plan is
its ``DeferredErasure`` rows, so a request that has rows was planned when the
first of them was written.
"""

from django.db import migrations
from django.db.models import Min


def forwards(apps, schema_editor):
    RightsRequest = apps.get_model("rights", "RightsRequest")
    planned = (
        RightsRequest.objects.filter(
            erasure_planned_at__isnull=True, deferred_erasures__isnull=False
        )
        .annotate(first_step=Min("deferred_erasures__created_at"))
        .values_list("pk", "first_step")
    )
    for pk, first_step in planned.iterator(chunk_size=1000):
        RightsRequest.objects.filter(pk=pk).update(erasure_planned_at=first_step)


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0016_rightsrequest_erasure_planned_at"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
