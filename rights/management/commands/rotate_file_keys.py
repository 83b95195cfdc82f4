import posixpath
import re

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

# A stored name: the random stem given at upload, the id of the key a rewrite was
# made under (none before the first), the extension.
_NAME = re.compile(r"^(?P<stem>[^.]*?)(?:-(?P<key>[0-9a-f]{16}))?(?P<ext>\..*)?$")


def _parts(name: str) -> tuple[str, str, str]:
    folder, base = posixpath.split(name)
    found = _NAME.match(base)
    return folder, found["stem"], found["ext"] or ""


def rotated_name(name: str, key_id: bytes) -> str:
    """The name a file is rewritten under with the key ``key_id``: its stem and the
    key's id, so a run stopped part-way finds what it wrote before."""
    folder, stem, ext = _parts(name)
    return posixpath.join(folder, f"{stem}-{key_id.hex()}{ext}")


def earlier_names(name: str, key_ids) -> list[str]:
    """The names the same file had before its rewrites under ``key_ids``."""
    folder, stem, ext = _parts(name)
    names = [posixpath.join(folder, stem + ext)]
    names += [rotated_name(name, key_id) for key_id in key_ids]
    return [other for other in names if other != name]


def _referenced(name: str) -> bool:
    return any(
        model.objects.filter(**{field_name: name}).exists() for model, field_name in FILE_FIELDS
    )


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored identity documents, attachments and task evidence under "
        "the first of DISCLOSURE_ENCRYPTION_KEY (and encrypt any stored in clear). Run it "
        "after putting a new key first; remove an old key only after it finished (and the "
        "disclosure packages made with it have expired). Prints its progress. Safe to stop "
        "(even killed) and run again: the next run finishes the work and removes the "
        "copies the stopped one left."
    )

    def handle(self, *args, **options):
        key_ids = [crypto.key_id(key) for key in crypto.master_keys()]
        current = key_ids[0]
        for model, field_name in FILE_FIELDS:
            label = model._meta.label
            rows = list(
                model.objects.exclude(**{field_name: ""})
                .order_by("pk")
                .values_list("pk", field_name)
            )
            self.stdout.write(f"{label}: {len(rows)} stored file(s)")
            storage = model._meta.get_field(field_name).storage
            changed = removed = 0
            for number, (pk, name) in enumerate(rows, start=1):
                target = rotated_name(name, current)
                if name == target:
                    # Rewritten under the current key: a run killed after pointing the
                    # row here and before deleting the file it read left that file.
                    removed += self._remove(storage, earlier_names(name, key_ids))
                elif storage.exists(name) and stored_key(storage, name) != current:
                    # A run killed before pointing the row at its copy left the copy.
                    removed += self._remove(storage, [target])
                    new_name = rewrite_stored(storage, name, new_name=target)
                    pointed = model.objects.filter(pk=pk, **{field_name: name}).update(
                        **{field_name: new_name}
                    )
                    # The row changed meanwhile (deleted, given another file): the
                    # copy is nobody's.
                    storage.delete(name if pointed else new_name)
                    changed += 1 if pointed else 0
                if number % 100 == 0 or number == len(rows):
                    self.stdout.write(
                        f"{label}: {number}/{len(rows)} read, {changed} re-encrypted"
                        + (f", {removed} left by a stopped run removed" if removed else "")
                    )
                    self.stdout.flush()

    @staticmethod
    def _remove(storage, names) -> int:
        """Delete the files among ``names`` that exist and no row points at."""
        gone = 0
        for name in names:
            if storage.exists(name) and not _referenced(name):
                storage.delete(name)
                gone += 1
        return gone
