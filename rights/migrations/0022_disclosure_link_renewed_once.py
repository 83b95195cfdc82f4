from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rights', '0021_fee_note_in_english'),
    ]

    operations = [
        migrations.AddField(
            model_name='disclosurepackage',
            name='renewed_at',
            field=models.DateTimeField(blank=True, help_text='When the person asked for a fresh link (once, while the file is kept).', null=True, verbose_name='link renewed at'),
        ),
    ]
