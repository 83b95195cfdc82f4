"""The company's purposes of use and the first version of its privacy policy.

These are configuration, not demo data: every deployment starts with them and
the privacy officer edits them in the admin. Version 1 is not marked material:
it is the baseline new customers accept at sign-up, and it must not lock out
customers whose accounts existed before it (they see it as a notice).
"""

from django.db import migrations
from django.utils import timezone

PURPOSES = [
    {
        "code": "service_notices",
        "title_ja": "サービスに関するご連絡",
        "title_en": "Communications about the service",
        "description_ja": "ご利用中のサービスの変更、メンテナンス、重要なお知らせなどをご連絡します。",
        "description_en": (
            "We tell you about changes to the services you use, maintenance and other "
            "important notices."
        ),
        "data_categories": ["identity", "contact", "account", "contract"],
    },
    {
        "code": "orders_delivery",
        "title_ja": "ご注文の確認及び商品の配送",
        "title_en": "Confirming orders and delivery",
        "description_ja": (
            "ご注文内容の確認、商品の発送及びお届けのために利用します。"
            "お届けに必要な情報は、委託先の配送業者に提供します。"
        ),
        "description_en": (
            "We confirm your orders and ship and deliver them. The delivery company receives "
            "what it needs for the delivery, as our subcontractor."
        ),
        "data_categories": ["identity", "contact", "contract", "transactions"],
    },
    {
        "code": "billing",
        "title_ja": "料金の請求及び回収",
        "title_en": "Billing and collection",
        "description_ja": (
            "ご利用料金の計算、請求、お支払いの確認及び未払い分の回収のために利用します。"
            "決済に必要な情報は、委託先の決済代行会社に提供します。"
        ),
        "description_en": (
            "We calculate, invoice and collect the fees for your services and confirm your "
            "payments. The payment processor receives what it needs, as our subcontractor."
        ),
        "data_categories": ["identity", "contact", "contract", "payment", "transactions"],
    },
    {
        "code": "inquiries",
        "title_ja": "お問い合わせ・ご請求への対応",
        "title_en": "Answering requests and inquiries",
        "description_ja": (
            "お問い合わせや、個人情報の開示・訂正・利用停止等のご請求にお答えするために利用します。"
        ),
        "description_en": (
            "We answer your questions and your requests, including requests about your "
            "personal data."
        ),
        "data_categories": ["identity", "contact", "account", "communications", "requests"],
    },
    {
        "code": "marketing",
        "title_ja": "マーケティング及びサービスの改善",
        "title_en": "Marketing and improving the services",
        "description_ja": (
            "新しいサービスやキャンペーンのご案内をお送りし、ご利用状況を分析してサービスを改善します。"
            "この目的のため、グループ会社にも提供します。お客様の同意がある場合に限り利用します。"
        ),
        "description_en": (
            "We send you news about new services and offers, and study how the services are "
            "used to improve them; for this we also share data with our affiliate. Only with "
            "your consent."
        ),
        "is_required": False,
        "legal_basis": "consent",
        "data_categories": ["contact", "demographic", "professional", "transactions", "usage"],
    },
    {
        "code": "other_contact",
        "title_ja": "その他必要に応じたご連絡",
        "title_en": "Other contact",
        "description_ja": "上記のほか、お客様との契約の履行に必要な場合にご連絡します。",
        "description_en": "Other contact with you where it is needed to carry out our contract.",
        "data_categories": ["identity", "contact"],
    },
]

POLICY_JA = """\
当社は、お客様の個人情報を個人情報の保護に関する法律その他の法令に従い、次のとおり取り扱います。

1. 利用目的
当社は、お客様の個人情報を次の目的で利用します。
(1) サービスに関するご連絡
(2) ご注文の確認及び商品の配送
(3) 料金の請求及び回収
(4) お問い合わせ・ご請求への対応
(5) マーケティング及びサービスの改善（お客様の同意がある場合に限ります）
(6) その他必要に応じたご連絡

2. 第三者への提供
当社は、次の場合を除き、あらかじめお客様の同意を得ることなく、個人情報を第三者に提供しません。
(1) 利用目的の達成に必要な範囲で、個人情報の取扱いの全部又は一部を委託する場合
(2) 個人を特定できない統計データとして提供する場合
(3) 裁判所、検察庁、警察その他の公的機関から法令に基づき求められた場合
(4) 人の生命、身体又は財産の保護のために必要があり、お客様の同意を得ることが困難な場合
(5) 合併その他の事由による事業の承継に伴って提供する場合
第三者に提供した場合は、法令に従いその記録を作成し、3年間保存します。

3. 同意の撤回、利用停止等
お客様は、任意の利用目的への同意をいつでも撤回できます（本ポータルの「同意」ページ）。また、保有個人データの開示、訂正・追加・削除、利用の停止・消去及び第三者提供の停止を請求できます。

4. 安全管理
当社は、個人情報の漏えい、滅失又は毀損を防ぐため、必要かつ適切な安全管理措置を講じ、委託先を適切に監督します。

5. お問い合わせ窓口
個人情報の取扱いに関するお問い合わせ・ご請求は、次の窓口で承ります。
個人情報お問い合わせ窓口　privacy@rights-portal.example
"""

POLICY_EN = """\
We handle your personal information as follows, in accordance with the Act on the \
Protection of Personal Information and other laws.

1. Purposes of use
We use your personal information for these purposes:
(1) communications about the service;
(2) confirming orders and delivery;
(3) billing and collection;
(4) answering requests and inquiries;
(5) marketing and improving the services (only with your consent);
(6) other contact.

2. Provision to third parties
We do not provide your personal information to third parties without your consent, except:
(1) when we entrust all or part of its handling to a subcontractor, within what the purposes \
above need;
(2) as statistics that identify no one;
(3) when a court, public prosecutor, the police or another public authority requests it under \
law;
(4) when it is necessary to protect a person's life, body or property and your consent is \
difficult to obtain;
(5) when a business is taken over by merger or otherwise.
When we provide data to a third party we keep a record of it for three years, as the law \
requires.

3. Withdrawing consent, stopping use
You may withdraw your consent to an optional purpose at any time (on the "Consent" page of \
this portal). You may also ask us to disclose, correct, add to or delete your data, to stop \
using or erase it, and to stop providing it to third parties.

4. Security
We take the necessary and appropriate measures to prevent leaks, loss or damage of personal \
information, and we supervise our subcontractors.

5. Contact
Questions and requests about your personal information: Privacy desk, \
privacy@rights-portal.example
"""


def seed(apps, schema_editor):
    Purpose = apps.get_model("consent", "Purpose")
    PolicyVersion = apps.get_model("consent", "PolicyVersion")
    for order, spec in enumerate(PURPOSES, start=1):
        defaults = {
            "is_required": True,
            "legal_basis": "contract",
            **{k: v for k, v in spec.items() if k != "code"},
            "display_order": order * 10,
        }
        Purpose.objects.update_or_create(code=spec["code"], defaults=defaults)
    now = timezone.now()
    PolicyVersion.objects.get_or_create(
        version="1",
        defaults={
            "effective_at": now,
            "is_material": False,
            "text_ja": POLICY_JA,
            "text_en": POLICY_EN,
            "created_at": now,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("consent", "PolicyVersion").objects.filter(version="1").delete()
    codes = [spec["code"] for spec in PURPOSES]
    apps.get_model("consent", "Purpose").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_purposes_policies_consents_recipients")]

    operations = [migrations.RunPython(seed, unseed)]
