"""The admin's Japanese runs its words together, as the rest of the portal's does:
「利用目的を追加」, not Django's own 「利用目的 を追加」. Django's catalogue puts a
space between a name it fills in and the particle after it; the portal's catalogue
(in LOCALE_PATHS, so it wins) writes those texts without one."""

from __future__ import annotations

import re
from pathlib import Path

import django
import pytest
from babel.messages.pofile import read_po
from django.utils import translation

from tests.consent_support import purpose

pytestmark = pytest.mark.django_db

DJANGO_ADMIN_JA = Path(django.__file__).parent / "contrib/admin/locale/ja/LC_MESSAGES/django.po"
#: A space beside a particle: 「%s を追加」, 「選択された %(model)s の変更」.
SPACED = re.compile(r"(?<=\S) (?=[をのがでとは])|(?<=[をのがでと]) (?=\S)")
#: Django's texts staff never read: the admin's password reset is not served (staff
#: reset through an officer); the spaces in the other stand beside Latin key names.
UNSEEN = {
    "You're receiving this email because you requested a password reset for your user "
    "account at %(site_name)s.",
    "Hold down “Control”, or “Command” on a Mac, to select more than one.",
}


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1].strip()


def _spaced_in_django() -> list[str | tuple[str, str]]:
    with DJANGO_ADMIN_JA.open("rb") as file:
        catalog = read_po(file)
    found = []
    for message in catalog:
        text = message.string if isinstance(message.string, str) else message.string[0]
        if text and SPACED.search(text) and message.id not in UNSEEN:
            found.append(message.id if isinstance(message.id, str) else tuple(message.id))
    return found


def test_the_add_and_change_pages_title_their_model_without_a_space(officer_client):
    officer_client.cookies["django_language"] = "ja"
    add = _title(officer_client.get("/admin/consent/purpose/add/"))
    assert add.startswith("利用目的を追加 |"), add
    change = _title(officer_client.get(f"/admin/consent/purpose/{purpose('marketing').pk}/change/"))
    assert "利用目的を変更 |" in change, change


def test_no_admin_text_puts_a_space_beside_a_particle():
    texts = _spaced_in_django()
    assert "Add %s" in texts  # the catalogue read is Django's, with its spaces
    with translation.override("ja"):
        spaced = {
            text: translation.gettext(text)
            if isinstance(text, str)
            else translation.ngettext(*text, 2)
            for text in texts
        }
    assert {text: japanese for text, japanese in spaced.items() if SPACED.search(japanese)} == {}
