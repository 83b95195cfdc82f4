"""Staff accounts beyond the first officer: ``manage.py create_staff``."""

import base64
import datetime as dt
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from portal.kernel.models import AuditEvent, User
from portal.kernel.roles import AUDITOR, SERVICE_HANDLER, staff_role
from rights.models import RightsRequest
from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _printed(out: str, label: str) -> str:
    return re.search(rf"^{label}: (\S+)$", out, re.MULTILINE).group(1)


def _filed(service) -> RightsRequest:
    customer = UserFactory()
    filed = RightsRequest.objects.create(
        subject=customer,
        requester=customer,
        kind="disclosure",
        regime="appi",
        received_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(days=14),
    )
    filed.services.add(service)
    return filed


def test_a_handler_made_for_one_service_logs_in_with_what_is_printed_and_sees_its_requests(
    capsys,
):
    mine, other = ServiceFactory(), ServiceFactory()
    own, foreign = _filed(mine), _filed(other)
    call_command(
        "create_staff", "sh@example.com", "--role", SERVICE_HANDLER, "--service", mine.code
    )
    out = capsys.readouterr().out
    handler = User.objects.get(email="sh@example.com")
    assert staff_role(handler) == SERVICE_HANDLER
    assert list(handler.handled_services.all()) == [mine]

    # What the new member of staff is given: the password and the secret their app reads.
    secret = _printed(out, "TOTP secret")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    client = Client()
    response = client.post(
        "/admin/login/",
        {
            "username": handler.email,
            "password": _printed(out, "Password"),
            "otp_token": f"{totp(key):06d}",
        },
    )
    assert response.status_code == 302
    listing = client.get(reverse("admin:rights_rightsrequest_changelist"))
    assert listing.status_code == 200
    assert own.reference in listing.text and foreign.reference not in listing.text


def test_create_staff_is_repeatable_and_adds_services(capsys):
    first, second = ServiceFactory(), ServiceFactory()
    call_command(
        "create_staff", "sh@example.com", "--role", SERVICE_HANDLER, "--service", first.code
    )
    secret = _printed(capsys.readouterr().out, "TOTP secret")
    call_command(
        "create_staff", "SH@example.com", "--role", SERVICE_HANDLER, "--service", second.code
    )
    again = capsys.readouterr().out
    assert "Password: " not in again and _printed(again, "TOTP secret") == secret
    handler = User.objects.get(email="sh@example.com")
    assert set(handler.handled_services.all()) == {first, second}
    granted = AuditEvent.objects.get(action="staff.access_granted")
    assert granted.details["services"] == [second.code]


def test_a_handler_needs_a_known_service_and_nothing_is_made_without_one():
    with pytest.raises(CommandError, match="--service"):
        call_command("create_staff", "sh@example.com", "--role", SERVICE_HANDLER)
    with pytest.raises(CommandError, match="no-such-service"):
        call_command(
            "create_staff",
            "sh@example.com",
            "--role",
            SERVICE_HANDLER,
            "--service",
            "no-such-service",
        )
    assert not User.objects.filter(email="sh@example.com").exists()


def test_an_auditor_has_no_services(capsys):
    call_command("create_staff", "audit@example.com", "--role", AUDITOR)
    assert "TOTP URI: otpauth://totp/" in capsys.readouterr().out
    assert staff_role(User.objects.get(email="audit@example.com")) == AUDITOR
    with pytest.raises(CommandError, match="--service"):
        call_command("create_staff", "a2@example.com", "--role", AUDITOR, "--service", "x")
