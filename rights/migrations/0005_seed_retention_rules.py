"""The company's retention rules, one per retention code the declarations use.

Company configuration, edited afterwards in the admin. Statutory periods as in
docs/legal.md; the others are the company's policy under APPI art. 22 (erase data
without delay once it is no longer needed).
"""

from django.db import migrations

RULES = [
    {
        "code": "tax-records",
        "name": "取引書類（請求書・領収書）",
        "name_en": "Transaction documents (invoices, receipts)",
        "category": "transactions",
        "period_years": 7,
        "loss_year_period_years": 10,
        "trigger": "fiscal_year_end",
        "trigger_offset_months": 2,
        "obligation": True,
        "erase_when_expired": True,
        "statute": "法人税法第126条・法人税法施行規則第59条",
        "statute_en": "Corporation Tax Act art. 126, Enforcement Regulations art. 59",
        "legal_basis": (
            "法人は帳簿と取引書類（契約書、請求書、領収書など）を、事業年度終了の日の翌日から"
            "2か月を経過した日（確定申告書の提出期限の翌日）から7年間、欠損金の生じた事業年度は"
            "10年間保存しなければなりません。"
        ),
        "legal_basis_en": (
            "Companies must keep their books and transaction documents (contracts, invoices, "
            "receipts) for 7 years from two months after the end of the fiscal year (the day "
            "after the tax return is due), and 10 years for fiscal years with a loss carried "
            "forward."
        ),
    },
    {
        "code": "accounting-books",
        "name": "会計帳簿・事業に関する重要な資料",
        "name_en": "Accounting books and important business documents",
        "category": "transactions",
        "period_years": 10,
        "trigger": "fiscal_year_end",
        "obligation": True,
        "erase_when_expired": False,
        "statute": "会社法第432条第2項",
        "statute_en": "Companies Act art. 432(2)",
        "legal_basis": (
            "株式会社は会計帳簿の閉鎖の時から10年間、会計帳簿とその事業に関する重要な資料を"
            "保存しなければなりません。"
        ),
        "legal_basis_en": (
            "A stock company must keep its accounting books and the important documents of its "
            "business for 10 years from the closing of the books."
        ),
    },
    {
        "code": "provision-record",
        "name": "第三者提供の記録",
        "name_en": "Records of provision to third parties",
        "category": "consent",
        "period_years": 3,
        "trigger": "record_date",
        "obligation": True,
        "erase_when_expired": True,
        "statute": "個人情報保護法第29条第2項・同法施行規則第21条",
        "statute_en": "APPI art. 29(2), Enforcement Rules art. 21",
        "legal_basis": (
            "個人データを第三者に提供したときは、その記録を作成した日から3年間保存しなければ"
            "なりません。"
        ),
        "legal_basis_en": (
            "A record of each provision of personal data to a third party must be kept for 3 "
            "years from the day it was made."
        ),
    },
    {
        "code": "request-log",
        "name": "権利行使の請求の記録",
        "name_en": "Records of your requests",
        "category": "requests",
        "period_months": 24,
        "trigger": "record_date",
        "obligation": True,
        "erase_when_expired": True,
        "statute": "CCPA規則（カリフォルニア州規則集第11編）第7101条",
        "statute_en": "CCPA Regulations (11 CCR) §7101",
        "legal_basis": (
            "ご請求の内容とその対応（受付日、種類、回答日、結果、拒否の理由）の記録を24か月間"
            "保存します。"
        ),
        "legal_basis_en": (
            "A log of each request and how it was answered (date, kind, response date, outcome, "
            "basis of any denial) is kept for 24 months."
        ),
    },
    {
        "code": "consent-record",
        "name": "同意の記録",
        "name_en": "Consent records",
        "category": "consent",
        "period_years": 3,
        "trigger": "record_date",
        "obligation": True,
        "erase_when_expired": True,
        "statute": "GDPR第7条第1項",
        "statute_en": "GDPR art. 7(1)",
        "legal_basis": (
            "同意を得たこと、撤回されたことを証明できるよう、各記録を3年間保存します。"
        ),
        "legal_basis_en": (
            "Each record is kept 3 years so that the company can prove that consent was given "
            "or withdrawn."
        ),
    },
    {
        "code": "usage-log",
        "name": "利用履歴",
        "name_en": "Usage history",
        "category": "usage",
        "period_years": 2,
        "trigger": "registration_end",
        "obligation": False,
        "erase_when_expired": True,
        "legal_basis": (
            "ご利用が終わった後のお問い合わせや不正利用の調査に備えて、サービスの登録終了から"
            "2年間保存し、その後消去します（個人情報保護法第22条）。"
        ),
        "legal_basis_en": (
            "Kept 2 years after the registration with the service ends, for questions and the "
            "investigation of misuse, then erased (APPI art. 22)."
        ),
    },
    {
        "code": "contract",
        "name": "契約・会員情報",
        "name_en": "Contracts and memberships",
        "category": "contract",
        "period_years": 5,
        "trigger": "registration_end",
        "obligation": False,
        "erase_when_expired": True,
        "legal_basis": (
            "契約に関するご請求やお問い合わせに対応するため、契約終了から5年間（民法第166条の"
            "消滅時効に合わせた当社の方針）保存し、その後消去します。"
        ),
        "legal_basis_en": (
            "Kept 5 years after the registration ends, to answer claims about the contract (the "
            "company's policy, following the limitation period of Civil Code art. 166), then "
            "erased."
        ),
    },
    {
        "code": "account",
        "name": "アカウント・プロフィール",
        "name_en": "Account and profile",
        "category": "account",
        "period_days": 30,
        "trigger": "account_closure",
        "obligation": False,
        "erase_when_expired": True,
        "legal_basis": "アカウントを閉じた後30日間保存し、その後消去します。",
        "legal_basis_en": "Kept while the account is open and 30 days after it is closed.",
    },
    {
        "code": "payment-method",
        "name": "保存されたカード",
        "name_en": "Stored cards",
        "category": "payment",
        "trigger": "account_closure",
        "obligation": False,
        "erase_when_expired": True,
        "legal_basis": "アカウントを閉じると消去します。",
        "legal_basis_en": "Erased when the account is closed.",
    },
    {
        "code": "processing-restriction",
        "name": "利用停止・提供停止",
        "name_en": "Stops of use and of provision",
        "category": "consent",
        "trigger": "account_closure",
        "obligation": False,
        "erase_when_expired": True,
        "legal_basis": "アカウントがある間は停止を守るために保存し、閉じると消去します。",
        "legal_basis_en": "Kept to honour the stop while the account exists.",
    },
    {
        "code": "correspondence",
        "name": "お問い合わせ",
        "name_en": "Inquiries and correspondence",
        "category": "communications",
        "period_years": 3,
        "trigger": "record_date",
        "obligation": False,
        "erase_when_expired": True,
        "legal_basis": "お問い合わせへの対応の記録として3年間保存し、その後消去します。",
        "legal_basis_en": "Kept 3 years as the record of how we answered, then erased.",
    },
    {
        "code": "marketing-delivery",
        "name": "広告メールの送信記録",
        "name_en": "Marketing e-mails sent",
        "category": "communications",
        "period_years": 1,
        "trigger": "record_date",
        "obligation": False,
        "erase_when_expired": True,
        "legal_basis": "同じメールを二度送らないために1年間保存し、その後消去します。",
        "legal_basis_en": "Kept 1 year so that no one receives the same mail twice, then erased.",
    },
]


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("rights", "RetentionRule")
    for rule in RULES:
        fields = dict(rule)
        RetentionRule.objects.update_or_create(code=fields.pop("code"), defaults=fields)


def unseed(apps, schema_editor):
    RetentionRule = apps.get_model("rights", "RetentionRule")
    RetentionRule.objects.filter(code__in=[rule["code"] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("rights", "0004_deletion_steps_scope")]

    operations = [migrations.RunPython(seed, unseed)]
