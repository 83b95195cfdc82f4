"""Every landmark of "my data" has a name of its own (axe's landmark-unique, WCAG 2.1
SC 1.3.1 and 2.4.1): a customer with two services has a "Contracts and memberships"
section, a table and a pager of invoices in each, and a screen reader's list of
landmarks must tell them apart by naming the service."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from tests.factories import InvoiceFactory, RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _landmark_names(page: str) -> list[str]:
    texts = {
        m[1]: html.unescape(m[2]).strip()
        for m in re.finditer(r'<[a-z0-9]+ [^>]*\bid="([^"]+)"[^>]*>([^<]*)', page)
    }
    names = []
    for tag in re.finditer(r"<(?:section|nav|div)\b[^>]*>", page):
        element = tag[0]
        if element.startswith("<div") and 'role="region"' not in element:
            continue
        if by := re.search(r'aria-labelledby="([^"]+)"', element):
            names.append(" ".join(texts.get(i, "") for i in by[1].split()))
        elif label := re.search(r'aria-label="([^"]+)"', element):
            names.append(html.unescape(label[1]))
    return names


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_landmark_of_my_data_has_its_own_name(stepped_up_client, customer, language):
    for name in ("Cinema Plus", "Hikari Net"):
        service = ServiceFactory(name=name, name_en=name)
        RegistrationFactory(user=customer, service=service)
        InvoiceFactory.create_batch(21, user=customer, service=service)
    stepped_up_client.cookies["django_language"] = language
    page = stepped_up_client.get("/my-data/").content.decode()
    names = _landmark_names(page)
    assert len(names) > 10
    repeated = [name for name, count in Counter(names).items() if count > 1]
    assert not repeated, repeated
    pager = {"en": "Pages of Invoices, Hikari Net", "ja": "請求書（Hikari Net）のページ"}
    assert pager[language] in names
