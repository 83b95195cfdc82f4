from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rights', '0022_disclosure_link_renewed_once'),
    ]

    operations = [
        migrations.AlterField(
            model_name='requestnotification',
            name='kind',
            field=models.CharField(choices=[('received', 'Request received'), ('verification_needed', 'Identity verification needed'), ('information_needed', 'Information needed'), ('fee_due', 'Fee due'), ('extended', 'Deadline extended'), ('completed', 'Completed'), ('partially_completed', 'Partially completed'), ('rejected', 'Rejected'), ('expired', 'Expired'), ('status_changed', 'Status changed'), ('message', 'Message from the privacy office')], help_text='Which notice.', max_length=24, verbose_name='kind'),
        ),
    ]
