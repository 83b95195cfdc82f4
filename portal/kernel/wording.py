"""Lists, labels and sentences joined the way the active language writes them: 「A、B」,
「理由：…」 and sentences without a space between them in Japanese, "A, B",
"Reason: …" and "One. Two." in English."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language


def _japanese() -> bool:
    return (get_language() or "ja").startswith("ja")


def listed(items: Iterable) -> str:
    """Names one after the other, as a list in the active language."""
    return ("、" if _japanese() else ", ").join(str(item) for item in items)


def sentence(text) -> str:
    """``text`` ended as a sentence: 「。」 in Japanese, "." otherwise."""
    return f"{text}{'。' if _japanese() else '.'}"


def colon() -> str:
    """Between a label and its value: 「理由：…」 in Japanese, "Reason: …" in English."""
    return "：" if _japanese() else ": "


def sentences(parts: Iterable) -> str:
    """Sentences one after the other: no space between them in Japanese."""
    return ("" if _japanese() else " ").join(str(part) for part in parts)
