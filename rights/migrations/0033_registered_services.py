"""The services each request's customer was registered with when it was filed.

Requests filed before this field existed get the customer's registrations as
they are now: the closest record there is (a registration a completed deletion
already erased cannot be brought back).
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    RightsRequest = apps.get_model("rights", "RightsRequest")
    Registration = apps.get_model("portal", "ServiceRegistration")
    through = RightsRequest.registered_services.through
    quote = schema_editor.quote_name
    # One INSERT ... SELECT: the table may hold millions of requests.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(through._meta.db_table)} "
            f"({quote(through._meta.get_field('rightsrequest').column)}, "
            f"{quote(through._meta.get_field('service').column)}) "
            f"SELECT DISTINCT r.{quote('id')}, g.{quote('service_id')} "
            f"FROM {quote(RightsRequest._meta.db_table)} r "
            f"JOIN {quote(Registration._meta.db_table)} g ON g.{quote('user_id')} = r.{quote('subject_id')}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0018_profile_contact_validators"),
        ("rights", "0032_identity_postal_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="rightsrequest",
            name="registered_services",
            field=models.ManyToManyField(
                blank=True,
                help_text=(
                    "The services the customer was registered with when the request was "
                    "filed or matched to them. A request naming no service concerns these "
                    "even after it erased the registrations."
                ),
                related_name="+",
                to="portal.service",
                verbose_name="customer's services when filed",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
