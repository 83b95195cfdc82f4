# Joins the branches of the migration graph that were written side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0015_api_clients_keys_callbacks'),
        ('portal', '0015_user_time_zone'),
        ('portal', '0016_encrypt_profile_occupation_industry'),
    ]

    operations = [
    ]
