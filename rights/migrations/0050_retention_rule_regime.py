from django.db import migrations, models


def request_log_is_ccpa(apps, schema_editor):
    """The seeded log of requests cites CCPA regs §7101, which binds CCPA requests only."""
    RetentionRule = apps.get_model("rights", "RetentionRule")
    RetentionRule.objects.filter(code="request-log", statute_en__contains="§7101").update(
        regime="ccpa"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0049_notices_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="retentionrule",
            name="regime",
            field=models.CharField(
                blank=True,
                choices=[
                    ("appi", "APPI (Japan)"),
                    ("gdpr", "GDPR (EU)"),
                    ("ccpa", "CCPA / CPRA (California)"),
                ],
                help_text=(
                    "The privacy law the statute belongs to, when it binds only requests "
                    "under it (e.g. CCPA regs §7101 for the log of requests). A deletion under "
                    "another regime tells the customer the data is kept as the company's own "
                    "record, citing no law of a regime that is not theirs. Empty: the statute "
                    "binds the company whatever the regime (e.g. tax law)."
                ),
                max_length=10,
                verbose_name="regime of the statute",
            ),
        ),
        migrations.RunPython(request_log_is_ccpa, migrations.RunPython.noop),
    ]
