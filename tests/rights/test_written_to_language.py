"""The working page says which language the person is written to in (the language
their notices go out in), and beside each box whose text is sent as written, that
it is sent in that language: a reason written in English went verbatim into a
Japanese e-mail."""

import html
import re

import pytest
from django.core import mail

from rights.choices import Regime, Status
from tests.factories import ProfileFactory
from tests.rights.fee_support import in_review, phone_correction_in_review
from tests.rights.notice_support import mail_waiting_notices

pytestmark = pytest.mark.django_db

BASE = "/admin/rights/rightsrequest/{}/"


def _page(client, request, language) -> str:
    client.cookies["django_language"] = language
    response = client.get(BASE.format(request.pk) + "change/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _notes(page: str) -> dict[str, str]:
    """The id of each box's note and its text."""
    return dict(re.findall(r'<p class="help rr-written-as" id="([^"]+)">([^<]+)</p>', page))


@pytest.mark.parametrize(
    ("page_language", "field", "line", "note"),
    [
        (
            "ja",
            "連絡に使う言語",
            "英語：{email}",
            "入力したとおりに英語の通知で送られます。英語で記入してください。",
        ),
        (
            "en",
            "Written to in",
            "English: {email}",
            "Sent as written, in a notice in English: write it in English.",
        ),
    ],
)
def test_the_working_page_names_the_language_the_person_is_written_to_in(
    officer_client, officer, file_request, page_language, field, line, note
):
    person = ProfileFactory(user__language="en").user
    request = in_review(file_request, person, officer)
    page = _page(officer_client, request, page_language)
    who = page[page.index(field) :]
    assert line.format(email=person.email) in who[: who.index("</fieldset>")]
    boxes = ("rr-reason", "id_extend_reason", "id_regime_reason", "id_body")
    assert _notes(page) == {f"{box}-written-as": note for box in boxes}
    assert 'aria-describedby="rr-reason-written-as"' in page


def test_a_japanese_reader_is_written_to_in_japanese_and_told_so(
    officer_client, officer, customer, file_request
):
    request = in_review(file_request, customer, officer)
    page = _page(officer_client, request, "en")
    assert f"Japanese: {customer.email}" in page
    assert set(_notes(page).values()) == {
        "Sent as written, in a notice in Japanese: write it in Japanese."
    }


def test_the_note_stands_beside_a_decisions_reason_too(officer_client, officer, file_request):
    person = ProfileFactory(user__language="en").user
    request = phone_correction_in_review(file_request, person, officer)
    notes = _notes(_page(officer_client, request, "en"))
    assert "English" in notes["rr-correction-reason-written-as"]


def test_the_notice_goes_out_in_the_language_the_page_named(
    officer_client, officer, file_request, django_capture_on_commit_callbacks
):
    person = ProfileFactory(user__language="en").user
    request = in_review(file_request, person, officer)
    mail_waiting_notices()
    assert "English: " in _page(officer_client, request, "ja").replace("英語：", "English: ")
    reason = "Please send a copy of your membership card."
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            BASE.format(request.pk) + "transition/",
            {"to": Status.AWAITING_CUSTOMER, "reason": reason, "confirm": "1"},
        )
    request.refresh_from_db()
    assert request.status == Status.AWAITING_CUSTOMER
    (notice,) = [m for m in mail.outbox if person.email in m.to]
    assert reason in notice.body
    assert not re.search(r"[\u3040-\u30ff]", notice.subject), notice.subject


def test_the_reasons_of_an_extension_a_regime_change_and_an_unfounded_mark_carry_the_note(
    officer_client, officer, file_request
):
    """GDPR art. 12(3), 12(5): the reason of an extension is sent in the e-mail that tells
    of it, the reason of an unfounded mark in the fee's notice, and the reason of a new
    regime stands on the person's timeline, each as written: a reason typed in English
    for a Japanese reader showed in English on their Japanese page."""
    person = ProfileFactory(user__language="ja").user
    request = in_review(file_request, person, officer, regime=Regime.GDPR)
    notes = _notes(_page(officer_client, request, "en"))
    note = "Sent as written, in a notice in Japanese: write it in Japanese."
    for box in ("id_extend_reason", "id_regime_reason", "id_unfounded_reason"):
        assert notes.get(f"{box}-written-as") == note, box
