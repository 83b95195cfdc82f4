"""A withdrawal's reason longer than the field takes (4,000 characters, posted past
the browser's maxlength) is refused with the field's message and the request stays
as it was; the text is given back to shorten, never cut without a word."""

from __future__ import annotations

import pytest

from rights.choices import Status

from .fee_support import publish
from .identity_support import agents_request_with_fee, followed

pytestmark = pytest.mark.django_db

TOO_LONG = "あ" * 4001


def test_a_customer_s_reason_over_4000_characters_is_refused_and_nothing_changes(
    stepped_up_client, customer, file_request
):
    request = file_request(customer)
    response = stepped_up_client.post(f"/requests/{request.pk}/withdraw/", {"reason": TOO_LONG})
    assert response.status_code == 200
    page = response.content.decode()
    assert "4000文字以内で入力してください（入力は4001文字です）。" in page
    assert TOO_LONG in page  # given back to shorten
    assert 'aria-invalid="true"' in page
    assert "<title>エラー：" in page
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert not request.events.filter(to_status=Status.WITHDRAWN).exists()


def test_a_reason_of_4000_characters_is_kept_whole(stepped_up_client, customer, file_request):
    request = file_request(customer)
    response = stepped_up_client.post(f"/requests/{request.pk}/withdraw/", {"reason": "あ" * 4000})
    assert response.status_code == 302
    assert request.events.get(to_status=Status.WITHDRAWN).reason == "あ" * 4000


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
def test_on_the_follow_page_a_reason_over_4000_characters_is_refused_too(
    officer, django_capture_on_commit_callbacks
):
    publish()
    request = agents_request_with_fee(officer, django_capture_on_commit_callbacks)
    client, url = followed(request, django_capture_on_commit_callbacks)
    response = client.post(f"{url}withdraw/", {"reason": TOO_LONG})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write at most 4000 characters (this has 4001)." in page
    assert "<title>Error:" in page
    assert f'action="{url}withdraw/"' in page
    request.refresh_from_db()
    assert request.status == Status.AWAITING_PAYMENT
