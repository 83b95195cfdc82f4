import portal.kernel.models
from django.db import migrations


class Migration(migrations.Migration):
    """Customer proxies of django-otp's devices (apart from 0001: otp depends on User)."""

    dependencies = [
        ("portal", "0001_initial"),
        ("otp_email", "0006_add_timestamps"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerEmailDevice',
            fields=[
            ],
            options={
                'verbose_name': 'e-mail code device',
                'verbose_name_plural': 'e-mail code devices',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(portal.kernel.models.StepUpThrottlingMixin, 'otp_email.emaildevice'),
        ),
        migrations.CreateModel(
            name='CustomerTOTPDevice',
            fields=[
            ],
            options={
                'verbose_name': 'authenticator app',
                'verbose_name_plural': 'authenticator apps',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=(portal.kernel.models.StepUpThrottlingMixin, 'otp_totp.totpdevice'),
        ),
    ]
