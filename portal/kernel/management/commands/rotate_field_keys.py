from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connections

from portal.kernel import encryption
from portal.kernel.fields import encrypted_fields, table_spec


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the first of FIELD_ENCRYPTION_KEYS and "
        "recompute the search hashes under FIELD_HASH_KEY. Run it after putting a new key "
        "first (or changing the hash key); remove an old key only after it finished. "
        "Prints its progress per batch. Safe to stop and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias.")
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (default 500)."
        )

    def handle(self, *args, database="default", batch_size=500, **options):
        connection = connections[database]
        models = [model for model in apps.get_models() if encrypted_fields(model)]
        for number, model in enumerate(models, start=1):
            label = f"[{number}/{len(models)}] {model._meta.label}"
            total = model._default_manager.using(database).count()
            columns = ", ".join(f.name for f in encrypted_fields(model))
            self.stdout.write(f"{label} ({columns}): {total} row(s)")

            def report(progress, label=label, total=total):
                share = 100 * progress.rows // total if total else 100
                self.stdout.write(
                    f"{label}: {progress.rows}/{total} row(s) read ({share}%), "
                    f"{progress.changed} updated"
                )
                self.stdout.flush()

            progress = encryption.reencrypt_table(
                connection, table_spec(model), batch_size=batch_size, on_batch=report
            )
            self.stdout.write(
                f"{label}: done, {progress.rows} row(s) read, {progress.changed} updated."
            )
