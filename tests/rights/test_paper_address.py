"""A paper answer asked on the public form has an address to be posted to (APPI art. 33(2))."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test import Client

from portal.kernel.encryption import looks_like_token
from rights.choices import Status
from rights.models import RightsRequest
from rights.services import request_submit
from tests.intake_support import file_through_review

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "asker@example.com"
ADDRESS = "東京都千代田区千代田1-1 皇居前ビル302"


def _send(capture, language="en", **overrides):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, EMAIL, capture, language=language)
    with capture(execute=True):
        return client.post(
            "/requests/start/request/", agent_form(**{"delivery_method": "paper", **overrides})
        )


@pytest.mark.parametrize(
    "postal, errors",
    [
        ({}, {"postal_code", "postal_address"}),
        ({"postal_code": "100-0001"}, {"postal_address"}),
        ({"postal_code": "郵便", "postal_address": ADDRESS}, {"postal_code"}),
    ],
)
def test_appi_art_33_2_paper_by_post_needs_a_valid_postal_address(
    postal, errors, django_capture_on_commit_callbacks
):
    response = _send(django_capture_on_commit_callbacks, **postal)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == errors
    assert not RightsRequest.objects.exists()


def test_an_electronic_answer_keeps_no_postal_address(django_capture_on_commit_callbacks):
    response = _send(
        django_capture_on_commit_callbacks,
        delivery_method="electronic",
        postal_code="100-0001",
        postal_address=ADDRESS,
    )
    assert response.status_code == 302, response.content
    identity = RightsRequest.objects.get().identity
    assert (identity.postal_code, identity.postal_address) == ("", "")


def test_appi_art_33_2_the_postal_address_is_stored_encrypted_and_shown_where_staff_post(
    officer_client, django_capture_on_commit_callbacks
):
    response = _send(
        django_capture_on_commit_callbacks,
        language="ja",
        postal_code="〒１００-０００１",
        postal_address=ADDRESS,
    )
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    assert request.delivery_method == "paper"
    identity = request.identity
    assert identity.postal_code == "１００-０００１"
    assert identity.postal_address == ADDRESS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT postal_code, postal_address FROM rights_requestidentity WHERE request_id = %s",
            [request.pk],
        )
        code, address = cursor.fetchone()
    assert looks_like_token(code) and looks_like_token(address)
    assert "千代田" not in address

    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    section = text[text.index('id="rr-post-to"') :]
    section = section[: section.index("</div>")]
    assert ADDRESS in section and "１００-０００１" in section
    assert "弁護士 佐藤 一郎" in section  # the requester, to whom the answer goes


@pytest.mark.parametrize("kind", ["disclosure", "purpose_notice"])
def test_appi_art_33_2_a_customer_without_an_address_cannot_ask_for_paper(
    stepped_up_client, customer, kind
):
    """A paper answer goes to the address in the account settings: without one, the
    request was filed and nobody could post the answer."""
    assert not customer.profile.address
    response = stepped_up_client.post(
        f"/requests/new/{kind}/", {"delivery_method": "paper", "step": "review"}
    )
    assert response.status_code == 200
    assert "delivery_method" in response.context["form"].errors
    assert "ご住所がまだ登録されていません" in html.unescape(response.content.decode())
    assert not RightsRequest.objects.exists()


def test_appi_art_33_2_a_customer_with_an_address_may_ask_for_paper(stepped_up_client, customer):
    customer.profile.postal_code, customer.profile.address = "150-0002", ADDRESS
    customer.profile.save()
    response = file_through_review(
        stepped_up_client, "/requests/new/disclosure/", {"delivery_method": "paper"}
    )
    assert response.status_code == 302
    assert RightsRequest.objects.get().delivery_method == "paper"


def _post_to(response) -> str:
    """The "where we post the answer" part of a customer page, as read."""
    text = html.unescape(response.content.decode())
    if 'id="post-to"' not in text:
        return ""
    section = text[text.index('id="post-to"') :]
    return section[: section.index("</dd>")]


def _with_address(customer):
    customer.profile.postal_code, customer.profile.address = "150-0002", ADDRESS
    customer.profile.save()


@pytest.mark.parametrize(
    "language, said, change",
    [
        ("en", "We will post the answer to:", "change the address in your"),
        ("ja", "回答は次のご住所へ郵送します：", "アカウント設定</a>でご住所を変更"),
    ],
)
@pytest.mark.parametrize("kind", ["disclosure", "purpose_notice"])
def test_the_review_page_shows_where_a_paper_answer_is_posted_and_how_to_change_it(
    stepped_up_client, customer, kind, language, said, change
):
    _with_address(customer)
    stepped_up_client.cookies["django_language"] = language
    response = stepped_up_client.post(
        f"/requests/new/{kind}/", {"delivery_method": "paper", "step": "review"}
    )
    assert response.status_code == 200
    section = _post_to(response)
    assert said in section
    assert "〒150-0002" in section and ADDRESS in section
    assert change in section and 'href="/account/"' in section
    assert not RightsRequest.objects.exists()


def test_the_review_page_of_an_electronic_answer_shows_no_postal_address(
    stepped_up_client, customer
):
    _with_address(customer)
    response = stepped_up_client.post(
        "/requests/new/disclosure/", {"delivery_method": "electronic", "step": "review"}
    )
    assert response.status_code == 200
    assert _post_to(response) == ""
    assert ADDRESS not in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "language, said",
    [("en", "We will post the answer to:"), ("ja", "回答は次のご住所へ郵送します：")],
)
def test_the_request_page_shows_where_the_paper_answer_will_be_posted(
    stepped_up_client, customer, language, said
):
    _with_address(customer)
    file_through_review(
        stepped_up_client, "/requests/new/disclosure/", {"delivery_method": "paper"}
    )
    request = RightsRequest.objects.get()
    stepped_up_client.cookies["django_language"] = language
    section = _post_to(stepped_up_client.get(f"/requests/{request.pk}/"))
    assert said in section
    assert "〒150-0002" in section and ADDRESS in section
    # Filed: the page offers no change of what the request says.
    assert 'href="/account/"' not in section

    RightsRequest.objects.filter(pk=request.pk).update(status=Status.COMPLETED)
    page = stepped_up_client.get(f"/requests/{request.pk}/")
    assert _post_to(page) == ""
    assert ADDRESS not in html.unescape(page.content.decode())


@pytest.mark.parametrize(
    "language, said",
    [("en", "No postal address is registered"), ("ja", "ご住所が登録されていないため")],
)
def test_the_request_page_says_when_no_address_is_left_to_post_the_answer_to(
    stepped_up_client, customer, language, said
):
    _with_address(customer)
    file_through_review(
        stepped_up_client, "/requests/new/disclosure/", {"delivery_method": "paper"}
    )
    customer.profile.postal_code = customer.profile.address = ""
    customer.profile.save()
    stepped_up_client.cookies["django_language"] = language
    section = _post_to(stepped_up_client.get(f"/requests/{RightsRequest.objects.get().pk}/"))
    assert said in section and 'href="/account/"' in section


def test_the_person_another_account_acted_for_does_not_see_its_postal_address(
    stepped_up_client, customer, other_customer
):
    """The address is whoever filed the request's: the person it is about sees how
    it stands, never where the other account has the answer posted."""
    _with_address(other_customer)
    request = request_submit(
        subject=customer, requester=other_customer, kind="disclosure", delivery_method="paper"
    )
    page = stepped_up_client.get(f"/requests/{request.pk}/")
    assert page.status_code == 200
    assert _post_to(page) == ""
    assert ADDRESS not in html.unescape(page.content.decode())
