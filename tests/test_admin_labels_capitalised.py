"""Every label of a staff form starts with a capital, as Django writes a model field's
("Base URL:", "Shared secret:"), not with the lower-case first letter of a verbose name
("timeout (seconds):" stood among them on an external system's form)."""

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

#: A form row's own label (not a choice's label inside a list of checkboxes).
ROW_LABEL = re.compile(
    r'<div class="flex-container[^"]*">\s*(?:<input[^>]*>\s*)?<label[^>]*>(.*?)</label>', re.S
)


def _forms() -> list[str]:
    """The add form and the first record's change form of every registered model."""
    urls = []
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{name}_change", args=[first.pk]))
    return urls


def test_every_row_label_of_the_officers_forms_starts_with_a_capital():
    call_command("seed_demo", stdout=io.StringIO())
    officer = User.objects.get(email="officer@example.com")
    client = admin_login(Client(), officer, DEMO_OFFICER_PASSWORD)
    client.cookies["django_language"] = "en"
    lower, labels = {}, 0
    for url in _forms():
        response = client.get(url)
        if response.status_code in (403, 404):  # a form the officer may not open
            continue
        assert response.status_code == 200, url
        for label in ROW_LABEL.findall(response.content.decode()):
            text = html.unescape(re.sub(r"<[^>]+>", "", label)).strip()
            labels += 1
            if text[:1].islower():
                lower.setdefault(url, []).append(text)
    assert labels > 300
    assert lower == {}, lower
