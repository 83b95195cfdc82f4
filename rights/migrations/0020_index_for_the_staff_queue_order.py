# The staff queue's default order (due_at, id) read from an index, not sorted.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0019_erasure_ledger_append_only"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="rightsrequest",
            index=models.Index(fields=["due_at", "id"], name="rights_queue_due_id"),
        ),
    ]
