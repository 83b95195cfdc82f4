"""A control character pasted into a form on a filed request (a message to the privacy
office, a withdrawal's reason), on the customer's request page or on the follow page of
a request filed without an account, is refused on the field with what was typed given
back without it, instead of a 400 page that loses the text. Bad input gets a clear
message and changes nothing (DESIGN: security baseline); the procedure must not burden
the person excessively (APPI art. 37)."""

from __future__ import annotations

import html

import pytest

from rights.choices import Status
from rights.models import RequestMessage
from tests.stepup_support import check_runs_out, step_up_again

from .fee_support import publish
from .identity_support import agents_request_with_fee, followed

pytestmark = pytest.mark.django_db

MESSAGE = {
    "en": "This text held control characters, which cannot be saved",
    "ja": "保存できない制御文字",
}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _in_japanese(customer):
    customer.language = "ja"
    customer.save(update_fields=["language"])


@pytest.mark.parametrize("pasted", ["\x0c", "\x1b"])
def test_a_message_on_the_request_page_says_so_on_the_field(
    stepped_up_client, customer, file_request, pasted
):
    _in_japanese(customer)
    request = file_request(customer)
    response = stepped_up_client.post(
        f"/requests/{request.pk}/",
        {"body": f"一枚目の内容です。{pasted}二枚目の内容です。"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["ja"] in page
    assert 'aria-invalid="true"' in page
    assert "一枚目の内容です。" in page and "二枚目の内容です。" in page
    assert pasted not in page
    assert not RequestMessage.objects.exists()


def test_a_withdrawal_reason_says_so_on_the_field(stepped_up_client, customer, file_request):
    _in_japanese(customer)
    request = file_request(customer)
    response = stepped_up_client.post(
        f"/requests/{request.pk}/withdraw/",
        {"reason": "別の窓口で\x0c解決しました。"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["ja"] in page
    assert "別の窓口で" in page and "解決しました。" in page and "\x0c" not in page
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert not request.events.filter(to_status=Status.WITHDRAWN).exists()


def test_a_message_to_a_closed_request_is_given_back_without_the_character(
    stepped_up_client, customer, file_request
):
    """The thread closed while the customer wrote: the text comes back to copy, and the
    character that cannot be saved anywhere is not in it."""
    from rights.workflow import transition

    request = file_request(customer)
    transition(request, to=Status.WITHDRAWN, actor=customer)
    response = stepped_up_client.post(f"/requests/{request.pk}/", {"body": "Line one\x0cLine two"})
    assert response.status_code == 200
    page = _page(response)
    assert "Line one" in page and "Line two" in page and "\x0c" not in page
    assert not RequestMessage.objects.exists()


@pytest.fixture
def agents_follow(officer, django_capture_on_commit_callbacks):
    """(the agent's request waiting for its fee, a client confirmed on its follow page,
    the page's address)."""
    publish()
    request = agents_request_with_fee(officer, django_capture_on_commit_callbacks)
    client, url = followed(request, django_capture_on_commit_callbacks)
    return request, client, url


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
def test_a_message_on_the_follow_page_says_so_on_the_field(agents_follow):
    request, client, url = agents_follow
    response = client.post(url, {"body": "Page one.\x1bPage two."})
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["en"] in page
    assert "Page one." in page and "Page two." in page and "\x1b" not in page
    assert not request.messages.exists()


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
def test_a_withdrawal_reason_on_the_follow_page_says_so_on_the_field(agents_follow):
    request, client, url = agents_follow
    response = client.post(f"{url}withdraw/", {"reason": "Settled.\x0cThank you."})
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["en"] in page
    assert "Settled." in page and "Thank you." in page and "\x0c" not in page
    assert f'action="{url}withdraw/"' in page
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT
    assert not request.events.filter(to_status=Status.WITHDRAWN).exists()


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
def test_the_follow_page_s_code_step_says_so_on_the_field(
    officer, django_capture_on_commit_callbacks
):
    """The follow page's code step is the same address: its code field checks too."""
    from django.test import Client

    from .identity_support import AGENT, link_in, notice_to

    publish()
    request = agents_request_with_fee(officer, django_capture_on_commit_callbacks)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = link_in(notice_to(AGENT, request.reference))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"send": "1"})
    response = client.post(url, {"code": "123\x0c456"})
    assert response.status_code == 200
    page = _page(response)
    assert MESSAGE["en"] in page and "\x0c" not in page
    assert client.get(url).content.decode().count('name="code"') == 1  # still the code step


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
def test_nul_is_still_refused_on_the_follow_page_before_any_view(agents_follow):
    request, client, url = agents_follow
    assert client.post(url, {"body": "a\x00b"}).status_code == 400
    assert client.post(f"{url}withdraw/", {"reason": "a\ufffdb"}).status_code == 400
    assert not request.messages.exists()
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT


def test_a_message_kept_across_the_code_check_says_so_after_it(
    stepped_up_client, customer, file_request, django_capture_on_commit_callbacks
):
    """Sent after the code check ran out, the message is kept for after the check as
    typed, and the page then says so on the field, as it would have at once."""
    request = file_request(customer)
    url = f"/requests/{request.pk}/"
    stepped_up_client.cookies["django_language"] = "en"
    check_runs_out(stepped_up_client)
    response = stepped_up_client.post(url, {"body": "Kept page one.\x0cKept page two."})
    assert response.status_code == 302 and response.url.startswith("/accounts/code/")
    step_up_again(stepped_up_client, django_capture_on_commit_callbacks, url)
    page = _page(stepped_up_client.get(url))
    assert MESSAGE["en"] in page
    assert "Kept page one.\nKept page two." in page and "\x0c" not in page
    assert not RequestMessage.objects.exists()
