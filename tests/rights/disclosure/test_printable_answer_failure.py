"""The printable (paper) answer when a connected system cannot answer, read in the
language of the staff member.

The page used to say so with the error's raw English text in brackets
(``Mailing service: The answer is not JSON.``) inside a Japanese sentence. It now
names the system and its reason in the staff member's language, the words of the
build's failure on the request page; what the system said in its own words is
shown as it came. The customer reads another language than the staff member, so
the message cannot follow the customer's. The external system is the connector
test double on a loopback port.
"""

from __future__ import annotations

import pytest
from django.utils.html import escape

from tests.rights.connector_support import (
    api_system,
    double_fixture,  # noqa: F401  (the fixture "double")
    seed_double,
)
from tests.rights.disclosure_support import disclosure_in_progress

INCOMPLETE = {
    "en": "The copy would be incomplete, so it is not shown; try again later. ",
    "ja": "写しが不完全になるため、表示しません。後でもう一度お試しください。",
}


@pytest.fixture
def paper(subject, officer, double):
    """A disclosure to post, of a customer the mailing service (the double) knows."""
    seed_double(double, subject)
    api_system(double)
    return disclosure_in_progress(subject, officer, delivery_method="paper")


def _printable_refused(client, request, language: str) -> str:
    """The one message staff reading ``language`` get for the printable answer, which
    sends them back to the request's page."""
    client.cookies["django_language"] = language
    response = client.get(
        f"/admin/rights/rightsrequest/{request.pk}/disclosure/print/", follow=True
    )
    [(back, status)] = response.redirect_chain
    assert status == 302 and back.endswith(f"/admin/rights/rightsrequest/{request.pk}/change/")
    [message] = [str(m) for m in response.context["messages"]]
    assert f'<li class="error">{escape(message)}</li>' in response.content.decode()
    return message


def _customer_reads(subject, language: str) -> None:
    subject.language = language
    subject.save(update_fields=["language"])


def test_a_refusing_system_reads_in_the_staff_members_language(
    paper, subject, double, officer_client
):
    double.behaviour, double.raw_answer = "raw", b"<html>maintenance</html>"
    _customer_reads(subject, "en")
    assert _printable_refused(officer_client, paper, "ja") == (
        INCOMPLETE["ja"] + "Mailing serviceから回答を得られませんでした：応答がJSONではありません。"
    )
    _customer_reads(subject, "ja")
    assert _printable_refused(officer_client, paper, "en") == (
        INCOMPLETE["en"] + "Mailing service could not answer: The answer is not JSON."
    )


def test_a_systems_own_words_stay_as_they_came(paper, subject, double, officer_client):
    double.behaviour = "refuse"
    assert _printable_refused(officer_client, paper, "ja") == (
        INCOMPLETE["ja"]
        + "Mailing serviceから回答を得られませんでした：HTTP 422: customer number unknown format"
    )
    assert _printable_refused(officer_client, paper, "en") == (
        INCOMPLETE["en"]
        + "Mailing service could not answer: HTTP 422: customer number unknown format"
    )


def test_an_unreachable_system_reads_in_the_staff_members_language(
    paper, subject, double, officer_client
):
    double.stop()  # the port refuses connections
    japanese = _printable_refused(officer_client, paper, "ja")
    english = _printable_refused(officer_client, paper, "en")
    # The operating system's words about the connection, the same in both languages.
    unreachable_en = INCOMPLETE["en"] + "Mailing service could not answer: Unreachable: "
    assert english.startswith(unreachable_en)
    os_words = english.removeprefix(unreachable_en)
    assert "Connection refused" in os_words
    assert japanese == (
        INCOMPLETE["ja"]
        + "Mailing serviceから回答を得られませんでした：接続できません："
        + os_words
    )
