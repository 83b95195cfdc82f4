"""The reason box of an APPI stop form says each condition once and only what is true
(APPI art. 35: the reason is asked unless a ground is chosen or only what rests on
consent is stopped). Its mark states when it is not needed; its help gives examples
of reasons and never mentions uses or recipients on the consent page when there are
none, in Japanese as in English."""

import re

import pytest

from consent.models import Purpose

pytestmark = pytest.mark.django_db


def _reason_box(client, kind: str) -> str:
    page = client.get(f"/requests/new/{kind}/").content.decode()
    block = page.split('name="details"')[0].rsplit("<label", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", "<" + block))


def test_the_consent_condition_is_said_once_art_35(stepped_up_client, customer):
    customer.language = "ja"
    customer.save()
    box = _reason_box(stepped_up_client, "stop_use")
    assert box.count("「同意」ページで停止できる利用") == 1, box
    assert "個人情報保護法第35条" in box


@pytest.mark.parametrize("kind", ["stop_use", "stop_provision"])
def test_with_nothing_on_the_consent_page_the_box_does_not_mention_it_art_35(
    stepped_up_client, customer, kind
):
    """No optional purpose (so no recipient on consent either): the mark says a ground
    makes the reason unnecessary, and the help gives examples; neither speaks of consent."""
    customer.language = "ja"
    customer.save()
    Purpose.objects.filter(is_required=False).update(is_active=False)
    box = _reason_box(stepped_up_client, kind)
    assert "同意に基づく提供だけ" not in box and "「同意」ページ" not in box, box
    assert "個人情報保護法第35条" in box
