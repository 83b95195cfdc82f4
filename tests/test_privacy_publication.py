"""APPI art. 32(1): what the company publishes about itself on /privacy/, in both languages.

Art. 32(1) and the Cabinet Order (art. 10): the company's name, address and
representative; the purposes of use; how to file requests (arts. 32(2), 33-35)
and the fees; where complaints go; and the security measures taken (art. 23),
as far as publishing them does not weaken them. The supervisory authority is
named so a person knows where else to turn (and GDPR art. 77).
"""

import pytest
from django.test import override_settings

from tests.consent_support import recipients

pytestmark = pytest.mark.django_db

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


@pytest.mark.parametrize("language", ["ja", "en"])
def test_privacy_page_publishes_every_art_32_item(client, language):
    recipients()
    client.cookies["django_language"] = language
    page = client.get("/privacy/").content.decode()

    missing = [item for item in ITEMS[language] if item not in page]
    assert not missing


@override_settings(
    PRIVACY_COMPANY_NAME="株式会社テスト",
    PRIVACY_COMPANY_NAME_EN="",
    PRIVACY_OFFICE_EMAIL="privacy@test.example",
)
def test_the_published_items_come_from_the_settings_and_english_falls_back(client):
    recipients()
    client.cookies["django_language"] = "en"
    page = client.get("/privacy/").content.decode()

    assert "株式会社テスト" in page
    assert 'href="mailto:privacy@test.example"' in page
