"""Lines the code joins from translated parts use the language's punctuation: a
full-width colon and brackets in Japanese, ": " and "( )" in English (STYLE)."""

import re

import pytest
from django.utils import translation

from rights.choices import Kind
from rights.forms import CorrectionForm
from rights.summary import request_summary
from tests.factories import ProfileFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_the_deletion_summary_names_each_kept_rule_with_the_languages_colon():
    with translation.override("ja"):
        kept = request_summary(kind=Kind.DELETION, scope={"everything": True}).kept
    assert kept
    for line in kept:
        assert "：" in line and ": " not in line, line
    with translation.override("en"):
        kept = request_summary(kind=Kind.DELETION, scope={"everything": True}).kept
    assert all(": " in line for line in kept)


def test_a_correction_item_names_its_record_in_the_languages_brackets():
    registration = RegistrationFactory(user=ProfileFactory().user, member_number="M-777")
    with translation.override("ja"):
        labels = [
            label for label, _value in CorrectionForm(subject=registration.user).targets.values()
        ]
    started = next(label for label in labels if "M-777" in label)
    assert started.endswith("M-777）") and "（" in started, started
    assert " (" not in started
    with translation.override("en"):
        labels = [
            label for label, _value in CorrectionForm(subject=registration.user).targets.values()
        ]
    assert any(label.endswith("M-777)") for label in labels)


def test_a_correction_choice_joins_item_and_value_with_the_languages_colon():
    """「氏名：山田 太郎」 in Japanese, "Full name: 山田 太郎" in English."""
    registration = RegistrationFactory(user=ProfileFactory().user, member_number="M-777")
    with translation.override("ja"):
        choices = [
            str(text)
            for value, text in CorrectionForm(subject=registration.user).fields["target"].choices
            if value
        ]
    assert choices
    for choice in choices:
        assert "：" in choice and ": " not in choice, choice
    with translation.override("en"):
        choices = [
            str(text)
            for value, text in CorrectionForm(subject=registration.user).fields["target"].choices
            if value
        ]
    assert all(": " in choice for choice in choices), choices


@pytest.mark.parametrize(
    ("language", "joined"),
    [("ja", "氏名：山田 太郎 → 山田 花子"), ("en", "氏名: 山田 太郎 → 山田 花子")],
)
def test_the_correction_asked_on_the_request_page_joins_item_and_values_with_the_languages_colon(
    customer, language, joined
):
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from rights.services import request_submit

    request = request_submit(subject=customer, requester=customer, kind=Kind.CORRECTION)
    change = SimpleNamespace(
        label="氏名", asked_over_shown="山田 太郎", new_value_shown="山田 花子"
    )
    with translation.override(language):
        html = render_to_string(
            "rights/includes/status.html", {"req": request, "changes": [change]}
        )
    assert f"<dd>{joined}</dd>" in html


@pytest.mark.parametrize(
    ("language", "kept", "deleted"),
    [
        ("ja", "委任状：letter.pdf", "2026年7月6日（日本時間）に削除（判断から30日経過）"),
        ("en", "Letter of attorney: letter.pdf", "deleted 6 Jul 2026 JST (30 days after"),
    ],
)
def test_the_documents_sent_with_a_request_name_their_kind_with_the_languages_colon(
    language, kept, deleted
):
    """The request page and the follow page list the documents as 「委任状：letter.pdf」."""
    import datetime as dt
    import re
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    documents = [
        SimpleNamespace(
            get_kind_display=kind,
            is_destroyed=destroyed,
            destroyed_at=dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC),
            get_destroyed_because_display=because,
            original_name="letter.pdf",
        )
        for kind, destroyed, because in [
            ({"ja": "委任状", "en": "Letter of attorney"}[language], False, ""),
            (
                {"ja": "本人確認書類", "en": "Identity document"}[language],
                True,
                {"ja": "判断から30日経過", "en": "30 days after the decision"}[language],
            ),
        ]
    ]
    with translation.override(language):
        html = render_to_string(
            "rights/includes/documents.html", {"documents": documents, "document_links": False}
        )
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert kept in text
    assert deleted in text
    if language == "ja":
        assert ": " not in text and " (" not in text, text


def _read(client, url: str, language: str) -> str:
    """The page at ``url`` in ``language`` as read on screen: its text without markup,
    white space in the source read as one space."""
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


@pytest.mark.parametrize(
    ("url", "japanese", "english"),
    [
        (
            "/",
            "アカウントを作成します。メールアドレスで",
            "Create an account. Sign up with your e-mail address",
        ),
        (
            "/requests/start/",
            "送らないでください。マイナンバーカードの裏面",
            "Never send a My Number (individual number). Do not upload",
        ),
        # A sentence followed by a link: 「…することもできます。ログイン」.
        (
            "/requests/start/",
            "ログインして請求することもできます。ログイン",
            "log in and file the request there. Log in",
        ),
        ("/accounts/login/", "アカウントをお持ちでない方は新規登録", "No account yet? Sign up"),
    ],
)
def test_a_bold_first_sentence_runs_on_without_a_space_in_japanese(client, url, japanese, english):
    assert japanese in _read(client, url, "ja")
    assert english in _read(client, url, "en")
