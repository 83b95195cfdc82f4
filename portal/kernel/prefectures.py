"""The 47 prefectures of Japan, and finding the one an address is in
(Profile.prefecture, derived from the encrypted address)."""

import re
import unicodedata

from django.utils.translation import get_language

# The 47 prefectures, in the official order, with the romanised names that
# English addresses use.
PREFECTURES = [
    ("北海道", "Hokkaido"), ("青森県", "Aomori"), ("岩手県", "Iwate"), ("宮城県", "Miyagi"),
    ("秋田県", "Akita"), ("山形県", "Yamagata"), ("福島県", "Fukushima"), ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"), ("群馬県", "Gunma"), ("埼玉県", "Saitama"), ("千葉県", "Chiba"),
    ("東京都", "Tokyo"), ("神奈川県", "Kanagawa"), ("新潟県", "Niigata"), ("富山県", "Toyama"),
    ("石川県", "Ishikawa"), ("福井県", "Fukui"), ("山梨県", "Yamanashi"), ("長野県", "Nagano"),
    ("岐阜県", "Gifu"), ("静岡県", "Shizuoka"), ("愛知県", "Aichi"), ("三重県", "Mie"),
    ("滋賀県", "Shiga"), ("京都府", "Kyoto"), ("大阪府", "Osaka"), ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"), ("和歌山県", "Wakayama"), ("鳥取県", "Tottori"), ("島根県", "Shimane"),
    ("岡山県", "Okayama"), ("広島県", "Hiroshima"), ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"), ("香川県", "Kagawa"), ("愛媛県", "Ehime"), ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"), ("佐賀県", "Saga"), ("長崎県", "Nagasaki"), ("熊本県", "Kumamoto"),
    ("大分県", "Oita"), ("宮崎県", "Miyazaki"), ("鹿児島県", "Kagoshima"), ("沖縄県", "Okinawa"),
]  # fmt: skip

_ROMAJI = [
    (japanese, re.compile(rf"\b{romaji}\b", re.IGNORECASE)) for japanese, romaji in PREFECTURES
]
_POSTAL_PREFIX = re.compile(r"^〒?\s*\d{3}-?\d{4}\s*")


def prefecture_of(address: str | None) -> str:
    """The Japanese name of the prefecture an address is in, or "" when none is named.

    A Japanese address starts with it (after an optional postal code); an
    English one names it as a word ("Shibuya-ku, Tokyo").
    """
    text = _POSTAL_PREFIX.sub("", unicodedata.normalize("NFKC", address or "").strip())
    for japanese, _romaji in PREFECTURES:
        if text.startswith(japanese):
            return japanese
    for japanese, pattern in _ROMAJI:
        if pattern.search(text):
            return japanese
    return ""


def prefecture_name(japanese: str) -> str:
    """A prefecture's name in the active language: 東京都, or "Tokyo" on English pages.
    A name that is not one of the 47 is returned as it is."""
    if (get_language() or "ja").split("-")[0] == "en":
        return dict(PREFECTURES).get(japanese, japanese)
    return japanese
