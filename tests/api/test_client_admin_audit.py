"""Granting or changing a system's access to the API leaves a trace in the audit trail."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.kernel.api.auth import api_key_create
from portal.kernel.models import ApiClient, AuditEvent, Service

pytestmark = pytest.mark.django_db


def _form(**overrides):
    return {
        "name": "Call centre",
        "owner": "Customer service",
        "scopes": ["requests:read"],
        "services": [],
        "is_active": "on",
        "rate_limit": "60",
        "callback_url": "",
        "keys-TOTAL_FORMS": "0",
        "keys-INITIAL_FORMS": "0",
        **overrides,
    }


def test_creating_and_changing_an_api_client_is_audited(officer_client, officer):
    mobile = Service.objects.create(code="mobile", name="Mobile", responsible=officer)
    response = officer_client.post("/admin/portal/apiclient/add/", _form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    client = ApiClient.objects.get()
    created = AuditEvent.objects.get(action="api.client_created")
    assert created.actor == officer and created.target == f"portal.apiclient:{client.pk}"

    officer_client.post(
        f"/admin/portal/apiclient/{client.pk}/change/",
        _form(services=[mobile.pk], **{"keys-INITIAL_FORMS": "0"}),
    )
    changed = AuditEvent.objects.get(action="api.client_changed")
    assert changed.details["services"] == ["mobile"]
    assert "services" in changed.details["changed"]


def test_changing_a_keys_expiry_is_audited(officer_client, officer):
    client = ApiClient.objects.create(name="CRM", owner="Sales")
    key, _secret = api_key_create(client=client, label="admin", actor=officer)
    later = timezone.localtime() + dt.timedelta(days=3650)
    officer_client.post(
        f"/admin/portal/apikey/{key.pk}/change/",
        {"label": "admin", "expires_at_0": later.date().isoformat(), "expires_at_1": "12:00:00"},
    )
    event = AuditEvent.objects.get(action="api.key_changed")
    assert event.actor == officer and "expires_at" in event.details["changed"]


def test_the_scopes_are_labelled_like_the_other_fields(officer_client):
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get("/admin/portal/apiclient/add/").content.decode()
    assert ">Scopes:</" in page and ">scopes:</" not in page


def test_a_rate_limit_of_zero_calls_is_refused(officer_client):
    """0 calls a minute answered every call 429: a client shut out, not a limit. A
    client is turned off with "active"."""
    response = officer_client.post("/admin/portal/apiclient/add/", _form(rate_limit="0"))
    assert response.status_code == 200
    assert "rate_limit" in response.context["adminform"].form.errors
    assert not ApiClient.objects.exists()
