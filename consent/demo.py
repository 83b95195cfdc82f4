"""Demo data for the consent app, loaded by ``manage.py seed_demo``.

The purposes and the first policy version come from a data migration (they
are the company's configuration); this adds recipients, the demo customer's
consents and a few provision records. Running it again changes nothing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from . import selectors, services
from .models import ConsentRecord, ProvisionRecord, Purpose, Recipient

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
                purposes=dict.fromkeys(selectors.optional_purposes(), True),
            ),
        )

    if not ProvisionRecord.objects.filter(subject=customer).exists():
        today = timezone.localdate()
        outsourcing, consent = ProvisionRecord.Ground.OUTSOURCING, ProvisionRecord.Ground.CONSENT
        for name, days_ago, items, ground in [
            ("Yamato Delivery Co., Ltd.", 40, "氏名、住所、電話番号", outsourcing),
            ("Yamato Delivery Co., Ltd.", 12, "氏名、住所、電話番号", outsourcing),
            ("PaymentGate Inc.", 30, "氏名、請求金額、決済用トークン", outsourcing),
            ("Sample Group Sales Co., Ltd.", 7, "氏名、メールアドレス、購入履歴", consent),
        ]:
            services.provision_record_create(
                subject=customer,
                recipient=by_name[name],
                provided_on=today - datetime.timedelta(days=days_ago),
                data_items=items,
                ground=ground,
                actor=officer,
            )
