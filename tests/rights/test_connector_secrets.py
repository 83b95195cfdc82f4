"""CCPA regs §7024(d) for connected systems (docs/connectors.md, "The contract"): a
record names in ``withheld`` the fields a system holds but must not disclose; the
portal also drops a value whose field name it knows to be a secret (``password_hash``).
The package holds neither value and lists both kinds under "Held but not disclosed"
with the system's name. A ``withheld`` that is not a list of strings breaks the
contract, as any other malformed answer. The system is the test double on a
loopback port."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from rights.choices import Regime
from rights.connectors import client, errors
from rights.connectors.source import disclosed_records
from rights.disclosure.package import write_package
from rights.services import request_submit

from .connector_support import customer_at_double, double_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

HASH = "pbkdf2_sha256$870000$salt$c2VjcmV0LWhhc2gtdmFsdWU="
ANSWER = "the name of my first cat"


def _with_secrets(double, customer, **extra) -> None:
    double.add(
        customer.email,
        {
            "id": "m-3",
            "category": "contact",
            "values": {
                "login": customer.email,
                "password_hash": HASH,
                "security_answer": ANSWER,
            },
            "withheld": ["security_answer"],
            **extra,
        },
    )


def _files(customer, regime=Regime.CCPA) -> dict[str, str]:
    request = request_submit(subject=customer, requester=customer, kind="disclosure", regime=regime)
    buffer = io.BytesIO()
    write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_a_systems_withheld_and_secret_fields_are_listed_not_disclosed_7024_d(double):
    """CCPA regs §7024(d): no value of either field in any file; both kinds listed."""
    customer = customer_at_double(double, language="en")
    _with_secrets(double, customer)
    files = _files(customer)
    everything = "".join(files.values())
    assert HASH not in everything and ANSWER not in everything
    assert "c2VjcmV0LWhhc2gtdmFsdWU=" not in everything
    listed = json.loads(files["data.json"])["held_not_disclosed"]
    external = [item for item in listed if item.get("system") == "Mailing service"]
    assert {item["kind"] for item in external} == {"password_hash", "security_answer"}
    report = files["report.html"]
    assert "Held but not disclosed" in report
    assert "Mailing service" in report and "A password" in report
    # The record's other values are disclosed as returned.
    record = next(
        r for r in json.loads(files["external_systems.json"])[0]["records"] if r["id"] == "m-3"
    )
    assert record["values"] == {"login": customer.email}
    assert sorted(record["withheld"]) == ["password_hash", "security_answer"]


def test_an_appi_package_lists_a_systems_secret_without_citing_the_ccpa(double):
    """APPI art. 33(2)(i): the reason names the APPI, not the CCPA."""
    customer = customer_at_double(double, language="en")
    _with_secrets(double, customer)
    files = _files(customer, Regime.APPI)
    listed = json.loads(files["data.json"])["held_not_disclosed"]
    assert any(item.get("system") == "Mailing service" for item in listed)
    assert "7024" not in files["report.html"]


#: How the two secrets of the double's record read, by the customer's language.
SECRETS_IN_WORDS = {
    "en": ("A password", "The answer to a security question"),
    "ja": ("パスワード", "秘密の質問の答え"),
}


@pytest.mark.parametrize("language", SECRETS_IN_WORDS)
def test_a_systems_secret_is_named_in_words_not_by_its_field_7024_d(double, language):
    """CCPA regs §7024(d) tells the person, with sufficient particularity, what kind of
    secret is held: in words of their language, not the system's field name."""
    customer = customer_at_double(double, language=language)
    _with_secrets(double, customer)
    held = _files(customer)["report.html"].split('id="held-not-disclosed"')[1]
    assert all(words in held for words in SECRETS_IN_WORDS[language])
    assert "password_hash" not in held and "security_answer" not in held


@pytest.mark.parametrize("withheld", ["password_hash", [1, 2], {"a": "b"}, ["ok", None]])
def test_a_withheld_that_is_not_a_list_of_strings_breaks_the_contract(double, withheld):
    """Like a "records" that is not a list: refused, so the package is not built without
    the system's part, and staff read which system it was."""
    customer = customer_at_double(double, language="en")
    _with_secrets(double, customer, withheld=withheld)
    with pytest.raises(client.Refused) as refused:
        disclosed_records(customer)
    assert errors.WITHHELD_NOT_A_LIST in str(refused.value)
    assert "Mailing service" in str(refused.value)
