"""A time shown read-only on a staff record's page names its zone, as the lists' and
the request pages' times do: "Placed at: 6 Dec 2026, 06:34" said nothing of whether
that was the reader's morning or Tokyo's, and a request's "Due at" read 06:59 to an
officer in Los Angeles for a deadline at 23:59 in Tokyo."""

import html
import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from portal.kernel.models import User
from rights.management.commands.seed_demo import DEMO_OFFICER_PASSWORD
from tests.conftest import admin_login

pytestmark = pytest.mark.django_db

READONLY = re.compile(r'<label[^>]*>([^<]*)</label>\s*<div class="readonly">(.*?)</div>', re.S)
#: A time of day as the admin writes one in English ("6 Dec 2026, 06:34", "noon").
TIME = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}, (\d{1,2}:\d{2}|noon|midnight)")
ZONE_NAMED = re.compile(r"\b(PST|PDT|JST|UTC[+−]?\d*|CET|CEST)\b")


@pytest.mark.parametrize("zone", ["America/Los_Angeles", ""])
def test_every_read_only_time_of_a_record_names_its_zone(zone):
    """Every model's latest record in the demo data, read by the officer in their own
    zone or, without one, in the portal's."""
    call_command("seed_demo", stdout=io.StringIO())
    officer = User.objects.get(email="officer@example.com")
    officer.time_zone = zone
    officer.save(update_fields=["time_zone"])
    client = admin_login(Client(), officer, DEMO_OFFICER_PASSWORD)
    client.cookies["django_language"] = "en"
    unnamed, times = {}, 0
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        latest = model._default_manager.order_by("-pk").first()
        if latest is None:
            continue
        response = client.get(reverse(f"{name}_change", args=[latest.pk]))
        assert response.status_code == 200, name
        for label, value in READONLY.findall(response.content.decode()):
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())
            if not TIME.search(text):
                continue
            times += 1
            if not ZONE_NAMED.search(text) and not ZONE_NAMED.search(label):
                unnamed.setdefault(name, []).append(f"{label.strip()} {text}")
    assert times >= 15
    assert unnamed == {}, unnamed
