from django.db import migrations, models

#: The note the demo fees were published with, in both languages in one field.
DEMO_NOTE = "郵送料込み / postage included"


def split_demo_note(apps, schema_editor):
    """The demo fee's two-language note becomes its Japanese and English notes."""
    FeeSchedule = apps.get_model("rights", "FeeSchedule")
    FeeSchedule.objects.filter(note=DEMO_NOTE).update(note="郵送料込み", note_en="Postage included")


class Migration(migrations.Migration):

    dependencies = [
        ('rights', '0020_index_for_the_staff_queue_order'),
    ]

    operations = [
        migrations.AddField(
            model_name='feeschedule',
            name='note_en',
            field=models.CharField(blank=True, help_text='The note on the English fee page; the Japanese note is used when empty.', max_length=300, verbose_name='note in English'),
        ),
        migrations.AlterField(
            model_name='feeschedule',
            name='note',
            field=models.CharField(blank=True, help_text='Shown with the fee on the public fee page, in Japanese, e.g. what the amount covers.', max_length=300, verbose_name='note'),
        ),
        migrations.RunPython(split_demo_note, migrations.RunPython.noop),
    ]
