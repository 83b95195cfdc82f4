"""What staff are told about who hears of their decisions names the requester
(APPI art. 37; GDPR art. 12(1)): on an agent's request the agent is told and the
person gets a copy. These messages, help texts and confirmations said "the person",
which reads as the data subject only; the Japanese said 本人."""

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.contrib.messages import get_messages
from django.utils import translation

from rights.models import RightsRequest

SAYS_THE_PERSON_IS_TOLD = re.compile(
    r"person (is|will be) told|confirmed to the person|person is told", re.IGNORECASE
)
CATALOGS = ["rights", "portal"]


def _entries(app: str):
    path = Path(settings.BASE_DIR) / app / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        for message in read_po(handle):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id:
                yield ids, strings


@pytest.mark.parametrize("app", CATALOGS)
def test_no_staff_text_says_the_person_is_told(app):
    said = [ids[0] for ids, _ in _entries(app) if SAYS_THE_PERSON_IS_TOLD.search(" ".join(ids))]
    assert said == []


@pytest.mark.parametrize("app", CATALOGS)
def test_the_texts_that_tell_the_requester_say_so_in_japanese(app):
    told = [
        (ids[0], strings)
        for ids, strings in _entries(app)
        if re.search(r"requester (is|will be) told|confirmed to the requester", " ".join(ids))
    ]
    assert told
    assert [t for t in told if not all("請求者" in s for s in t[1])] == []


def test_the_acknowledgement_help_text_names_the_requester():
    """CCPA §7021: receipt is confirmed to whoever made the request."""
    field = RightsRequest._meta.get_field("acknowledged_at")
    with translation.override("en"):
        assert str(field.help_text) == "When receipt was confirmed to the requester."
    with translation.override("ja"):
        assert "請求者" in str(field.help_text) and "本人" not in str(field.help_text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "The deadline is extended; the requester is told."),
        ("ja", "期限を延長しました。請求者に通知されます。"),
    ],
)
def test_an_extension_says_the_requester_is_told(
    officer_client, customer, file_request, language, said
):
    """GDPR art. 12(3): the requester is told of the extension and why."""
    request = file_request(customer, regime="ccpa")
    fine = (request.received_at + dt.timedelta(days=80)).date().isoformat()
    officer_client.cookies["django_language"] = language
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/extend/",
        {"new_deadline": fine, "reason": "Records across five services"},
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [said]
