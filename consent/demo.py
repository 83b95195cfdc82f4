"""Demo data for the consent app, loaded by ``manage.py seed_demo``.

The purposes and the first policy version come from a data migration (they
are the company's configuration); this adds recipients, the demo customer's
consents, a few provision records, a record of receipt from a third party and
each service's public page. Running it
again changes nothing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from portal.kernel.models import Service

from . import selectors, services
from .models import (
    ConsentRecord,
    ProvisionRecord,
    Purpose,
    ReceiptRecord,
    Recipient,
    ServicePage,
)

RECIPIENTS = [
    {
        "name_ja": "やまと配送株式会社",
        "name_en": "Yamato Delivery Co., Ltd.",
        "kind": Recipient.Kind.SUBCONTRACTOR,
        "confidentiality_agreement_on": datetime.date(2025, 4, 1),
        "purposes": ["orders_delivery"],
    },
    {
        "name_ja": "株式会社ペイメントゲート",
        "name_en": "PaymentGate Inc.",
        "kind": Recipient.Kind.SUBCONTRACTOR,
        "confidentiality_agreement_on": datetime.date(2025, 6, 15),
        "purposes": ["billing"],
    },
    {
        "name_ja": "サンプルグループ販売株式会社",
        "name_en": "Sample Group Sales Co., Ltd.",
        "kind": Recipient.Kind.AFFILIATE,
        "confidentiality_agreement_on": datetime.date(2024, 10, 1),
        "purposes": ["marketing"],
    },
]


@transaction.atomic
def seed_consent_demo(*, customer, officer) -> None:
    by_name = {}
    for spec in RECIPIENTS:
        fields = {k: v for k, v in spec.items() if k != "purposes"}
        recipient, _created = Recipient.objects.get_or_create(
            name_en=spec["name_en"], defaults=fields
        )
        recipient.purposes.add(*Purpose.objects.filter(code__in=spec["purposes"]))
        by_name[spec["name_en"]] = recipient

    if not ConsentRecord.objects.filter(subject=customer).exists():
        services.consent_record_signup(
            subject=customer,
            consent=services.SignupConsent(
                policy_version=selectors.current_policy_version(),
                purposes=dict.fromkeys(selectors.consent_purposes(), True),
            ),
        )

    if not ProvisionRecord.objects.filter(subject=customer).exists():
        today = timezone.localdate()
        outsourcing, consent = ProvisionRecord.Ground.OUTSOURCING, ProvisionRecord.Ground.CONSENT
        delivery, billing = ["identity", "contact"], ["identity", "transactions", "payment"]
        for name, days_ago, items, kinds, ground in [
            ("Yamato Delivery Co., Ltd.", 40, "氏名、住所、電話番号", delivery, outsourcing),
            ("Yamato Delivery Co., Ltd.", 12, "氏名、住所、電話番号", delivery, outsourcing),
            ("PaymentGate Inc.", 30, "氏名、請求金額、決済用トークン", billing, outsourcing),
            (
                "Sample Group Sales Co., Ltd.",
                7,
                "氏名、メールアドレス、購入履歴",
                ["identity", "contact", "transactions"],
                consent,
            ),
        ]:
            services.provision_record_create(
                subject=customer,
                recipient=by_name[name],
                provided_on=today - datetime.timedelta(days=days_ago),
                data_items=items,
                categories=kinds,
                ground=ground,
                actor=officer,
            )

    if not ReceiptRecord.objects.filter(subject=customer).exists():
        # A list bought from a partner (APPI art. 30): who it came from and how they had it.
        services.receipt_record_create(
            subject=customer,
            received_on=timezone.localdate() - datetime.timedelta(days=20),
            provider_name="株式会社サンプル・マーケティングデータ",
            provider_address="東京都千代田区丸の内一丁目2番3号",
            provider_representative="代表取締役 山田 太郎",
            provider_acquisition=(
                "同社の会員登録フォームで、当社への提供について本人の同意を得て取得したもの"
            ),
            data_items="氏名、メールアドレス、生年月日",
            categories=["identity", "contact", "demographic"],
            actor=officer,
        )

    for service in Service.objects.filter(is_active=True):
        _service_page(service, by_name)


def _service_page(service, recipients: dict[str, Recipient]) -> None:
    name_en = service.name_en or service.name
    page, created = ServicePage.objects.get_or_create(
        service=service,
        defaults={
            "method_ja": (
                f"{service.name}のお申込み時にお客様からご提供いただく情報と、"
                "ご利用に伴って記録される利用履歴・請求情報を取り扱います。"
            ),
            "method_en": (
                f"{name_en} handles what you give us when you sign up and the usage "
                "and billing records your use of the service creates."
            ),
            "desk_ja": f"{service.name} お客様窓口",
            "desk_en": f"{name_en} customer desk",
            "responsible_ja": f"{service.name} 個人情報管理責任者 佐藤 健",
            "responsible_en": f"Ken Sato, data protection lead of {name_en}",
            "desk_email": f"{service.code}-privacy@rights-portal.example",
            "desk_phone": "03-5555-0100",
        },
    )
    if created:
        page.purposes.set(Purpose.objects.filter(is_active=True))
        page.recipients.set(recipients.values())
