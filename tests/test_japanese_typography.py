"""Japanese text uses full-width punctuation: 「確認：開示」, 「（空欄）」, not 「確認:開示」.

A colon stays half-width where it is part of what is typed (``portal.invoice:42``,
the "source:ID" format) and parentheses where they hold Latin text (an article's
paragraph, ``第17条第3項(e)``) or a placeholder (``%(name)s``).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(ROOT.glob("*/locale/ja/LC_MESSAGES/django.po"))
JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff]"
HALF_WIDTH_COLON = re.compile(rf"{JAPANESE}:(?!ID)|%\(\w+\)s:(?=[^\x00-\x7f])")
HALF_WIDTH_PARENS = re.compile(r"(?<!%)\([^()]*[^\x00-\x7f][^()]*\)")


def _translations(path: Path) -> list[str]:
    """Every msgstr of a catalogue, its continued lines joined."""
    texts, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgstr"):
            current = [line.split(" ", 1)[1].strip('"')]
            texts.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line.strip('"'))
        else:
            current = None
    return ["".join(parts) for parts in texts]


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-4])
def test_japanese_translations_write_amounts_in_yen_after_the_number(catalog):
    """「1,000円」 as the fee box and the fee page write it, not 「¥1,000」."""
    assert [text for text in _translations(catalog) if "¥" in text] == []


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-4])
def test_japanese_translations_use_full_width_colons_and_parentheses(catalog):
    wrong = [
        text
        for text in _translations(catalog)
        if HALF_WIDTH_COLON.search(text) or HALF_WIDTH_PARENS.search(text)
    ]
    assert wrong == []


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-4])
def test_japanese_translations_write_the_customer_one_way(catalog):
    """「お客様」 throughout, as the account and notice pages write it; one e-mail wrote
    「お客さま」 beside pages that say 「お客様情報」."""
    assert [text for text in _translations(catalog) if "お客さま" in text] == []


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-4])
def test_japanese_translations_name_a_refusal_one_way(catalog):
    """「不承諾」, the status staff and customers read (APPI art. 36: the person is told
    the request is not granted); three staff texts said 「却下」 for the same refusal."""
    assert [text for text in _translations(catalog) if "却下" in text] == []


# A placeholder that stands for a moment or a day, written in Japanese
# (「2026年7月15日（日本時間）」): it runs into its sentence without a space.
MOMENT_SPACED = re.compile(
    rf"{JAPANESE} %\((?:at|date|day|until|when|expires)\)s|"
    rf"%\((?:at|date|day|until|when|expires)\)s [\u3040-\u30ff\u3400-\u9fff]"
)


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: path.parts[-4])
def test_japanese_translations_run_a_date_into_its_sentence(catalog):
    """「遅くとも2026年7月15日までに回答します」, not 「遅くとも 2026年7月15日 までに」: the
    spaces around an English date stay behind when the date is written in Japanese.
    (A reference or an address in Latin letters keeps its spaces: 「ご請求 R-000001 を」.)"""
    assert [text for text in _translations(catalog) if MOMENT_SPACED.search(text)] == []
