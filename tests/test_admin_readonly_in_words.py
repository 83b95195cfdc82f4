"""A read-only field says its value in words to staff who may only read it (an
auditor, a service handler): a yes/no value reads "Yes"/"No" in the reader's language
beside Django's icon, which had only Python's "True"/"False" for text, in English on
a Japanese page; an empty list of related records (a service with no handlers) reads
as the admin's empty value, not as an empty box (WCAG 1.1.1, 3.1.2)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from consent.models import Purpose
from portal.kernel.roles import AUDITOR, SERVICE_HANDLER
from portal.kernel.staff import staff_create
from tests.conftest import admin_login
from tests.factories import PASSWORD, ServiceFactory
from tests.rights.fee_support import publish

pytestmark = pytest.mark.django_db

READONLY = re.compile(r'<div class="readonly">(.*?)</div>', re.S)


def _row(page: str, field: str) -> str:
    row = re.search(
        rf'class="form-row[^"]*field-{field}\b.*?<div class="readonly">(.*?)</div>', page, re.S
    )
    assert row, field
    return row[1]


def _words(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


@pytest.mark.parametrize(("language", "yes", "no"), [("en", "Yes", "No"), ("ja", "はい", "いいえ")])
def test_an_auditor_reads_yes_no_and_empty_lists_in_words(language, yes, no):
    service = ServiceFactory(code="svc-a", name="Service A", is_active=True)
    auditor, _device, _ = staff_create(email="auditor@example.com", role=AUDITOR, password=PASSWORD)
    client = admin_login(Client(), auditor)
    client.cookies["django_language"] = language
    page = client.get(reverse("admin:portal_service_change", args=[service.pk])).content.decode()
    assert _words(_row(page, "is_active")) == yes
    assert _words(_row(page, "handlers")) != ""  # nobody handles it yet: said, not blank
    purpose = Purpose.objects.filter(is_required=False).order_by("pk").first()
    page = client.get(reverse("admin:consent_purpose_change", args=[purpose.pk])).content.decode()
    assert _words(_row(page, "is_required")) == no
    for value in READONLY.findall(page):
        assert 'alt="True"' not in value and 'alt="False"' not in value


def test_a_handler_reads_a_yes_no_value_in_japanese():
    service = ServiceFactory(code="svc-a", name="Service A", is_active=True)
    handler, _device, _ = staff_create(
        email="handler@example.com", role=SERVICE_HANDLER, password=PASSWORD, services=[service]
    )
    client = admin_login(Client(), handler)
    client.cookies["django_language"] = "ja"
    page = client.get(reverse("admin:portal_service_change", args=[service.pk])).content.decode()
    assert _words(_row(page, "is_active")) == "はい"
    assert "handler@example.com" in _words(_row(page, "handlers"))


@pytest.mark.parametrize(("language", "yes"), [("en", "Yes"), ("ja", "はい")])
def test_a_lists_yes_no_column_says_its_value_in_words(language, yes):
    """The services' "in use", the staff list's "staff status", the fee schedule's "in
    force today" (a column of the admin's own): each cell in words, none "True"."""
    ServiceFactory(code="svc-a", name="Service A", is_active=True)
    publish(amount=1000)
    auditor, _device, _ = staff_create(email="auditor@example.com", role=AUDITOR, password=PASSWORD)
    client = admin_login(Client(), auditor)
    client.cookies["django_language"] = language
    for name in ("portal_service", "portal_user", "consent_purpose", "rights_feeschedule"):
        page = client.get(reverse(f"admin:{name}_changelist")).content.decode()
        assert 'alt="True"' not in page and 'alt="False"' not in page, name
    page = client.get(reverse("admin:portal_service_changelist")).content.decode()
    cell = re.search(r'<td class="field-is_active">(.*?)</td>', page, re.S)
    assert cell and _words(cell[1]) == yes
