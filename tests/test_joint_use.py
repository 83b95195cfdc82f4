"""Joint use (APPI art. 27(5)(iii)): partners share data under the policy of the party
responsible; the data used jointly, the joint users, their purposes and that party are
published on /privacy/ and shown in disclosures."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from consent import services
from consent.models import ProvisionRecord, Recipient
from rights.choices import Kind
from rights.disclosure.package import write_package
from rights.services import request_submit
from tests.consent_support import purpose, recipients
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

ITEMS = {
    "ja": [
        "スマイル共同利用株式会社",
        "氏名、住所、購入履歴",
        "当社及びスマイルグループ各社",
        "ライツポータル株式会社（東京都渋谷区道玄坂1-2-3、代表取締役 山本 一郎）",
    ],
    "en": [
        "Smile Joint Co., Ltd.",
        "Name, address, purchase history",
        "We and the companies of the Smile group",
        "Rights Portal K.K. (1-2-3 Dogenzaka, Shibuya-ku, Tokyo; Ichiro Yamamoto)",
    ],
}


def _joint_user() -> Recipient:
    joint = Recipient.objects.create(
        name_ja="スマイル共同利用株式会社",
        name_en="Smile Joint Co., Ltd.",
        kind=Recipient.Kind.JOINT_USE,
        joint_items_ja="氏名、住所、購入履歴",
        joint_items_en="Name, address, purchase history",
        joint_users_ja="当社及びスマイルグループ各社",
        joint_users_en="We and the companies of the Smile group",
        joint_manager_ja="ライツポータル株式会社（東京都渋谷区道玄坂1-2-3、代表取締役 山本 一郎）",
        joint_manager_en="Rights Portal K.K. (1-2-3 Dogenzaka, Shibuya-ku, Tokyo; Ichiro Yamamoto)",
    )
    joint.purposes.add(purpose("orders_delivery"))
    return joint


def test_a_joint_user_without_the_published_items_is_refused_appi_art_27_5_iii():
    """APPI art. 27(5)(iii): joint use rests on items published beforehand."""
    joint = Recipient(name_ja="共同", name_en="Joint", kind=Recipient.Kind.JOINT_USE)
    with translation.override("en"), pytest.raises(ValidationError, match="APPI art. 27"):
        joint.full_clean()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_privacy_page_publishes_the_joint_use_items_appi_art_27_5_iii(client, language):
    """APPI art. 27(5)(iii): the data used jointly, the joint users, the purpose and the
    party responsible are published on /privacy/."""
    recipients()
    _joint_user()
    client.cookies["django_language"] = language
    page = client.get("/privacy/").content.decode()
    assert 'id="joint-use"' in page
    assert not [item for item in ITEMS[language] if item not in page]
    title = purpose("orders_delivery").title_ja if language == "ja" else "Confirming orders"
    section = page[page.index('id="joint-use"') :]
    assert title in section


def test_joint_use_needs_no_consent_and_is_its_own_provision_ground_appi_art_27_5_iii():
    """APPI art. 27(5)(iii): a joint user is not a third party: data goes to it within
    the joint use's purposes without consent, recorded under the ground "joint use",
    which no other kind of recipient may use; a stop of provision still applies."""
    customer = ProfileFactory().user
    joint = _joint_user()
    delivery = recipients()["delivery"]
    assert services.may_provide(customer, joint)
    record = services.provision_record_create(
        subject=customer,
        recipient=joint,
        provided_on=timezone.localdate(),
        data_items="name, address",
        ground=ProvisionRecord.Ground.JOINT_USE,
    )
    with translation.override("en"):
        assert record.get_ground_display() == "Joint use"
    with (
        translation.override("en"),
        pytest.raises(services.ProvisionRefused, match="only for joint users"),
    ):
        services.provision_record_create(
            subject=customer,
            recipient=delivery,
            provided_on=timezone.localdate(),
            data_items="name",
            ground=ProvisionRecord.Ground.JOINT_USE,
        )


def test_disclosure_shows_the_joint_use_items_appi_art_27_5_iii_and_33_5():
    """APPI art. 27(5)(iii), 33: the disclosure's report and JSON name the joint user
    with the data used jointly, the joint users, the purposes and the party responsible."""
    customer = ProfileFactory(user__language="en").user
    _joint_user()
    request = request_submit(subject=customer, requester=customer, kind=Kind.DISCLOSURE)
    buffer = io.BytesIO()
    write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        report = archive.read("report.html").decode()
        data = json.loads(archive.read("data.json"))
    assert not [item for item in ITEMS["en"] if item not in report]
    joint = next(r for r in data["recipients"] if r["kind"] == "joint_use")
    assert joint["joint_use"] == {
        "data": "Name, address, purchase history",
        "joint_users": "We and the companies of the Smile group",
        "purposes": ["Confirming orders and delivery"],
        "responsible": ITEMS["en"][3],
    }
