"""A connected system's fields read by their labels, not by the system's own names.

GDPR art. 15(1) and APPI art. 33(1) give the person their data in a form they can
read: the disclosure package's report names each item a connected system returns
by the label staff gave it ("Fields held"), by the portal's own word for an item it
knows (in the person's language), else by its name made readable; never by a key
such as ``created_at``. The machine-readable ``external_systems.json`` keeps the
system's keys and gives their labels beside them. The system is the test double."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from rights.choices import Regime
from rights.connectors.demo import MAILING_FIELDS
from rights.connectors.models import ExternalSystem
from rights.disclosure.package import write_package
from rights.services import request_submit

from .connector_support import customer_at_double, double_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _files(customer) -> dict[str, str]:
    request = request_submit(
        subject=customer, requester=customer, kind="disclosure", regime=Regime.APPI
    )
    buffer = io.BytesIO()
    write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _items(report: str) -> list[str]:
    """The "Item" cells of the report's section on the other systems."""
    section = report.split('id="external"')[1].split('id="held-not-disclosed"')[0]
    return [re.sub(r"<[^>]+>", "", row[1]) for row in _rows(section) if row]


def _rows(section: str) -> list[list[str]]:
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", section)]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"E-mail", "Address", "Mail sent", "Created at", "Login ID"}),
        ("ja", {"E-mail", "Address", "Mail sent", "登録日時", "ログインID"}),
    ],
)
def test_a_systems_items_are_named_by_label_in_the_report_art_15(double, language, expected):
    """Declared fields by the label staff typed (as typed); an undeclared one the portal
    knows (``created_at``, ``login``) in the person's language; no raw key left."""
    customer = customer_at_double(double, language=language)
    double.add(
        customer.email,
        {
            "id": "m-9",
            "category": "contact",
            "values": {"login": customer.email, "created_at": "2026-01-02"},
        },
    )
    items = set(_items(_files(customer)["report.html"]))
    assert items == expected
    assert not {"email", "address", "sent", "login", "created_at"} & items


def test_an_unknown_undeclared_field_is_made_readable_art_15(double):
    customer = customer_at_double(double, language="en")
    double.add(customer.email, {"id": "m-9", "category": "usage", "values": {"open_rate_pct": 5}})
    assert "Open rate pct" in _items(_files(customer)["report.html"])


def test_a_declared_field_without_a_label_reads_as_the_portals_word(double):
    customer = customer_at_double(double, language="ja")
    ExternalSystem.objects.update(fields=[{"name": "email", "category": "contact", "label": ""}])
    assert "メールアドレス" in _items(_files(customer)["report.html"])


def test_the_machine_readable_file_gives_the_labels_beside_the_keys_art_20(double):
    customer = customer_at_double(double, language="ja")
    double.add(customer.email, {"id": "m-9", "category": "contact", "values": {"login": "x"}})
    answer = json.loads(_files(customer)["external_systems.json"])[0]
    assert answer["labels"]["login"] == "ログインID"
    assert answer["records"][0]["values"]["email"] == customer.email
    assert answer["labels"]["email"] == "E-mail"
    assert answer["labels"]["sent"] == "Mail sent"


def test_a_withheld_item_is_named_by_its_label_not_its_key_7024_d(double):
    """CCPA regs §7024(d): a field a system holds and does not disclose is named in
    words (the label staff gave it) under "Held but not disclosed", never by its key."""
    customer = customer_at_double(double, language="ja")
    ExternalSystem.objects.update(
        fields=[
            *MAILING_FIELDS,
            {"name": "fraud_score", "category": "usage", "label": "不正検知スコア"},
        ]
    )
    double.add(
        customer.email,
        {"id": "m-9", "category": "usage", "values": {"sent": "x"}, "withheld": ["fraud_score"]},
    )
    held = _files(customer)["report.html"].split('id="held-not-disclosed"')[1]
    assert "不正検知スコア" in held
    assert "fraud_score" not in held


def test_the_printable_report_names_items_in_the_customers_language_art_15(double):
    """The staff's printable version (sent on paper) is in the customer's language,
    whatever language the member of staff reads the portal in."""
    from django.utils import translation

    from rights.disclosure.package import iter_report_html

    customer = customer_at_double(double, language="ja")
    double.add(customer.email, {"id": "m-9", "category": "contact", "values": {"login": "x"}})
    request = request_submit(
        subject=customer, requester=customer, kind="disclosure", regime=Regime.APPI
    )
    with translation.override("en"):
        report = "".join(iter_report_html(request, standalone=True))
    assert "ログインID" in _items(report)
