"""Configuring an external system in the admin: input that would make a system fail
every call, or never be asked, is refused with a message and saves nothing."""

from __future__ import annotations

import pytest

from rights.connectors.models import ExternalSystem

from .connector_support import SYSTEM_FORM

pytestmark = pytest.mark.django_db

FORM = SYSTEM_FORM


def _add(client, **changes):
    data = {k: v for k, v in {**FORM, **changes}.items() if v is not None}
    return client.post("/admin/rights/externalsystem/add/", data)


@pytest.mark.parametrize(
    "changes, message",
    [
        # The contract is HTTP: ftp:// passed as a URL and every call then failed.
        ({"base_url": "ftp://billing.example/x"}, "http:// または https://"),
        # 0 s made every call fail at once ("Operation now in progress").
        ({"timeout_seconds": "0"}, "1 以上"),
        ({"timeout_seconds": "99999"}, "120 以下"),
        # A system holding no category is never chosen for an erasure or a disclosure.
        ({"categories": None}, "データの種類にチェックを入れて"),
        # Its address field would never be erased there: contact is not ticked.
        ({"categories": ["transactions"]}, "email：データの種類「連絡先」"),
    ],
)
def test_a_system_that_would_fail_or_never_be_asked_is_refused(officer_client, changes, message):
    response = _add(officer_client, **changes)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page, page[page.find("errornote") :][:3000]
    assert not ExternalSystem.objects.exists()


def test_a_malformed_address_is_refused_with_one_message(officer_client):
    page = _add(officer_client, base_url="not a url").content.decode()
    assert page.count("http:// または https:// で始まるアドレスを入力してください。") == 1


def test_a_good_system_is_saved(officer_client):
    response = _add(officer_client, timeout_seconds="120")
    assert response.status_code == 302
    assert ExternalSystem.objects.get().timeout_seconds == 120


def test_a_recipient_s_staff_task_needs_no_categories_to_be_told(officer_client):
    from consent.models import Recipient

    recipient = Recipient.objects.create(
        name_ja="配送", name_en="Delivery", kind=Recipient.Kind.SUBCONTRACTOR, country="JP"
    )
    response = _add(
        officer_client,
        mode="manual",
        base_url="",
        new_secret="",
        categories=None,
        fields_text="",
        operations=["erase", "restrict"],
        recipient=recipient.pk,
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_staff_who_only_read_see_the_system_in_words(client, officer_client, auditor):
    """No form-only field names ("New secret", "Fields text") nor stored codes on the page
    of a member of staff who cannot change the system."""
    from tests.conftest import admin_login

    assert _add(officer_client).status_code == 302
    system = ExternalSystem.objects.get()
    client.logout()
    admin_login(client, auditor)
    page = client.get(f"/admin/rights/externalsystem/{system.pk}/change/").content.decode()
    for english in ("New secret", "Fields text", '["contact", "transactions"]', '"access"'):
        assert english not in page, english
    assert "top-secret-value" not in page
    assert "email contact E-mail" in page
    assert "連絡先" in page and "開示" in page
