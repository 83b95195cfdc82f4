# GDPR art. 7(1): consent records are kept while the consent is relied on and
# for 3 years after it was withdrawn or replaced, no longer 3 years from their
# date (which erased current grants). The seeded rule counts from the new event.

from django.db import migrations, models

RELIED_ON = {
    "trigger": "reliance_end",
    "legal_basis": (
        "同意を得たこと、撤回されたことを証明できるよう、同意が有効な間と、撤回または"
        "変更から3年間、記録を保存します。"
    ),
    "legal_basis_en": (
        "Kept while the consent is in force and for 3 years after it is withdrawn or "
        "replaced, so that the company can prove that consent was given or withdrawn."
    ),
}
FROM_RECORD_DATE = {
    "trigger": "record_date",
    "legal_basis": (
        "同意を得たこと、撤回されたことを証明できるよう、各記録を3年間保存します。"
    ),
    "legal_basis_en": (
        "Each record is kept 3 years so that the company can prove that consent was given "
        "or withdrawn."
    ),
}


def count_from_reliance(apps, schema_editor):
    RetentionRule = apps.get_model("rights", "RetentionRule")
    RetentionRule.objects.filter(code="consent-record", trigger="record_date").update(**RELIED_ON)


def count_from_record_date(apps, schema_editor):
    RetentionRule = apps.get_model("rights", "RetentionRule")
    RetentionRule.objects.filter(code="consent-record", trigger="reliance_end").update(
        **FROM_RECORD_DATE
    )


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0023_request_time_zone"),
    ]

    operations = [
        migrations.AlterField(
            model_name="retentionrule",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("record_date", "Date of the record"),
                    ("registration_end", "End of the customer's registration with the service"),
                    ("fiscal_year_end", "End of the fiscal year of the record"),
                    ("account_closure", "Closure of the customer's account"),
                    (
                        "reliance_end",
                        "The record ceasing to be relied on (consent withdrawn or replaced, "
                        "account closed)",
                    ),
                ],
                help_text="The event from which the period is counted.",
                max_length=20,
                verbose_name="starts from",
            ),
        ),
        migrations.RunPython(count_from_reliance, count_from_record_date),
    ]
