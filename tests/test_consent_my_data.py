"""Consent data in the personal-data registry and on "my data"."""

import datetime

import pytest
from django.utils import translation

from consent import services
from consent.models import ConsentRecord, ProcessingRestriction, ProvisionRecord
from portal.kernel.registry import Category, check_personal_data, registry
from tests.consent_support import purpose, recipients

pytestmark = pytest.mark.django_db


@pytest.fixture
def consented(customer):
    to = recipients()
    services.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    services.provision_record_create(
        subject=customer,
        recipient=to["delivery"],
        provided_on=datetime.date(2026, 11, 1),
        data_items="氏名、住所",
        ground=ProvisionRecord.Ground.OUTSOURCING,
    )
    services.restriction_create(
        subject=customer,
        scope=ProcessingRestriction.Scope.PROVISION,
        recipient=to["affiliate"],
        source=ProcessingRestriction.Source.STOP_PROVISION_REQUEST,
    )
    return customer


def test_every_consent_model_is_declared_or_exempt():
    from django.apps import apps

    errors = check_personal_data(app_configs=[apps.get_app_config("consent")])
    assert errors == []


def test_purposes_of_a_category_name_their_recipients():
    recipients()
    with translation.override("ja"):
        contact = registry.category_purposes(Category.CONTACT)
        consent = registry.category_purposes(Category.CONSENT)
    assert "ご注文の確認及び商品の配送（提供先：やまと配送株式会社）" in contact
    assert "マーケティング及びサービスの改善（提供先：サンプルグループ販売株式会社）" in contact
    assert "サービスに関するご連絡" in contact
    assert consent and "同意" in consent[0]
    with translation.override("en"):
        payment = registry.category_purposes(Category.PAYMENT)
    assert payment == ["Billing and collection"]


def test_my_data_shows_consent_records_and_purposes_per_category(stepped_up_client, consented):
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "同意の記録" in html and "第三者提供の記録" in html and "利用・提供の停止" in html
    assert "マーケティング及びサービスの改善" in html
    assert "やまと配送株式会社" in html and "氏名、住所" in html
    assert "ご注文の確認及び商品の配送（提供先：やまと配送株式会社）" in html


def test_erasure_through_the_registry_removes_append_only_evidence(consented, admin_user):
    counts = registry.erase(consented, Category.CONSENT, actor=admin_user)
    assert counts["consent.consentrecord"] == 1
    assert counts["consent.provisionrecord"] == 1
    assert not ConsentRecord.objects.filter(subject=consented).exists()
    assert not ProvisionRecord.objects.filter(subject=consented).exists()
    # Outside the registry's erasure the rows still refuse deletion.
    services.consent_update(
        subject=consented,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    with pytest.raises(PermissionError):
        ConsentRecord.objects.filter(subject=consented).delete()


def test_a_renamed_recipient_shows_under_its_new_name_at_once(stepped_up_client, consented):
    """The records name their recipient as it is called now (APPI art. 33(1): the
    disclosure names who received the data), not as it was called a minute ago."""
    assert "やまと配送株式会社" in stepped_up_client.get("/my-data/").content.decode()
    delivery = ProvisionRecord.objects.get(subject=consented).recipient
    delivery.name_ja = "やまと運輸株式会社"
    delivery.save()
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "やまと運輸株式会社" in html
    assert "やまと配送株式会社" not in html


def test_my_data_does_not_say_gdpr_art_7_1_requires_the_period(
    stepped_up_client, consented, settings
):
    """GDPR art. 7(1): the consent must be shown; the 3 years are the company's period."""
    settings.RIGHTS_DEFAULT_REGIME = "gdpr"
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "GDPR第7条第1項により" not in html
    assert "同意を得たこと、撤回されたことを示せるよう" in html
    stepped_up_client.cookies["django_language"] = "en"
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "as required by GDPR" not in html
    assert "so that we can show the consent was given or withdrawn (GDPR art. 7(1))" in html


def test_my_data_under_appi_says_why_consent_is_kept_citing_no_gdpr(stepped_up_client, consented):
    """APPI: the proof of consent is kept for the same reason; GDPR art. 7(1) binds the
    company towards people under the GDPR only and is not cited to this customer."""
    html = stepped_up_client.get("/my-data/").content.decode()
    assert "同意を得たこと、撤回されたことを示せるよう" in html
    assert "GDPR第7条第1項" not in html
