"""The requester's phone number on the public form: the office calls it when a document
is unclear (APPI art. 37: identity confirmation), so it is checked like the person's."""

from __future__ import annotations

import pytest
from django.test import Client

from rights.models import RightsRequest

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "asker@example.com"
FORM = "/requests/start/request/"


def test_the_requesters_phone_is_checked_like_the_persons(django_capture_on_commit_callbacks):
    """The office calls this number when a document is unclear: text that is no phone
    number is refused, as for the person's own number."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks)

    response = client.post(FORM, agent_form(requester_phone="call me <b>maybe</b>"))

    assert RightsRequest.objects.count() == 0
    assert response.status_code == 200
    assert response.context["form"].errors["requester_phone"] == [
        "Enter a phone number in digits, e.g. 03-1234-5678 or +81 3-1234-5678."
    ]


def test_a_full_width_requesters_phone_is_taken(django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks, language="ja")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, agent_form(requester_phone="０３－１１１１－２２２２"))

    assert response.status_code == 302, response.context["form"].errors
