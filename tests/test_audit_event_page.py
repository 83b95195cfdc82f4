"""An audit event's own page, as an officer or auditor reads it: its time is the
reader's, with the zone named, in the title as in the fields (the list's heading
already names it)."""

import datetime as dt
import re

import pytest
from django.test import Client

from portal.kernel.audit import audit_log
from portal.kernel.models import AuditEvent
from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
from tests.conftest import PASSWORD, admin_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "zone"), [("ja", "日本時間"), ("en", "JST")])
def test_an_events_page_gives_its_time_in_the_readers_zone_and_names_it(language, zone):
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    audit_log(action="staff.viewed_request", actor=auditor)
    event = AuditEvent.objects.get(action="staff.viewed_request")
    client = admin_login(Client(), auditor)
    client.cookies["django_language"] = language
    page = client.get(f"/admin/portal/auditevent/{event.pk}/change/").content.decode()
    title = re.search(r"<h2>([^<]*)</h2>", page)[1]
    # Japan is nine hours ahead of UTC, whatever the time: the hours differ.
    local = event.created_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert local.strftime("%H:%M") in title and zone in title, title
    labels = re.findall(r"<label>([^<]*)</label>", page)
    assert any(zone in text for text in labels), labels
