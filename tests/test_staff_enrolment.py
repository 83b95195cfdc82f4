"""A staff member's authenticator from a link a privacy officer issues in the admin.

An officer who added a member of staff in the admin could not give them an
authenticator: *Authenticator apps › Add* shows the key in hexadecimal, to the
officer, and the admin login then refused the new account ("This account has no
authenticator yet") until someone ran ``create_staff`` on the server. A lost
phone needed the same server command.
"""

import base64
import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.models import AuditEvent
from portal.kernel.roles import SERVICE_HANDLER
from portal.kernel.staff import staff_create
from tests.conftest import admin_login, staff_logged_in, totp_code
from tests.enrolment_support import issue, link_of, new_handler
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_an_officer_issues_a_link_and_the_new_member_sets_up_their_authenticator(
    officer_client, officer
):
    handler = new_handler()
    page = officer_client.get(reverse("admin:portal_user_change", args=[handler.pk]))
    assert reverse("admin:portal_user_enrolment", args=[handler.pk]) in page.content.decode()
    link = link_of(issue(officer_client, handler))

    member = _english()
    asked = member.get(link)
    assert asked.status_code == 200
    assert "Your password" in asked.content.decode()
    assert "secret" not in asked.context
    wrong = member.post(link, {"password": "not-the-password"})
    assert "secret" not in wrong.context
    assert member.post(link, {"password": PASSWORD}).status_code == 302
    shown = member.get(link)
    device = TOTPDevice.objects.get(user=handler)
    assert not device.confirmed
    secret = shown.context["secret"]
    assert secret[:4] in shown.content.decode()
    assert device.bin_key == base64.b32decode(secret + "=" * (-len(secret) % 8))
    assert member.post(link, {"token": totp_code(device, wrong=True)}).status_code == 200
    # django-otp refuses any code for a moment after a wrong one.
    with time_machine.travel(dt.timedelta(seconds=2)):
        done = member.post(link, {"token": totp_code(device)})
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:login")
    device.refresh_from_db()
    assert device.confirmed

    # The link is spent; the password and the app's code open the admin.
    assert "This link does not work" in member.get(link).content.decode()
    with time_machine.travel(dt.timedelta(seconds=62)):
        admin_login(Client(), handler)
    issued = AuditEvent.objects.get(action="staff.enrolment_issued")
    assert (issued.actor_id, issued.target, issued.details) == (
        officer.pk,
        f"portal.user:{handler.pk}",
        {"replaced": False},
    )
    assert AuditEvent.objects.filter(
        action="staff.enrolment_completed", actor_id=handler.pk
    ).exists()


def test_a_lost_authenticator_stops_working_when_the_officer_issues_a_new_link(
    officer_client,
):
    handler, lost, _ = staff_create(email="sh@example.com", role=SERVICE_HANDLER, password=PASSWORD)
    issue(officer_client, handler)
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    refused = Client().post(
        "/admin/login/",
        {"username": handler.email, "password": PASSWORD, "otp_token": totp_code(lost)},
    )
    assert refused.status_code == 200
    assert AuditEvent.objects.get(action="staff.enrolment_issued").details == {"replaced": True}


def test_a_newer_link_or_a_day_later_the_link_does_not_work(officer_client):
    handler = new_handler()
    first = link_of(issue(officer_client, handler))
    assert "Your password" in _english().get(first).content.decode()
    second = link_of(issue(officer_client, handler))
    assert "This link does not work" in _english().get(first).content.decode()
    assert "Your password" in _english().get(second).content.decode()
    with time_machine.travel(dt.timedelta(days=1, minutes=1)):
        assert "This link does not work" in _english().get(second).content.decode()


def test_only_a_privacy_officer_issues_links(client):
    handler_client, _handler = staff_logged_in(client, SERVICE_HANDLER)
    other = new_handler()
    url = reverse("admin:portal_user_enrolment", args=[other.pk])
    assert handler_client.post(url, {"confirm": "1"}).status_code == 403
    assert not TOTPDevice.objects.filter(user=other).exists()


def test_the_link_page_is_in_japanese(officer_client):
    link = link_of(issue(officer_client, new_handler()))
    page = Client().get(link, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "パスワード" in page
    assert "Your password" not in page
