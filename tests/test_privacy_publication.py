"""APPI art. 32(1): what the company publishes about itself on /privacy/, in both languages.

Art. 32(1) and the Cabinet Order (art. 10): the company's name, address and
representative; the purposes of use; how to file requests (arts. 32(2), 33-35)
and the fees; where complaints go; and the security measures taken (art. 23),
as far as publishing them does not weaken them. The supervisory authority is
named so a person knows where else to turn (and GDPR art. 77).
"""

import pytest
from django.test import override_settings

from tests.consent_support import ITEMS, recipients

pytestmark = pytest.mark.django_db


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
