"""Encrypt the occupations and industries stored before 0015. Not atomic, resumable: see 0009."""

from django.db import migrations

from portal.kernel import encryption


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("portal", "0015_profile_occupation_industry_encrypted"),
    ]

    operations = [
        encryption.migration_operation(
            encryption.TableSpec(
                table="portal_profile", pk="id", columns={"occupation": "text", "industry": "text"}
            ),
        )
    ]
