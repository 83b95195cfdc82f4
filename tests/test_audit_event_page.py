"""An audit event's own page, as an officer or auditor reads it: its time is the
reader's, with the zone named, in the title as in the fields (the list's heading
already names it)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from portal.kernel.audit import audit_log
from portal.kernel.audit_labels import action_label
from portal.kernel.models import AuditEvent
from portal.kernel.roles import AUDITOR
from portal.kernel.staff import staff_create
from tests.conftest import PASSWORD, admin_login

pytestmark = pytest.mark.django_db


def _event_page(language: str, action="staff.viewed_request") -> tuple[AuditEvent, str]:
    """An event an auditor caused, and its page as the auditor reads it in ``language``."""
    auditor, _device, _ = staff_create(email="audit@example.com", role=AUDITOR, password=PASSWORD)
    audit_log(action=action, actor=auditor)
    event = AuditEvent.objects.filter(action=action).latest("pk")
    client = admin_login(Client(), auditor)
    client.cookies["django_language"] = language
    page = client.get(f"/admin/portal/auditevent/{event.pk}/change/").content.decode()
    return event, page


@pytest.mark.parametrize(("language", "zone"), [("ja", "日本時間"), ("en", "JST")])
def test_an_events_page_gives_its_time_in_the_readers_zone_and_names_it(language, zone):
    event, page = _event_page(language)
    title = re.search(r"<h2>([^<]*)</h2>", page)[1]
    # Japan is nine hours ahead of UTC, whatever the time: the hours differ.
    local = event.created_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert local.strftime("%H:%M") in title and zone in title, title
    labels = re.findall(r"<label>([^<]*)</label>", page)
    assert any(zone in text for text in labels), labels


@pytest.mark.parametrize(
    ("language", "label", "code"),
    [("ja", "操作", "操作コード"), ("en", "What happened", "Action code")],
)
def test_an_events_page_labels_its_action_and_the_actions_code_apart(language, label, code):
    """The action in words and its code are two rows of the page; each has its own
    label, so a reader can tell which is which (both read 「操作」 before)."""
    _event, page = _event_page(language)
    labels = [text.rstrip(":：") for text in re.findall(r"<label>([^<]*)</label>", page)]
    assert len(labels) == len(set(labels)), labels
    assert label in labels and code in labels, labels


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_events_title_names_its_action_in_words_not_by_its_code(language):
    """The title and breadcrumbs say what happened in the reader's language, as the list
    does; the code has its own row below."""
    _event, page = _event_page(language, action="staff.viewed_disclosure")
    with translation.override(language):
        words = action_label("staff.viewed_disclosure")
    assert words != "staff.viewed_disclosure"
    title = re.search(r"<h2>([^<]*)</h2>", page)[1]
    assert words in title and "staff.viewed_disclosure" not in title, title
