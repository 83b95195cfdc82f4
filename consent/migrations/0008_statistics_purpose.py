"""The purpose "statistics" the privacy policy speaks of: statistics on age
distribution, hobbies and preferences and usage history that identify no one.

It is optional and used until the customer withdraws it (``is_opt_out``):
customers see it on the consent page and may withdraw it there; the
anonymised statistics leave out whoever did (rights.reports).
"""

from django.db import migrations

STATISTICS = {
    "title_ja": "個人を特定できない統計データの作成",
    "title_en": "Statistics that identify no one",
    "description_ja": (
        "年齢層の分布、趣味・嗜好の傾向、ご利用履歴などを集計し、個人を特定できない統計データを"
        "作成して、サービスの改善に利用します。統計データには、少人数の集計は含めません。"
        "いつでも「同意」ページで停止できます。"
    ),
    "description_en": (
        "We count age distribution, hobbies and preferences and usage history into "
        "statistics that identify no one, to improve the services; small groups are never "
        "shown. You may withdraw this at any time on the Consent page."
    ),
    "is_required": False,
    "is_opt_out": True,
    "legal_basis": "legitimate_interests",
    "data_categories": ["demographic", "usage", "transactions"],
}


def seed(apps, schema_editor):
    Purpose = apps.get_model("consent", "Purpose")
    order = (Purpose.objects.order_by("-display_order").values_list("display_order", flat=True)
             .first() or 0)
    Purpose.objects.get_or_create(
        code="statistics", defaults={**STATISTICS, "display_order": order + 10}
    )


def unseed(apps, schema_editor):
    apps.get_model("consent", "Purpose").objects.filter(code="statistics").delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0007_purpose_is_opt_out")]

    operations = [migrations.RunPython(seed, unseed)]
