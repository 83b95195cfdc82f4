"""A control character pasted into a request form (a form feed from a PDF) is refused on
the field, with what was typed kept, instead of a 400 page that loses it all. Bad input
gets a clear message and changes nothing (DESIGN: security baseline); the procedure
must not burden the person excessively (APPI art. 37). Everywhere else the bad-text
middleware still refuses such text before any view."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.models import EmailConfirmation

from .identity_support import AGENT, agent_form, confirm_email, pdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

MESSAGE = {
    "en": "This text held control characters, which cannot be saved",
    "ja": "保存できない制御文字",
}


def _page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("pasted", ["\x0c", "\x1b", "\x7f", "\x85"])
def test_the_public_form_says_so_on_the_field_and_keeps_what_was_typed(
    language, pasted, django_capture_on_commit_callbacks
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, AGENT, django_capture_on_commit_callbacks, language=language)
    details = f"Page one of my letter.{pasted}Page two: all data, please."
    response = client.post(
        "/requests/start/request/",
        agent_form(details=details, requester_name="弁護士 佐藤 一郎 [kept]"),
    )

    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE[language] in page, page[-2000:]
    # What was typed comes back, the character that cannot be saved taken out.
    assert "弁護士 佐藤 一郎 [kept]" in page
    assert "Page one of my letter." in page and "Page two: all data, please." in page
    assert pasted not in page
    assert not RightsRequest.objects.exists()
    assert EmailConfirmation.objects.get().used_at is None

    # Sent again as it came back (with the documents chosen again), it is filed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/requests/start/request/",
            agent_form(details=details.replace(pasted, "\n")),
        )
    assert response.status_code == 302, _page(response)[-2000:]
    assert RightsRequest.objects.get().details.startswith("Page one")


def test_the_public_start_says_so_on_the_field(django_capture_on_commit_callbacks):
    """The address a code is mailed to, on the first page of the public form."""
    from django.core import mail

    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/requests/start/", {"email": f"agent\x0c@{AGENT.split('@')[1]}"})
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["ja"] in page
    assert f'value="{AGENT}"' in page and "\x0c" not in page
    assert not EmailConfirmation.objects.exists()
    assert not mail.outbox


def test_tab_and_line_breaks_are_ordinary_text(django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, AGENT, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/requests/start/request/", agent_form(details="Line one\r\n\tLine two")
        )
    assert response.status_code == 302
    assert RightsRequest.objects.get().details == "Line one\r\n\tLine two"


def test_nul_and_unreadable_bytes_still_get_the_bad_text_page(django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, AGENT, django_capture_on_commit_callbacks)
    for bad in ("a\x00b", "a\ufffdb"):
        response = client.post("/requests/start/request/", agent_form(details=bad))
        assert response.status_code == 400
    # In a field's name, or in the query, whatever the character.
    response = client.post("/requests/start/request/", {**agent_form(), "deta\x0cils": "x"})
    assert response.status_code == 400
    response = client.post("/requests/start/request/?x=%0C", agent_form())
    assert response.status_code == 400
    assert not RightsRequest.objects.exists()


def test_the_customers_request_form_says_so_on_the_field(stepped_up_client, customer):
    customer.language = "ja"
    customer.save(update_fields=["language"])
    response = stepped_up_client.post(
        "/requests/new/disclosure/",
        {"delivery_method": "electronic", "details": "請求書の写し\x0c二枚目"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["ja"] in page
    assert "請求書の写し" in page and "二枚目" in page and "\x0c" not in page
    assert not RightsRequest.objects.exists()


def test_other_pages_still_refuse_control_characters_before_any_view(client, customer):
    """The login form stores nothing typed and does not check itself: the middleware
    answers."""
    response = client.post("/accounts/login/", {"username": customer.email, "password": "a\x0cb"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_withdrawal_still_refuses_nul_before_any_view(stepped_up_client, customer):
    from rights.services import request_submit

    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    for bad in ("a\x00b", "a\ufffdb"):
        response = stepped_up_client.post(f"/requests/{request.pk}/withdraw/", {"reason": bad})
        assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == "submitted"


def test_the_documents_need_choosing_again_but_nothing_else(django_capture_on_commit_callbacks):
    """The page that comes back names the documents to choose again, as after any
    refused field: the browser cannot keep them."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    confirm_email(client, AGENT, django_capture_on_commit_callbacks)
    response = client.post(
        "/requests/start/request/",
        agent_form(details="x\x0cy", requester_document=pdf("bar-card.pdf")),
    )
    assert response.status_code == 200
    assert "bar-card.pdf" in _page(response)
