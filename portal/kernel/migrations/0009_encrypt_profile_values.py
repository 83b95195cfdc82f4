"""Encrypt the profile values stored before 0008 and fill their derived columns.

Not atomic: each batch of rows commits on its own, so a run that stops half-way
(a deploy interrupted, a lost connection) is resumed by running migrate again;
rows already encrypted are left as they are.
"""

from django.db import migrations

from portal.kernel import dates, encryption, prefectures

PROFILE = encryption.TableSpec(
    table="portal_profile",
    pk="id",
    columns={"postal_code": "text", "address": "text", "phone": "text", "date_of_birth": "date"},
    derived=(
        encryption.Derived("phone_hash", "phone", encryption.phone_hash),
        encryption.Derived("date_of_birth_hash", "date_of_birth", encryption.date_hash),
        encryption.Derived("birth_year", "date_of_birth", dates.birth_year),
        encryption.Derived("prefecture", "address", prefectures.prefecture_of),
    ),
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("portal", "0008_profile_encrypted_columns"),
    ]

    operations = [encryption.migration_operation(PROFILE)]
