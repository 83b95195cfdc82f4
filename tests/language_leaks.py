"""A heuristic detector of text in the wrong language, for the language-leak tests.

In Japanese output, an English sentence is a run of at least three ASCII words of
three letters or more, with only spaces and light punctuation between them, once
addresses, links, codes and the allowed names are taken out. In English output,
any kana or kanji is a leak, except the allowed names. In both, text shaped like a
Python repr (``{'a': 1}``, ``['x']``, ``<User: …>``; in Japanese ``None``) is a leak.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Names that stay as they are in either language: the product, laws, formats, the
#: company's English name, the language switcher's own labels.
ALLOWED_IN_JAPANESE = (
    "Rights Portal",
    "Rights Portal K.K.",
    "Personal Information Protection Commission",
    "Google Authenticator",
    "Microsoft Authenticator",
    "Authenticator",
    "English",
    "SHA-256",
    "UTF-8",
    "PDF, JPEG, PNG",
    "JPEG, PNG",
    "HEIC",
    "JSON",
    "CSV",
    "README.txt",
    "report.html",
    "data.json",
    "notice.html",
    "notice.json",
)
#: In English: the language switcher's label, the examples of how to write a name
#: in Japanese script, and the bank account holder as the bank knows it (katakana).
ALLOWED_IN_ENGLISH = ("日本語", "山田 太郎", "ヤマダ タロウ", "ライツポータル(カ")

_URL = re.compile(r"https?://\S+|www\.\S+|/[\w./-]*/")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_CODE = re.compile(
    r"\b[A-Z0-9]+(?:[-_][A-Z0-9]+)+\b"  # R-000001, INV-2025-…
    r"|(?:\b[A-Z0-9]{2,8}\b ?){3,}"  # a secret key in groups: ABCD EFGH IJKL
    r"|\b[\w-]+\.(?:zip|csv|json|html|txt|pdf)\b"  # file names
)
_WORD = r"[A-Za-z][A-Za-z'’]*"
_ENGLISH_RUN = re.compile(rf"{_WORD}(?:[ ,;:()\-–—]+{_WORD}){{2,}}")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
_REPR = re.compile(
    r"[\[{]\s*['\"][^'\"]*['\"]\s*[:,\]}]"  # {'a': …}, ['a', …]
    r"|[\[{]\s*\d+\s*[,:]"  # {1: …}, [1, …]
    r"|<[A-Z]\w+(?:: | object at )"  # <User: …>, <Foo object at …>
    r"|__proxy__|QuerySet"
)
#: Python's constants shown as values; English text may say "None", Japanese not.
_CONSTANT = re.compile(r"\b(?:None|True|False)\b")


class _Visible(HTMLParser):
    """The text a reader sees: text nodes and the alt, title, aria-label and
    placeholder attributes; not scripts, styles or the head."""

    HIDDEN = {"script", "style", "head", "template"}
    SPOKEN = ("alt", "title", "aria-label", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.parts.append(value)
        if tag in ("br", "p", "li", "td", "th", "dt", "dd", "div", "h1", "h2", "h3", "option"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        self.parts.append("\n")

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "".join(parser.parts)


def _strip(text: str, allowed: tuple[str, ...]) -> str:
    for name in sorted(allowed, key=len, reverse=True):
        text = text.replace(name, " ")
    return _CODE.sub(" ", _EMAIL.sub(" ", _URL.sub(" ", text)))


def english_sentences(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Runs of English words in Japanese text (see the module docstring)."""
    found = []
    for line in _strip(text, ALLOWED_IN_JAPANESE + tuple(allowed)).splitlines():
        for match in _ENGLISH_RUN.finditer(line):
            words = re.findall(_WORD, match.group(0))
            if sum(len(w) >= 3 for w in words) >= 3:
                found.append(match.group(0).strip())
    return found


def japanese_text(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Kana and kanji in English text."""
    return _JAPANESE.findall(_strip(text, ALLOWED_IN_ENGLISH + tuple(allowed)))


def reprs(text: str, language: str = "en") -> list[str]:
    """Text shaped like a Python repr (in Japanese text also None, True, False)."""
    found = [m.group(0) for m in _REPR.finditer(text)]
    if language == "ja":
        found += _CONSTANT.findall(text)
    return found


def leaks(text: str, language: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Everything in ``text`` not written in ``language``, and every repr."""
    wrong = english_sentences(text, allowed) if language == "ja" else japanese_text(text, allowed)
    return wrong + reprs(text, language)
