"""The opt-out preference signal (Global Privacy Control, the ``Sec-GPC: 1`` header).

CCPA regs §7025(b): a business that sells or shares personal information treats
the signal as a valid request to opt out of sale/sharing, for the browser and,
when the consumer is known, for the consumer; §7026(d): without verification;
§7025(c)(3): a consent the consumer gives afterwards may override it;
§7025(c)(6): the business may show that the signal was honoured.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent import services
from consent.models import ConsentRecord
from portal.kernel.models import AuditEvent
from tests.consent_support import purpose, recipients

pytestmark = pytest.mark.django_db

Action = ConsentRecord.Action
Method = ConsentRecord.Method
SIGNAL = {"HTTP_SEC_GPC": "1"}


@pytest.fixture
def ccpa(settings):
    settings.RIGHTS_DEFAULT_REGIME = "ccpa"


@pytest.fixture
def sharing(customer):
    """Marketing goes to an affiliate (provision to a third party); the customer
    consented to it; statistics identify no one and go nowhere."""
    recipients()
    services.consent_update(
        subject=customer, choices={purpose("marketing"): True}, method=Method.DASHBOARD
    )
    return customer


def _records(customer):
    return list(ConsentRecord.objects.filter(subject=customer, purpose__isnull=False))


def _signal_section(page) -> str:
    return page.content.decode().split('id="signal-title"')[1].split("</section>")[0]


def _changes(customer):
    return AuditEvent.objects.filter(action="consent.changed", subject=customer).count()


def test_the_signal_withdraws_the_consents_to_sale_or_sharing_once(ccpa, client, sharing):
    """CCPA regs §7025(b), §7026(d): honoured at once, with no verification asked."""
    client.force_login(sharing)
    before = _changes(sharing)
    client.get("/", **SIGNAL)
    assert not services.may_use(sharing, "marketing")
    record = _records(sharing)[0]
    assert (record.purpose.code, record.action, record.method) == (
        "marketing",
        Action.WITHDRAWN,
        Method.OPT_OUT_SIGNAL,
    )
    assert services.may_use(sharing, "statistics")  # goes to no third party
    assert _changes(sharing) == before + 1

    count = len(_records(sharing))
    client.get("/account/", **SIGNAL)
    assert len(_records(sharing)) == count
    assert _changes(sharing) == before + 1


def test_without_the_signal_nothing_changes(ccpa, client, sharing):
    client.force_login(sharing)
    count = len(_records(sharing))
    client.get("/")
    assert len(_records(sharing)) == count
    assert services.may_use(sharing, "marketing")


def test_under_the_appi_the_signal_changes_nothing(client, sharing):
    """APPI art. 27: provision rests on consent; the signal is not a withdrawal
    the law asks us to read (docs/legal.md, the company's choice)."""
    client.force_login(sharing)
    count = len(_records(sharing))
    client.get("/", **SIGNAL)
    assert len(_records(sharing)) == count
    assert services.may_use(sharing, "marketing")


def test_the_signal_costs_a_constant_few_queries(ccpa, client, sharing, still_clock):
    client.force_login(sharing)
    client.get("/", **SIGNAL)
    counts = []
    for headers in ({}, SIGNAL):
        with CaptureQueriesContext(connection) as queries:
            client.get("/account/", **headers)
        counts.append(len(queries))
    assert 0 < counts[1] - counts[0] <= 3


def test_the_consent_page_says_the_signal_was_honoured_in_both_languages(
    ccpa, stepped_up_client, sharing
):
    """CCPA regs §7025(c)(6): the page may show that the signal was honoured."""
    ja = stepped_up_client.get("/consent/", **SIGNAL)
    assert "オプトアウト・プリファレンス・シグナルに従いました" in ja.content.decode()
    assert "マーケティング及びサービスの改善" in _signal_section(ja)
    stepped_up_client.cookies["django_language"] = "en"
    en = stepped_up_client.get("/consent/", **SIGNAL).content.decode()
    assert "Opt-out preference signal honoured" in en
    without = stepped_up_client.get("/consent/").content.decode()
    assert "Opt-out preference signal honoured" not in without


def test_a_consent_given_after_the_signal_overrides_it_for_that_choice(
    ccpa, stepped_up_client, sharing
):
    """CCPA regs §7025(c)(3): the consumer's own consent after the signal stands; the
    page says the browser's signal asks the opposite, and blocks nothing."""
    client = stepped_up_client
    client.get("/consent/", **SIGNAL)
    assert not services.may_use(sharing, "marketing")
    client.post("/consent/", {"purpose_marketing": "on", "purpose_statistics": "on"}, **SIGNAL)
    grant = _records(sharing)[0]
    assert (grant.action, grant.method) == (Action.GRANTED, Method.DASHBOARD)

    client.cookies["django_language"] = "en"
    page = client.get("/consent/", **SIGNAL)
    assert services.may_use(sharing, "marketing")
    assert _records(sharing)[0].pk == grant.pk
    assert "signal asks the opposite" in _signal_section(page)


def test_a_consent_given_with_the_signal_before_any_withdrawal_stands(
    ccpa, stepped_up_client, customer
):
    """CCPA regs §7025(c)(3): consent given on a page the signal came with, when
    there was nothing yet for the signal to withdraw, is still given after it."""
    recipients()
    client = stepped_up_client
    client.post("/consent/", {"purpose_marketing": "on", "purpose_statistics": "on"}, **SIGNAL)
    assert services.may_use(customer, "marketing")
    grant = _records(customer)[0]
    assert grant.with_opt_out_signal  # the proof that the signal came with it
    client.get("/", **SIGNAL)
    assert services.may_use(customer, "marketing")
    assert _records(customer) == [grant]


def test_a_consent_given_elsewhere_after_the_signal_stands(ccpa, client, sharing):
    """CCPA regs §7025(c)(3): a consent on paper or another browser, after the signal."""
    client.force_login(sharing)
    client.get("/", **SIGNAL)
    assert not services.may_use(sharing, "marketing")
    services.consent_update(
        subject=sharing, choices={purpose("marketing"): True}, method=Method.DASHBOARD
    )
    client.get("/", **SIGNAL)
    assert services.may_use(sharing, "marketing")


def test_staff_are_not_opted_out(ccpa, client, admin_user):
    client.force_login(admin_user)
    client.get("/admin/", **SIGNAL)
    assert not ConsentRecord.objects.filter(subject=admin_user).exists()
