"""The callback URL a client registers: the API and the admin refuse the same URLs,
in the caller's language in the admin, and a client may remove its URL."""

import json

import pytest
from django.core.exceptions import ValidationError

from portal.kernel.api import callbacks
from portal.kernel.api.admin import ApiClientForm
from portal.kernel.models import CallbackDelivery

pytestmark = pytest.mark.django_db


def _put(client, headers, url):
    return client.put(
        "/api/v1/callback",
        json.dumps({"url": url}),
        content_type="application/json",
        headers=headers,
    )


#: An API client as the admin's form posts it, without its callback URL.
CLIENT_FIELDS = {
    "name": "Call centre",
    "owner": "Customer service",
    "scopes": ["requests:read"],
    "is_active": "on",
    "rate_limit": "60",
}


def _admin_form(url):
    return ApiClientForm(data={**CLIENT_FIELDS, "callback_url": url})


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://[::1%25lo]/hook", "::1"),
        ("https://[fe80::1%25eth0]/hook", "fe80::1"),
        ("https://[fe80::1%eth0]/hook", "fe80::1"),
    ],
)
def test_an_ipv6_literal_with_a_zone_id_is_checked_without_it_and_refused(
    client, make_client, url, address
):
    api_client, headers = make_client(["requests:read"])
    with pytest.raises(ValidationError, match="not a public internet address"):
        callbacks.check_callback_url(url)

    response = _put(client, headers, url)

    assert response.status_code == 422, response.content
    assert response.json()["type"].endswith("/invalid-callback-url")
    assert f"host {address} is not a public internet address" in response.json()["detail"]
    api_client.refresh_from_db()
    assert (api_client.callback_url, api_client.callback_secret) == ("", "")


def test_a_zone_id_on_a_public_address_is_refused_too(client, make_client):
    _api_client, headers = make_client(["requests:read"])

    response = _put(client, headers, "https://[2606:2800:220:1::1%25eth0]/hook")

    assert response.status_code == 422, response.content
    assert "zone" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "https://[::1%25lo]/hook",
        "https://[fe80::1%25eth0]/hook",
        "https://exa_mple.invalid/hook",
        "https://hooks.example.invalid/rights",
        "https://93.184.216.34/rights",
        "https://10.0.0.5/rights",
        # A scheme is case-insensitive (RFC 3986, 3.1).
        "HTTPS://93.184.216.34/rights",
        "Https://hooks.example.invalid/rights",
        "HTTPS://10.0.0.5/rights",
    ],
)
def test_the_api_and_the_admin_accept_and_refuse_the_same_urls(client, make_client, url):
    api_client, headers = make_client(["requests:read"])

    stored_by_api = _put(client, headers, url).status_code == 200
    accepted_by_admin = "callback_url" not in _admin_form(url).errors

    assert stored_by_api == accepted_by_admin, url
    api_client.refresh_from_db()
    assert (api_client.callback_url == url) == stored_by_api


@pytest.mark.parametrize("removal", [None, ""])
def test_a_client_removes_its_callback_url_and_a_new_one_gets_a_new_secret(
    client, make_client, removal
):
    api_client, headers = make_client(["requests:read"])
    first = _put(client, headers, "https://93.184.216.34/hook").json()["signing_secret"]
    api_client.refresh_from_db()
    delivery = callbacks.event_enqueue([api_client], "request.status_changed", {"x": 1})[0]

    response = _put(client, headers, removal)

    assert response.status_code == 200, response.content
    assert response.json() == {"url": "", "signing_secret": None}
    api_client.refresh_from_db()
    assert (api_client.callback_url, api_client.callback_secret) == ("", "")
    assert client.get("/api/v1/callback", headers=headers).json()["url"] == ""
    assert not callbacks.event_enqueue([api_client], "request.status_changed", {"x": 2})
    assert callbacks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.state == CallbackDelivery.State.FAILED
    assert delivery.attempt_log.get().error == "Not sent: the client has no callback URL."
    again = _put(client, headers, "https://93.184.216.34/hook").json()["signing_secret"]
    assert again and again != first


@pytest.mark.parametrize(
    ("url", "japanese"),
    [
        ("https://10.0.0.5/x", "コールバック先のホスト 10.0.0.5 はインターネット上の公開アドレス"),
        ("ftp://hooks.example.com/x", "https:// で始まる"),
        ("https://[::1]/x", "コールバック先のホスト ::1 はインターネット上の公開アドレス"),
    ],
)
def test_the_admin_refuses_a_callback_url_in_the_staff_members_language(
    officer_client, url, japanese
):
    form = {
        **CLIENT_FIELDS,
        "callback_url": url,
        "keys-TOTAL_FORMS": "0",
        "keys-INITIAL_FORMS": "0",
    }

    response = officer_client.post("/admin/portal/apiclient/add/", form)

    assert response.status_code == 200
    assert japanese in " ".join(response.context["adminform"].form.errors["callback_url"])


def test_the_api_names_a_refused_callback_url_in_english_whatever_the_language(client, make_client):
    _api_client, headers = make_client(["requests:read"])

    response = client.put(
        "/api/v1/callback",
        json.dumps({"url": "https://10.0.0.5/x"}),
        content_type="application/json",
        headers={**headers, "Accept-Language": "ja"},
    )

    assert (
        response.json()["detail"] == "The callback host 10.0.0.5 is not a public internet address."
    )


def test_blanking_the_callback_url_in_the_admin_removes_its_secret_as_the_api_does(
    officer_client, make_client
):
    api_client, headers = make_client(["requests:read"])
    first = callbacks.callback_register(client=api_client, url="https://93.184.216.34/hook")
    form = {
        **CLIENT_FIELDS,
        "name": api_client.name,
        "owner": api_client.owner,
        "keys-TOTAL_FORMS": "1",
        "keys-INITIAL_FORMS": "1",
        "keys-0-id": str(api_client.keys.get().pk),
        "keys-0-client": str(api_client.pk),
        "keys-0-label": "test",
    }
    change = f"/admin/portal/apiclient/{api_client.pk}/change/"

    response = officer_client.post(change, {**form, "callback_url": ""})

    assert response.status_code == 302, response.context and response.context["adminform"].errors
    api_client.refresh_from_db()
    assert (api_client.callback_url, api_client.callback_secret) == ("", "")
    # The next URL is signed with a new secret, shown once to the officer.
    response = officer_client.post(
        change, {**form, "callback_url": "https://93.184.216.34/hook"}, follow=True
    )
    api_client.refresh_from_db()
    assert api_client.callback_secret and api_client.callback_secret != first
    assert api_client.callback_secret in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@93.184.216.34/hook",
        "https://user@93.184.216.34/hook",
        "https://:secret@93.184.216.34/hook",
    ],
)
def test_a_url_with_a_user_name_or_password_is_refused_by_the_api_and_the_admin(
    client, make_client, url
):
    """Such a URL could never be POSTed to (the connection reads ``user:secret@host``
    as the host), and every failed attempt would write the password into its error."""
    api_client, headers = make_client(["requests:read"])

    response = _put(client, headers, url)

    assert response.status_code == 422, response.content
    assert response.json()["type"].endswith("/invalid-callback-url")
    assert "secret" not in response.json()["detail"]
    api_client.refresh_from_db()
    assert (api_client.callback_url, api_client.callback_secret) == ("", "")
    assert "callback_url" in _admin_form(url).errors


@pytest.mark.parametrize(
    "url", ["https://93.184.216.34:0/hook", "https://hooks.example.invalid:0/hook"]
)
def test_port_zero_is_refused_by_the_api_and_the_admin(client, make_client, url):
    """No connection can be made to port 0: the URL would be stored and never reached."""
    api_client, headers = make_client(["requests:read"])

    response = _put(client, headers, url)

    assert response.status_code == 422, response.content
    assert response.json()["type"].endswith("/invalid-callback-url")
    api_client.refresh_from_db()
    assert api_client.callback_url == ""
    assert "callback_url" in _admin_form(url).errors
