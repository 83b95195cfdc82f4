"""The consent-record rule's statute, GDPR art. 7(1), binds the company towards people
under the GDPR only: its regime is set so that APPI and CCPA customers read why consent
records are kept without the article of a law that is not theirs. A rule an operator
already gave a regime keeps it."""

from django.db import migrations


def gdpr_statute(apps, schema_editor):
    RetentionRule = apps.get_model("rights", "RetentionRule")
    RetentionRule.objects.filter(
        code="consent-record", regime="", statute_en="GDPR art. 7(1)"
    ).update(regime="gdpr")


def no_regime(apps, schema_editor):
    RetentionRule = apps.get_model("rights", "RetentionRule")
    RetentionRule.objects.filter(code="consent-record", regime="gdpr").update(regime="")


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0052_rejection_ground_ccpa_know_limit"),
    ]

    operations = [migrations.RunPython(gdpr_statute, no_regime)]
