import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import portal.kernel.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('email', models.EmailField(error_messages={'unique': 'An account with this e-mail address already exists.'}, help_text='The login; unique whatever its case.', max_length=254, unique=True, verbose_name='e-mail address')),
                ('email_verified_at', models.DateTimeField(blank=True, help_text='When the customer followed the verification link; empty until then.', null=True, verbose_name='e-mail verified at')),
                ('language', models.CharField(choices=[('ja', 'Japanese'), ('en', 'English')], default='ja', help_text='The language of e-mails and notices sent to this person.', max_length=8, verbose_name='language')),
                ('is_staff', models.BooleanField(default=False, help_text='Staff may log in to the admin site (with a one-time password).', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Inactive accounts cannot log in; used instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, help_text='When the account was created.', verbose_name='date joined')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
            ],
            options={
                'verbose_name': 'user',
                'verbose_name_plural': 'users',
            },
            managers=[
                ('objects', portal.kernel.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_index=True, help_text='When it happened.', verbose_name='time')),
                ('action', models.CharField(db_index=True, help_text='What happened, e.g. auth.login.', max_length=64, verbose_name='action')),
                ('target', models.CharField(blank=True, help_text='The object acted on, as app.model:id.', max_length=200, verbose_name='target')),
                ('ip_address', models.GenericIPAddressField(blank=True, help_text='Where the request came from.', null=True, verbose_name='IP address')),
                ('details', models.JSONField(blank=True, default=dict, help_text='Counts, categories, reasons.', verbose_name='details')),
                ('prev_hash', models.CharField(help_text='Hash of the row before this one.', max_length=64, verbose_name='previous hash')),
                ('hash', models.CharField(help_text='Hash of this row and prev_hash.', max_length=64, unique=True, verbose_name='hash')),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, help_text='Who did it; empty for the system or an anonymous visitor.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                ('subject', models.ForeignKey(blank=True, db_constraint=False, help_text='The customer whose personal data is concerned, if any.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='data subject')),
            ],
            options={
                'verbose_name': 'audit event',
                'verbose_name_plural': 'audit events',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='Profile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('full_name', models.CharField(help_text='Name as written, e.g. 山田 太郎.', max_length=150, verbose_name='full name')),
                ('full_name_kana', models.CharField(blank=True, help_text='Reading of the name in katakana, e.g. ヤマダ タロウ.', max_length=150, verbose_name='name in kana')),
                ('postal_code', models.CharField(blank=True, help_text='e.g. 100-0001', max_length=16, verbose_name='postal code')),
                ('address', models.CharField(blank=True, help_text='Postal address.', max_length=300, verbose_name='address')),
                ('phone', models.CharField(blank=True, help_text='Phone number, e.g. 03-1234-5678.', max_length=32, verbose_name='phone')),
                ('date_of_birth', models.DateField(blank=True, help_text='Format: YYYY-MM-DD.', null=True, verbose_name='date of birth')),
                ('gender', models.CharField(blank=True, choices=[('female', 'Female'), ('male', 'Male'), ('other', 'Other'), ('undisclosed', 'Prefer not to say')], help_text='Optional.', max_length=16, verbose_name='gender')),
                ('occupation', models.CharField(blank=True, help_text='e.g. office worker.', max_length=100, verbose_name='occupation')),
                ('industry', models.CharField(blank=True, help_text='e.g. manufacturing.', max_length=100, verbose_name='industry')),
                ('updated_at', models.DateTimeField(auto_now=True, help_text='Last change to the profile.', verbose_name='updated at')),
                ('user', models.OneToOneField(help_text='The account this profile belongs to.', on_delete=django.db.models.deletion.CASCADE, related_name='profile', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'profile',
                'verbose_name_plural': 'profiles',
            },
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), name='portal_user_email_ci_unique'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['subject', 'created_at'], name='audit_subject_time'),
        ),
    ]
