"""The days the consent page and the privacy policy's page give a customer (when they
accepted the policy, when they last changed a consent, since and until when a
stop of use applies) name their time zone, as its history's times do: at 00:30 in
Tokyo it is still the day before in UTC and in Berlin (see
tests/test_times_name_their_zone.py)."""

import datetime as dt
import re

import pytest
import time_machine

from consent import selectors, services
from consent.models import ConsentRecord, PolicyVersion, ProcessingRestriction
from tests.consent_support import new_policy_version, purpose

pytestmark = pytest.mark.django_db

# 15:30 UTC on 1 December: 00:30 on 2 December in Tokyo.
AT = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)
# A stop that lasts: 15:30 UTC on 10 January 2036, 00:30 on 11 January in Tokyo.
ENDS = dt.datetime(2036, 1, 10, 15, 30, tzinfo=dt.UTC)
DAY = {"en": "2 Dec 2026 JST", "ja": "2026年12月2日（日本時間）"}
END_DAY = {"en": "11 Jan 2036 JST", "ja": "2036年1月11日（日本時間）"}


@pytest.fixture
def consented(customer):
    services.policy_accept(
        subject=customer,
        version=selectors.current_policy_version(),
        method=ConsentRecord.Method.DASHBOARD,
    )
    with time_machine.travel(AT, tick=False):
        services.consent_update(
            subject=customer,
            choices={purpose("marketing"): True},
            method=ConsentRecord.Method.DASHBOARD,
        )
        services.restriction_create(
            subject=customer,
            scope=ProcessingRestriction.Scope.USE,
            purpose=purpose("marketing"),
            source=ProcessingRestriction.Source.STAFF,
            ends_at=ENDS,
        )
    return customer


def _text(client, url, language):
    client.cookies["django_language"] = language
    page = client.get(url).content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]).split())


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_consent_page_names_the_zone_of_its_days(stepped_up_client, consented, language):
    page = _text(stepped_up_client, "/consent/", language)
    accepted = {
        "en": r"You accepted version 1 on \d+ \w+ \d{4} JST\.",
        "ja": r"\d{4}年\d+月\d+日（日本時間）に第1版に同意いただきました。",
    }
    since = {"en": f"since {DAY['en']}", "ja": f"{DAY['ja']}から"}
    until = {"en": f"until {END_DAY['en']}", "ja": f"{END_DAY['ja']}まで"}
    assert re.search(accepted[language], page), page
    assert since[language] in page and until[language] in page, page
    # The purpose's last change: "Granted on …".
    assert page.count(DAY[language]) >= 2, page


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_policy_page_names_the_zone_of_the_day_accepted(stepped_up_client, consented, language):
    page = _text(stepped_up_client, "/consent/policy/", language)
    accepted = {
        "en": r"You accepted this version on \d+ \w+ \d{4} JST\.",
        "ja": r"\d{4}年\d+月\d+日（日本時間）にこの版に同意いただきました。",
    }
    assert re.search(accepted[language], page), page


def _no_nested_brackets(text):
    return not re.search(r"（[^）]*（", text)


IN_FORCE = {
    "en": f"Version 1, in force since {DAY['en']}.",
    "ja": f"第1版、{DAY['ja']}施行",
}


@pytest.mark.parametrize("url", ["/privacy/", "/consent/policy/"])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_policy_names_the_zone_of_the_day_it_came_into_force(
    stepped_up_client, customer, url, language
):
    """The day a version came into force names its zone, as every other day on the
    customer pages; in Japanese without a bracket inside another
    (「第1版（2026年12月2日（日本時間）施行）」)."""
    PolicyVersion.objects.update(effective_at=AT)
    page = _text(stepped_up_client, url, language)
    assert IN_FORCE[language] in page, page
    assert _no_nested_brackets(page), page


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_banner_of_a_new_version_names_the_zone_of_its_day(client, customer, language):
    """APPI art. 21 / GDPR art. 13(3): the banner that tells a customer of a new
    version says the day it came into force as the policy's pages do, with its zone."""
    PolicyVersion.objects.update(effective_at=AT - dt.timedelta(days=30))
    services.policy_accept(
        subject=customer,
        version=selectors.current_policy_version(),
        method=ConsentRecord.Method.SIGNUP,
    )
    PolicyVersion.objects.filter(pk=new_policy_version(material=False).pk).update(effective_at=AT)
    client.force_login(customer)
    page = _text(client, "/", language)
    banner = {
        "en": f"We have updated our privacy policy (version 2, in force since {DAY['en']}).",
        "ja": f"プライバシーポリシーを第2版に改定し、{DAY['ja']}に施行しました。",
    }
    assert banner[language] in page, page
    assert _no_nested_brackets(page), page


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_sign_up_box_names_the_zone_of_the_day_the_policy_came_into_force(client, language):
    PolicyVersion.objects.update(effective_at=AT)
    client.cookies["django_language"] = language
    page = client.get("/accounts/signup/").content.decode()
    link = re.search(r'<a href="/(?:en/)?privacy/"[^>]*>([^<]*)</a>', page).group(1)
    expected = {
        "en": f"Read the privacy policy (version 1, in force since {DAY['en']})",
        "ja": f"{DAY['ja']}施行の第1版プライバシーポリシーを読む",
    }
    assert link == expected[language], page
    assert _no_nested_brackets(link), link
