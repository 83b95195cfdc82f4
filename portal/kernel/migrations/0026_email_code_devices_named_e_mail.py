"""The customers' e-mail code devices were named "email", which the staff pages show
as the device ("email (taro@example.com)"); the site writes "e-mail"."""

from django.db import migrations


def rename(apps, schema_editor):
    apps.get_model("otp_email", "EmailDevice").objects.filter(name="email").update(name="e-mail")


def restore(apps, schema_editor):
    apps.get_model("otp_email", "EmailDevice").objects.filter(name="e-mail").update(name="email")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0025_email_fields_in_the_sites_spelling"),
    ]

    operations = [migrations.RunPython(rename, restore)]
