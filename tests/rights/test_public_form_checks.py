"""The public request form (no account): what it refuses and how it says so."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from rights.models import RightsRequest
from tests.conftest import last_code

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "asker@example.com"


def _summary(response) -> list[str]:
    """The lines of the error summary at the top of the page, as read."""
    text = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', text, re.S).group(0)
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def _send(language, capture, **overrides):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, EMAIL, capture, language=language)
    with capture(execute=True):
        return client.post("/requests/start/request/", agent_form(**overrides))


def test_the_japanese_error_summary_joins_label_and_message_with_a_full_width_colon(
    django_capture_on_commit_callbacks,
):
    response = _send(
        "ja",
        django_capture_on_commit_callbacks,
        requester_name="",
        kind="deletion",
        documents_consent=None,
    )
    assert response.status_code == 200
    lines = _summary(response)
    assert "あなたの氏名：あなたの氏名をご記入ください。" in lines, lines
    deletion = next(line for line in lines if line.startswith("すべて"))
    assert deletion.count("：") == 2 and ": " not in deletion  # the label's own colon, then one
    consent = next(line for line in lines if line.startswith("書類が"))
    assert "。：" not in consent and "このフィールドは必須です" not in consent
    assert "同意がなければ" in consent
    assert not any(": " in line for line in lines), lines
    assert not RightsRequest.objects.exists()


def test_the_english_consent_error_says_what_to_do_without_a_doubled_stop(
    django_capture_on_commit_callbacks,
):
    response = _send("en", django_capture_on_commit_callbacks, documents_consent=None)
    lines = _summary(response)
    (consent,) = [line for line in lines if line.startswith("I agree")]
    assert "decision: Tick the box to agree" in consent
    assert ".:" not in consent and "This field is required" not in consent


@pytest.mark.parametrize(
    ("language", "example", "not_shown"),
    [("en", "e.g. Hanako Sato", "e.g. 山田 太郎"), ("ja", "例：山田 太郎", "Hanako Sato")],
)
def test_the_name_example_is_written_in_the_pages_language(
    language, example, not_shown, django_capture_on_commit_callbacks
):
    """The English form gave 「e.g. 山田 太郎」 as the example of a name."""
    response = _send(language, django_capture_on_commit_callbacks, requester_name="")
    page = response.content.decode()
    assert example in page and not_shown not in page


# -- APPI art. 37: a parent represents a minor only ------------------------------------------


@time_machine.travel(dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_appi_art_37_a_parent_is_refused_for_a_person_of_18_or_older(
    language, django_capture_on_commit_callbacks
):
    """APPI art. 37 (with Civil Code art. 4, majority at 18): "parent or guardian of a
    minor" is refused when the date of birth given shows an adult, with the capacities
    that fit instead."""
    response = _send(
        language,
        django_capture_on_commit_callbacks,
        capacity="parent",
        authority_kind="family_register",
        subject_date_of_birth="1990-07-07",
    )
    assert response.status_code == 200
    assert not RightsRequest.objects.exists()
    (line,) = [line for line in _summary(response) if "18" in line]
    if language == "ja":
        assert "18歳以上" in line and "任意代理人" in line and "成年後見人" in line
    else:
        assert "18 or older" in line and "agent the person appointed" in line
        assert "guardian of an adult ward" in line


@time_machine.travel(dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    "born, taken",
    [
        ("2008-07-07", True),  # 17 until tomorrow
        ("2008-07-06", False),  # 18 today
        ("2015-01-01", True),
    ],
)
def test_appi_art_37_a_parent_may_file_for_a_minor_until_their_18th_birthday(
    born, taken, django_capture_on_commit_callbacks
):
    response = _send(
        "en",
        django_capture_on_commit_callbacks,
        capacity="parent",
        authority_kind="family_register",
        subject_date_of_birth=born,
    )
    assert (response.status_code == 302) is taken
    assert RightsRequest.objects.exists() is taken


@pytest.mark.parametrize("language", ["en", "ja"])
def test_appi_art_37_a_parent_gives_the_childs_date_of_birth(
    language, django_capture_on_commit_callbacks
):
    """APPI art. 37: a parent acts for a minor only; a date of birth left empty
    skipped the check that the person is one."""
    response = _send(
        language,
        django_capture_on_commit_callbacks,
        capacity="parent",
        authority_kind="family_register",
        subject_date_of_birth="",
    )
    assert response.status_code == 200
    assert not RightsRequest.objects.exists()
    lines = _summary(response)
    expected = "お子様の生年月日" if language == "ja" else "the child's date of birth"
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("phone", ["abc", "12", "03-1234-5678x"])
def test_the_persons_phone_number_is_a_phone_number(phone, django_capture_on_commit_callbacks):
    """A phone number that is none found no one, yet stood in for the e-mail address."""
    response = _send(
        "en", django_capture_on_commit_callbacks, subject_email="", subject_phone=phone
    )
    assert response.status_code == 200
    assert not RightsRequest.objects.exists()
    assert any("Enter a phone number in digits" in line for line in _summary(response))


# -- addresses typed by a Japanese input method in full-width mode ---------------------------


def _full_width(text: str) -> str:
    """``text`` as a Japanese input method in full-width mode types it."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_addresses_typed_in_full_width_are_taken_as_typed_in_ascii(
    django_capture_on_commit_callbacks,
):
    """ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ is taro@example.com, as on sign-up and login: the code
    goes to that address and the request keeps the addresses in ASCII."""
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/requests/start/", {"email": _full_width(EMAIL)})
    assert response.status_code == 302, response.context["form"].errors
    assert mail.outbox[-1].to == [EMAIL]
    response = client.post("/requests/start/code/", {"code": last_code()})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/requests/start/request/",
            agent_form(subject_email=_full_width("hanako@example.com")),
        )
    assert response.status_code == 302, response.context["form"].errors
    identity = RightsRequest.objects.get().identity
    assert identity.requester_email == EMAIL
    assert identity.subject_email == "hanako@example.com"


@pytest.mark.parametrize("born", ["１９８０－０４－０１", "１９８０／４／１", "1980年4月1日"])
def test_a_date_of_birth_typed_in_full_width_or_with_year_month_day_is_taken(
    born, django_capture_on_commit_callbacks
):
    """A browser without a date picker sends what was typed: full-width digits from a
    Japanese input method, or 年月日, are the same date as 1980-04-01."""
    response = _send("ja", django_capture_on_commit_callbacks, subject_date_of_birth=born)
    assert response.status_code == 302, _summary(response)
    assert RightsRequest.objects.get().identity.subject_date_of_birth == dt.date(1980, 4, 1)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ("rights.requesters.staff_forms.StaffEntryForm", "subject_email"),
        ("consent.forms.PaperConsentForm", "customer"),
    ],
)
def test_staff_forms_read_an_address_typed_in_full_width_too(form, field):
    """A letter's address keyed in with a Japanese input method left in full-width mode."""
    from django.utils.module_loading import import_string

    typed = "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"
    assert import_string(form).base_fields[field].clean(typed) == "hanako@example.com"


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("ja", "選択されたファイル（bar-card.pdf, letter-of-attorney.pdf）は保持されていません"),
        ("en", "The files you chose (bar-card.pdf, letter-of-attorney.pdf) were not kept"),
    ],
)
def test_a_form_sent_back_with_an_error_asks_for_the_chosen_files_again(
    django_capture_on_commit_callbacks, language, notice
):
    """The browser empties file fields on a page that comes back: without a word, the
    visitor fixes the one error shown, sends again, and only then hears that the
    identity document is missing."""
    response = _send(language, django_capture_on_commit_callbacks, documents_consent=None)
    assert response.status_code == 200
    assert RightsRequest.objects.count() == 0
    assert notice in html.unescape(response.content.decode())


def test_a_form_with_no_file_chosen_says_nothing_about_files(django_capture_on_commit_callbacks):
    response = _send(
        "en",
        django_capture_on_commit_callbacks,
        requester_document=None,
        authority_document=None,
    )
    assert response.status_code == 200
    assert "were not kept" not in response.content.decode()
