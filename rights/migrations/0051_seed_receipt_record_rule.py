"""The retention rule of the records of receipt from third parties (APPI art. 30(4)).

Kept, like the records of provision (``provision-record``), 3 years from their
date; a rule of its own so that each kind of record names its own article.
"""

from django.db import migrations

RULE = {
    "code": "receipt-record",
    "name": "第三者からの受領の記録",
    "name_en": "Records of receipt from third parties",
    "category": "consent",
    "period_years": 3,
    "trigger": "record_date",
    "obligation": True,
    "erase_when_expired": True,
    "statute": "個人情報保護法第30条第4項",
    "statute_en": "APPI art. 30(4)",
    "legal_basis": (
        "第三者から個人データの提供を受けたときは、提供者の氏名・住所・代表者、提供者による"
        "取得の経緯などを確認して記録し、その記録を作成した日から3年間保存しなければ"
        "なりません。"
    ),
    "legal_basis_en": (
        "A record of each receipt of personal data from a third party (the provider's name, "
        "address and representative, and how the provider obtained the data) must be kept for "
        "3 years from the day it was made."
    ),
}


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("rights", "RetentionRule")
    fields = dict(RULE)
    RetentionRule.objects.update_or_create(code=fields.pop("code"), defaults=fields)


def unseed(apps, schema_editor):
    apps.get_model("rights", "RetentionRule").objects.filter(code=RULE["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("rights", "0050_retention_rule_regime")]

    operations = [migrations.RunPython(seed, unseed)]
