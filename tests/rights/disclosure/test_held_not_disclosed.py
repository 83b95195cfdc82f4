"""CCPA regs §7024(d): a response to a request to know discloses no password or
security credential, and still tells the person, with sufficient particularity, that
the business holds that kind of information. The package and the "my data" page
list each kind held for this person under "Held but not disclosed", without its value;
the reason names the law of the request (APPI art. 33(2)(i), GDPR art. 15(4)), and
only a CCPA request's cites §7024(d).
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.utils import translation

from portal.kernel.models import CustomerTOTPDevice
from rights.choices import Kind, Regime
from rights.disclosure.package import write_package
from rights.services import request_submit
from tests.conftest import step_up
from tests.factories import PaymentMethodFactory

pytestmark = pytest.mark.django_db

CCPA_REASON = "CCPA regs §7024(d)"


def _package(customer, regime: str, language: str = "en", **scope) -> dict[str, str]:
    customer.language = language
    customer.save(update_fields=["language"])
    request = request_submit(
        subject=customer, requester=customer, kind=Kind.DISCLOSURE, regime=regime, **scope
    )
    buffer = io.BytesIO()
    write_package(request, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


@pytest.fixture
def held(customer):
    """A customer with a password, an authenticator app and a stored card (whose number
    the portal never holds: the payment provider does)."""
    CustomerTOTPDevice.objects.create(user=customer, name="app", confirmed=True)
    PaymentMethodFactory(user=customer, last4="4242")
    return customer


def test_a_ccpa_package_lists_the_password_and_card_held_without_their_values_7024_d(held):
    """CCPA regs §7024(d): "held but not disclosed", each kind, no value."""
    files = _package(held, Regime.CCPA)
    report = files["report.html"]
    assert "Held but not disclosed" in report
    assert "An account password" in report
    assert "An authenticator app" in report
    assert "4242" not in report.split('id="held-not-disclosed"')[1]
    assert CCPA_REASON in report
    listed = json.loads(files["data.json"])["held_not_disclosed"]
    assert {item["kind"] for item in listed} == {"password", "authenticator"}
    assert all(CCPA_REASON in item["reason"] for item in listed if item["kind"] == "password")
    everything = "".join(files.values())
    assert held.password not in everything
    assert held.password.split("$")[-1] not in everything


def test_an_appi_package_says_it_without_citing_the_ccpa_33_2_i(held):
    """APPI art. 33(2)(i): the same list, on the APPI's own ground, in Japanese."""
    files = _package(held, Regime.APPI, language="ja")
    report = files["report.html"]
    with translation.override("ja"):
        assert translation.gettext("Held but not disclosed") != "Held but not disclosed"
        assert translation.gettext("Held but not disclosed") in report
    assert "個人情報保護法第33条第2項第1号" in report  # APPI art. 33(2)(i)
    assert "CCPA" not in report and "7024" not in report
    assert "CCPA" not in json.dumps(json.loads(files["data.json"])["held_not_disclosed"])


def test_a_gdpr_package_cites_article_15_4(held):
    """GDPR art. 15(4): the list under the GDPR's ground, no CCPA article."""
    report = _package(held, Regime.GDPR)["report.html"]
    assert "Held but not disclosed" in report and "15(4)" in report
    assert "7024" not in report


def test_only_kinds_held_for_this_person_are_listed(customer):
    """A customer without an authenticator or a card: only the password is listed."""
    listed = json.loads(_package(customer, Regime.CCPA)["data.json"])["held_not_disclosed"]
    assert [item["kind"] for item in listed] == ["password"]
    customer.set_unusable_password()
    customer.save()
    listed = json.loads(_package(customer, Regime.CCPA)["data.json"])["held_not_disclosed"]
    assert listed == []


def test_a_request_for_some_kinds_of_data_lists_only_their_secrets_7024_d(held):
    """A request to know only payment data is not told of the account's password or
    authenticator, which it did not ask about; the stored card it is told of in full
    (brand, last four digits, expiry): the portal holds no secret of it."""
    files = _package(held, Regime.CCPA, categories=["payment"])
    assert json.loads(files["data.json"])["held_not_disclosed"] == []
    assert "An account password" not in files["report.html"]
    assert "4242" in files["report.html"]
    files = _package(held, Regime.CCPA, categories=["account"])
    listed = json.loads(files["data.json"])["held_not_disclosed"]
    assert [item["kind"] for item in listed] == ["password", "authenticator"]


def test_my_data_lists_the_kinds_held_without_their_values_7024_d(
    held, client, django_capture_on_commit_callbacks
):
    """CCPA regs §7024(d): "my data" says the password and card are held, no value."""
    step_up(client, held, django_capture_on_commit_callbacks, language="en")
    body = client.get("/my-data/").content.decode()
    assert "Held but not disclosed" in body
    assert "An account password" in body and "An authenticator app" in body
    held.refresh_from_db()
    assert held.password not in body
