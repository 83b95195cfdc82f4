"""A text translated in two apps' catalogues is translated the same in both.

Django merges the catalogues into one; which of two different translations a
page gets depends on the order of the apps, so a second catalogue's entry can
silently change the wording of a page that has nothing to do with it.
"""

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted(ROOT.glob("*/locale/ja/LC_MESSAGES/django.po"))


def test_every_text_has_one_japanese_translation():
    seen: dict[tuple, dict[str, str]] = {}
    for path in CATALOGS:
        with path.open("rb") as file:
            for message in read_po(file):
                if not message.id or not message.string:
                    continue
                key = (
                    message.context,
                    message.id if isinstance(message.id, str) else message.id[0],
                )
                text = message.string if isinstance(message.string, str) else message.string[0]
                seen.setdefault(key, {})[path.relative_to(ROOT).parts[0]] = text
    differing = {key: by_app for key, by_app in seen.items() if len(set(by_app.values())) > 1}
    assert not differing, differing


def _entries(path: Path):
    """Each entry's (context, id) as written in ``path``, duplicates kept (babel's
    reader merges them)."""
    context = msgid = None
    field = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith('"') and field in {"msgctxt", "msgid"}:
            text = line[1:-1]
            if field == "msgctxt":
                context += text
            else:
                msgid += text
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in {"msgctxt", "msgid"}:
            field = keyword
            if keyword == "msgctxt":
                context = rest[1:-1]
            else:
                msgid = rest[1:-1]
            continue
        field = None
        if not line.strip() and msgid is not None:
            if msgid:
                yield (context, msgid)
            context = msgid = None


def test_no_catalogue_defines_a_text_twice():
    """Two entries of one text in a catalogue are refused by msgfmt, and pybabel keeps
    one of them silently: the page gets whichever it read last."""
    twice = {}
    for path in CATALOGS:
        seen = set()
        for key in _entries(path):
            if key in seen:
                twice.setdefault(path.relative_to(ROOT).as_posix(), []).append(key)
            seen.add(key)
    assert not twice, twice


def test_a_word_that_means_two_things_is_translated_in_its_context():
    """ "Clear" a fee's unfounded mark is 取り消す, not a filter's クリア; a provision's
    ground is 提供の根拠 and a restriction's source 根拠, not a refusal's 理由 and a
    record's 情報源."""
    from django.utils import translation

    from consent.models import ProcessingRestriction, ProvisionRecord
    from rights.fee_admin import UnfoundedForm

    with translation.override("ja"):
        assert dict(UnfoundedForm().fields["unfounded"].choices)["0"] == "取り消す"
        assert ProvisionRecord._meta.get_field("ground").verbose_name == "提供の根拠"
        assert ProcessingRestriction._meta.get_field("source").verbose_name == "根拠"
