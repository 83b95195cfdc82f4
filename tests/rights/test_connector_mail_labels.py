"""A partner's correction mail names each item as the customer's report does (GDPR art. 19).

The label comes from :mod:`rights.connectors.labels`, the one place that says what a
connected system's item is called: the label staff declared for the partner's system
(as typed), else the portal's word for a common item (in the mail's language: the
partner's), else a portal field's label, else the key made readable. Never a raw key
such as ``phone`` or ``login_id``; each item is a list line "Label: value", so a label
reads as it does in a heading whatever its case. The whole mail is compared, as the
partner reads it, in Japanese (a partner in Japan) and in English (one abroad).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from consent.models import Recipient
from rights import correction
from rights.choices import Kind, Status
from rights.connectors import notices
from rights.connectors.models import ExternalSystem, Operation, SystemTask
from rights.connectors.planning import tasks_plan
from rights.workflow import transition

from .connector_support import recipient_with_email_system
from .fee_support import phone_correction_in_review
from .retention_support import customer_with_records

pytestmark = pytest.mark.django_db

#: When the decision is taken: the partner has until seven days later.
DECIDED = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)

#: The mail to a partner in Japan, line by line ("-- " opens the signature).
JA_BODY = "\n".join(
    [
        "いつもお世話になっております。",
        "",
        "当社は{partner}様に当社のお客様の個人データを提供しました。"
        "このお客様がそのデータについて権利を行使され、当社はこれを承認しました。"
        "法令により貴社にお知らせします（GDPR第19条、個人情報保護法第34条・第35条）。",
        "",
        "ご対応いただく内容：訂正",
        "次の値に変更してください：",
        "{items}",
        "",
        "対象のお客様：{email}（お客様番号 {number}）",
        "",
        "2026年6月8日（日本時間）までに対応のうえ、次のリンクから完了をご確認ください（1回のみ）：",
        "",
        "{link}",
        "",
        "-- ",
        "プライバシーポータル",
        "このメールは自動送信されています。このメールへの返信はご遠慮ください。",
        "",
    ]
)

#: The mail to a partner abroad.
EN_BODY = "\n".join(
    [
        "Hello,",
        "",
        "We provided personal data of one of our customers to {partner}. The customer "
        "exercised a right over it, which we have approved; the law requires us to tell "
        "you (GDPR art. 19, APPI art. 34 and 35).",
        "",
        "What to do: Correction",
        "{heading}",
        "{items}",
        "",
        "Customer concerned: {email} (customer number {number})",
        "",
        "Please carry it out by 8 Jun 2026 JST, then confirm it with this link (once):",
        "",
        "{link}",
        "",
        "-- ",
        "Rights Portal",
        "This message was sent automatically. Please do not reply to it.",
        "",
    ]
)


def _partner(customer, name: str, *, country: str, fields=()) -> ExternalSystem:
    """A partner the customer's data went to, mailed its tasks; ``country`` decides the
    mail's language (Japanese in Japan, English elsewhere)."""
    system = recipient_with_email_system(customer, name, name.split()[0].lower())
    Recipient.objects.filter(pk=system.recipient_id).update(country=country)
    system.fields = list(fields)
    system.save(update_fields=["fields"])
    return system


def _expected(language: str, system: ExternalSystem, customer, items: list[str]) -> str:
    task = SystemTask.objects.get(system=system)
    return (JA_BODY if language == "ja" else EN_BODY).format(
        partner=system.name,
        heading="Set this item to:" if len(items) == 1 else "Set these items to:",
        items="\n".join(f"- {item}" for item in items),
        email=customer.email,
        number=customer.pk,
        link=f"{settings.SITE_URL}{notices.confirmation_path(task)}",
    )


def _body(system: ExternalSystem) -> str:
    (message,) = [m for m in mail.outbox if m.to == [system.privacy_contact]]
    return message.body


@pytest.mark.parametrize(
    ("language", "country", "declared", "common"),
    [
        ("ja", "JP", "Mobile TEL：090-3333-4444", "電話番号：090-3333-4444"),
        ("en", "DE", "Mobile TEL: 090-3333-4444", "Phone number: 090-3333-4444"),
    ],
)
def test_a_correction_mail_names_the_phone_by_the_partners_label_or_the_portals_word(
    officer, file_request, django_capture_on_commit_callbacks, language, country, declared, common
):
    """An approved correction of the customer's phone number: the partner whose system
    declares the item "Mobile TEL" reads that, as staff typed it; the partner whose
    system declares nothing reads the portal's word, "Phone number" (not "phone")."""
    customer = customer_with_records(language=language)
    labelled = _partner(
        customer,
        "Yamato Delivery",
        country=country,
        fields=[{"name": "phone", "category": "contact", "label": "Mobile TEL"}],
    )
    plain = _partner(customer, "Sakura Payments", country=country)
    request = phone_correction_in_review(file_request, customer, officer)
    mail.outbox.clear()
    with time_machine.travel(DECIDED), django_capture_on_commit_callbacks(execute=True):
        correction.correction_decide(request=request, approve=[0], actor=officer)

    assert _body(labelled) == _expected(language, labelled, customer, [declared])
    assert _body(plain) == _expected(language, plain, customer, [common])


@pytest.mark.parametrize(
    ("language", "country", "items"),
    [
        (
            "ja",
            "JP",
            ["メールアドレス：new@example.com", "ログインID：taro-2", "Loyalty tier：gold"],
        ),
        (
            "en",
            "GB",
            ["E-mail address: new@example.com", "Login ID: taro-2", "Loyalty tier: gold"],
        ),
    ],
)
def test_a_correction_mail_names_keys_the_portal_does_not_hold_in_words(
    officer, file_request, django_capture_on_commit_callbacks, language, country, items
):
    """Items of the partner's system declared without a label: ``email`` reads as the
    portal's word in the partner's language, ``login_id`` as "Login ID", and a key the
    portal knows nothing of as words ("Loyalty tier"), never the key itself."""
    customer = customer_with_records(language=language)
    system = _partner(
        customer,
        "Sakura Payments",
        country=country,
        fields=[
            {"name": name, "category": "contact", "label": ""}
            for name in ("email", "login_id", "loyalty_tier")
        ],
    )
    request = file_request(customer, kind=Kind.CORRECTION)
    transition(request, to=Status.IN_REVIEW, actor=officer)
    transition(request, to=Status.IN_PROGRESS, actor=officer)
    mail.outbox.clear()
    changes = [
        {"field": "email", "value": "new@example.com"},
        {"field": "login_id", "value": "taro-2"},
        {"field": "loyalty_tier", "value": "gold"},
    ]
    with time_machine.travel(DECIDED), django_capture_on_commit_callbacks(execute=True):
        tasks_plan(request, Operation.CORRECT, changes=changes)

    assert _body(system) == _expected(language, system, customer, items)
