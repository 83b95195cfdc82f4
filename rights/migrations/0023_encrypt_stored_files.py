"""Encrypt the identity documents and attachments stored before files were
encrypted (the scheme of disclosure packages, rights.disclosure.crypto), and
decrypt them going back.

Each file is written anew under a new random name in its folder, its row is
pointed at it, then the old file is deleted; a file that already is (or, going
back, is not) encrypted is left alone, so a run that stopped half-way resumes.
"""

from django.core.files.storage import storages
from django.db import migrations

from rights.uploads import rewrite_stored, stored_key

# (table, primary key, file column)
FILE_COLUMNS = [
    ("rights_identitydocument", "id", "file"),
    ("rights_requestmessage", "id", "attachment"),
]


def _convert(schema_editor, *, seal: bool):
    storage = storages["private"]
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for table, pk, column in FILE_COLUMNS:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "
                f"WHERE {quote(column)} <> '' ORDER BY {quote(pk)}"
            )
            rows = cursor.fetchall()
        for row_pk, name in rows:
            if not storage.exists(name) or (stored_key(storage, name) is not None) == seal:
                continue
            new_name = rewrite_stored(storage, name, seal=seal)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",
                    [new_name, row_pk],
                )
            storage.delete(name)


def forwards(apps, schema_editor):
    _convert(schema_editor, seal=True)


def backwards(apps, schema_editor):
    _convert(schema_editor, seal=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("rights", "0022_encrypt_free_text_and_names"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
