# Joins the branches of the migration graph that were written side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('rights', '0021_api_filing'),
        ('rights', '0021_external_systems_and_tasks'),
        ('rights', '0021_notice_texts'),
        ('rights', '0022_corporate_customers'),
        ('rights', '0023_encrypt_stored_files'),
        ('rights', '0023_notices_of_status_changes_and_messages'),
        ('rights', '0024_consent_records_kept_while_relied_on'),
    ]

    operations = [
    ]
