"""The public form sent twice at once (a double click whose two posts cross, two tabs of
one browser): the first files the request; the second, arriving before the first's
session is saved, must say that the request went in and name it, not that the address
confirmation ran out, or the person confirms again and files the same request twice
(APPI art. 37 and CCPA §7060(c)(3): the procedure must not burden the person
excessively)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.filing import public_request_file
from rights.requesters.forms import PublicRequestForm
from rights.requesters.start_views import SESSION_KEY

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "asker@example.com"
FORM = "/requests/start/request/"


def _file_in_the_other_post(confirmation_id: int) -> RightsRequest:
    """What the first of the two posts did: file with the same confirmation."""
    form = PublicRequestForm(
        {k: v for k, v in agent_form().items() if not k.endswith("_document")},
        {k: v for k, v in agent_form().items() if k.endswith("_document")},
        language="en",
    )
    assert form.is_valid(), form.errors
    categories, scope = form.scope()
    return public_request_file(
        confirmation_id=confirmation_id,
        kind=form.cleaned_data["kind"],
        requester=form.requester(language="en"),
        person=form.person(),
        uploads=form.uploads(),
        details=form.cleaned_data["details"],
        delivery_method=form.cleaned_data["delivery_method"],
        categories=categories,
        scope=scope,
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_second_of_two_posts_at_once_names_the_request_filed(
    django_capture_on_commit_callbacks, language
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, EMAIL, django_capture_on_commit_callbacks, language=language)
    first = _file_in_the_other_post(client.session[SESSION_KEY]["confirmation"])

    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(FORM, agent_form(), HTTP_ACCEPT_LANGUAGE=language)

    assert RightsRequest.objects.count() == 1
    assert second.status_code == 302 and second.url == "/requests/start/done/"
    (message,) = [str(m) for m in get_messages(second.wsgi_request)]
    assert first.reference in message
    done = client.get(second.url, HTTP_ACCEPT_LANGUAGE=language)
    assert done.status_code == 200
    assert first.reference in done.content.decode()
