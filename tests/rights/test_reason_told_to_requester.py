"""What staff write into a notice is told to whoever filed the request: the person,
or on a request filed for them the agent, parent or guardian (``notifications.
recipients_of``; the confirmation page names them). The working page called them all
"the person", which on a parent's request reads as the child."""

from __future__ import annotations

import html

import pytest
from django.utils import translation

from rights.admin_working_page import StaffMessageForm, TransitionForm
from rights.fee_admin import UnfoundedForm
from rights.review_admin import _REASON

from .identity_support import parents_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

WORDS = {
    "en": {
        "said": ("Reason told to the requester", "Message to the requester"),
        "not said": ("told to the person", "Message to the person", "Sent to the person"),
    },
    "ja": {
        "said": ("請求者に伝える理由", "請求者へのメッセージ"),
        "not said": (
            "本人に伝える",
            "ご本人にお伝えする",
            "本人へのメッセージ",
            "ご本人に送られます",
        ),
    },
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_working_page_of_a_parents_request_says_the_requester_is_told(officer_client, language):
    request = parents_request(language="ja")
    officer_client.cookies["django_language"] = language
    response = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for text in WORDS[language]["said"]:
        assert text in page
    assert [text for text in WORDS[language]["not said"] if text in page] == []


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_reason_box_names_the_requester(language):
    with translation.override(language):
        labels = [
            str(TransitionForm().fields["reason"].label),
            str(UnfoundedForm().fields["reason"].label),
            str(_REASON),
            str(StaffMessageForm().fields["body"].label),
        ]
    assert [label for label in labels if any(t in label for t in WORDS[language]["said"])] == labels
