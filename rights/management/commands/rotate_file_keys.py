from django.core.management.base import BaseCommand

from rights.disclosure import crypto
from rights.models import RequestMessage, SystemTask
from rights.requesters.models import IdentityDocument
from rights.uploads import rewrite_stored, stored_key

# The files people send, and the field each is kept in.
FILE_FIELDS = (
    (IdentityDocument, "file"),
    (RequestMessage, "attachment"),
    (SystemTask, "evidence"),
)


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored identity documents, attachments and task evidence under "
        "the first of DISCLOSURE_ENCRYPTION_KEY (and encrypt any stored in clear). Run it "
        "after putting a new key first; remove an old key only after it finished (and the "
        "disclosure packages made with it have expired). Prints its progress. Safe to stop "
        "and run again."
    )

    def handle(self, *args, **options):
        current = crypto.key_id(crypto.master_keys()[0])
        for model, field_name in FILE_FIELDS:
            label = model._meta.label
            rows = list(
                model.objects.exclude(**{field_name: ""})
                .order_by("pk")
                .values_list("pk", field_name)
            )
            self.stdout.write(f"{label}: {len(rows)} stored file(s)")
            storage = model._meta.get_field(field_name).storage
            changed = 0
            for number, (pk, name) in enumerate(rows, start=1):
                if storage.exists(name) and stored_key(storage, name) != current:
                    new_name = rewrite_stored(storage, name)
                    model.objects.filter(pk=pk, **{field_name: name}).update(
                        **{field_name: new_name}
                    )
                    storage.delete(name)
                    changed += 1
                if number % 100 == 0 or number == len(rows):
                    self.stdout.write(f"{label}: {number}/{len(rows)} read, {changed} re-encrypted")
                    self.stdout.flush()
