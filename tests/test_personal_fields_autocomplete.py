"""Fields asking for the customer's own personal data say what they ask for in an
``autocomplete`` token (WCAG 2.1 SC 1.3.5): the browser offers the saved name,
address or number, and assistive tools can show the purpose."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.rights.identity_support import confirm_email

pytestmark = pytest.mark.django_db


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.autocomplete: dict[str, str | None] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            self.autocomplete[attrs["name"]] = attrs.get("autocomplete")


def autocomplete_of(response) -> dict[str, str | None]:
    assert response.status_code == 200, response.status_code
    parser = _Controls()
    parser.feed(response.content.decode())
    return parser.autocomplete


def test_the_account_page_names_the_purpose_of_each_personal_field(stepped_up_client):
    tokens = autocomplete_of(stepped_up_client.get("/account/"))

    assert tokens["full_name"] == "name"
    assert tokens["postal_code"] == "postal-code"
    assert tokens["address"] == "street-address"
    assert tokens["phone"] == "tel"
    assert tokens["date_of_birth"] == "bday"
    assert tokens["gender"] == "sex"


@pytest.mark.usefixtures("fresh_rate_limits")
def test_the_public_form_names_the_purpose_of_the_requesters_own_fields(
    client, django_capture_on_commit_callbacks
):
    confirm_email(client, "someone@example.com", django_capture_on_commit_callbacks)

    tokens = autocomplete_of(client.get("/requests/start/request/"))

    assert tokens["requester_name"] == "name"
    assert tokens["requester_phone"] == "tel"
    assert tokens["postal_code"] == "postal-code"
    assert tokens["postal_address"] == "street-address"
