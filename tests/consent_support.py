"""Helpers shared by the consent tests."""

import datetime
import html
import re

from django.utils import timezone

from consent import services
from consent.models import (
    ConsentRecord,
    PolicyVersion,
    ProcessingRestriction,
    ProvisionRecord,
    Purpose,
    Recipient,
    ServicePage,
)
from tests.factories import ServiceFactory

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) ConsentTest/1.0"


def purpose(code: str) -> Purpose:
    return Purpose.objects.get(code=code)


def recipients() -> dict[str, Recipient]:
    """A subcontractor for delivery, an affiliate for marketing, a public authority."""
    delivery = Recipient.objects.create(
        name_ja="やまと配送株式会社",
        name_en="Yamato Delivery Co., Ltd.",
        kind=Recipient.Kind.SUBCONTRACTOR,
        confidentiality_agreement_on=datetime.date(2025, 4, 1),
    )
    delivery.purposes.add(purpose("orders_delivery"))
    affiliate = Recipient.objects.create(
        name_ja="サンプルグループ販売株式会社",
        name_en="Sample Group Sales Co., Ltd.",
        kind=Recipient.Kind.AFFILIATE,
    )
    affiliate.purposes.add(purpose("marketing"))
    police = Recipient.objects.create(
        name_ja="渋谷警察署", name_en="Shibuya Police Station", kind=Recipient.Kind.PUBLIC_AUTHORITY
    )
    return {"delivery": delivery, "affiliate": affiliate, "police": police}


def marketing_provision(user, recipient: Recipient, *, data_items: str) -> ProvisionRecord:
    """``user``'s consent to marketing, and the provision of ``data_items`` to
    ``recipient`` on that consent 40 days ago."""
    services.consent_update(
        subject=user,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    return services.provision_record_create(
        subject=user,
        recipient=recipient,
        provided_on=timezone.localdate() - datetime.timedelta(days=40),
        data_items=data_items,
        ground=ProvisionRecord.Ground.CONSENT,
    )


def new_policy_version(*, material: bool, version: str = "2", ago: int = 1) -> PolicyVersion:
    """A version that took effect ``ago`` milliseconds ago (after version 1)."""
    return PolicyVersion.objects.create(
        version=version,
        effective_at=timezone.now() - datetime.timedelta(milliseconds=ago),
        is_material=material,
        summary_ja="第三者提供先を追加しました。",
        summary_en="We added a recipient of personal data.",
        text_ja=f"プライバシーポリシー 第{version}版",
        text_en=f"Privacy policy version {version}",
    )


#: What /privacy/ publishes about the company (APPI art. 32(1)), per language.
ITEMS = {
    "ja": [
        "ライツポータル株式会社",  # name
        "〒150-0043 東京都渋谷区道玄坂1-2-3",  # address
        "代表取締役 山本 一郎",  # representative
        "安全管理のために講じた措置",  # security measures (art. 23)
        "技術的安全管理措置",
        "開示等の請求・お問い合わせ・苦情の窓口",  # requests and complaints
        "03-5555-0100",
        "個人情報保護委員会",  # supervisory authority
        "https://www.ppc.go.jp/",
        'href="/requests/new/"',
    ],
    "en": [
        "Rights Portal K.K.",
        "1-2-3 Dogenzaka, Shibuya-ku, Tokyo 150-0043",
        "Ichiro Yamamoto, Representative Director",
        "How we protect personal data",
        "Technology: staff sign in with a one-time password",
        "Requests, questions and complaints",
        "03-5555-0100",
        "Personal Information Protection Commission, Japan",
        "https://www.ppc.go.jp/",
        'href="/requests/new/"',
    ],
}


SERVICE_PAGE_ITEMS = {
    "ja": [
        "シネマプラスにおける個人情報の取扱い",
        "マーケティング及びサービスの改善",  # a purpose of use
        "視聴履歴とお支払い情報を取り扱います。",  # method and scope
        "やまと配送株式会社",  # a partner company
        "シネマプラス お客様窓口",  # its own inquiry window
        "個人情報管理責任者 佐藤 健",  # the responsible person
        "video-privacy@example.com",
        'href="/requests/new/?service=video"',
    ],
    "en": [
        "Personal data in Cinema Plus",
        "Marketing and improving the services",
        "We handle your viewing history and payment details.",
        "Yamato Delivery Co., Ltd.",
        "Cinema Plus customer desk",
        "Ken Sato, data protection lead",
        "video-privacy@example.com",
        'href="/requests/new/?service=video"',
    ],
}


def service_page(recipient: Recipient):
    """The published page of the service "video" (Cinema Plus), with one partner."""
    service = ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")
    page = ServicePage.objects.create(
        service=service,
        method_ja="視聴履歴とお支払い情報を取り扱います。",
        method_en="We handle your viewing history and payment details.",
        desk_ja="シネマプラス お客様窓口",
        desk_en="Cinema Plus customer desk",
        responsible_ja="個人情報管理責任者 佐藤 健",
        responsible_en="Ken Sato, data protection lead",
        desk_email="video-privacy@example.com",
    )
    page.purposes.set([purpose("marketing"), purpose("billing")])
    page.recipients.set([recipient])
    return page


def records_where_items_do_not_apply(customer, staff):
    """Gives ``customer`` a purpose consent given online, a policy acceptance, a
    consent from a paper form (entered by ``staff``), a stop of provision to every
    recipient, and no phone number."""
    customer.profile.phone = ""
    customer.profile.save()
    services.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    services.policy_accept(
        subject=customer,
        version=new_policy_version(material=True),
        method=ConsentRecord.Method.POLICY_PAGE,
    )
    services.consent_record_paper(
        subject=customer,
        staff=staff,
        granted=False,
        language="ja",
        note="2026-11-01 書面",
        purpose=purpose("marketing"),
    )
    recipients()
    services.restriction_create(
        subject=customer,
        scope=ProcessingRestriction.Scope.PROVISION,
        source=ProcessingRestriction.Source.STOP_PROVISION_REQUEST,
    )
    return customer


def my_data_table(page, source_key):
    """The header and rows (cell text, hidden labels included) of a source's table
    on a "my data" page (the response)."""
    text = page.content.decode()
    anchor = source_key.replace(".", "-")
    start = text.index(f'id="{anchor}-account-')
    table = text[start : text.index("</table>", start)]

    def plain(cell):
        return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()

    header = [plain(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)
    return header, [[plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]
