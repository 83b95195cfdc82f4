"""Each service's public page (APPI art. 21(1), 32(1)): its purposes of use, method and
scope, retention, partner companies and its own inquiry window with a responsible
person, generated from the registry and the service's settings; linked from /privacy/
and /my-data/; a request filed from it names the service."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from consent.models import ServicePage
from portal.kernel.registry import registry
from tests.consent_support import ITEMS, SERVICE_PAGE_ITEMS, recipients, service_page
from tests.factories import RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["ja", "en"])
def test_service_page_publishes_its_own_items_and_every_art_32_item(client, language):
    """APPI art. 32(1) and 21(1): the service page names the company's art. 32 items and
    the service's own purposes, method, retention, partners and inquiry window."""
    service_page(recipients()["delivery"])
    client.cookies["django_language"] = language
    page = client.get("/services/video/").content.decode()

    missing = [item for item in ITEMS[language] + SERVICE_PAGE_ITEMS[language] if item not in page]
    assert not missing
    with translation.override(language):
        usage = registry.source("portal.usagerecord")
        assert str(usage.label) in page
        assert registry.retention_text(usage.retention) in page
    assert "Sample Group Sales" not in page  # not a partner of this service


def test_privacy_page_links_each_service_page_and_unpublished_pages_are_not_found(client):
    """APPI art. 32(1): /privacy/ links every published service page; an unpublished one
    or an unknown service answers 404."""
    page = service_page(recipients()["delivery"])
    client.cookies["django_language"] = "en"
    assert 'href="/services/video/"' in client.get("/privacy/").content.decode()
    page.is_published = False
    page.save()
    assert client.get("/services/video/").status_code == 404
    assert client.get("/services/nothing/").status_code == 404
    assert 'href="/services/video/"' not in client.get("/privacy/").content.decode()


def _my_data(client) -> str:
    response = client.get("/my-data/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_data_links_the_pages_of_the_customers_services_and_a_request_is_prefilled(
    stepped_up_client, customer
):
    """APPI art. 32(1), 37: from "my data" the customer reaches the page of each service
    they use, and a request filed from that page starts with the service chosen."""
    client = stepped_up_client
    client.cookies["django_language"] = "en"
    page = service_page(recipients()["delivery"])
    RegistrationFactory(user=customer, service=page.service)
    response = client.get("/my-data/", follow=True)
    assert 'href="/services/video/"' in response.content.decode()

    # Only the services the customer uses, and what changes shows on the next load.
    other = ServicePage.objects.create(service=ServiceFactory(code="music"), desk_email="m@x.test")
    assert 'href="/services/music/"' not in _my_data(client)
    RegistrationFactory(user=customer, service=other.service)
    assert 'href="/services/music/"' in _my_data(client)
    other.is_published = False
    other.save()
    assert 'href="/services/music/"' not in _my_data(client)
    other.service.name_en = "Music Box"
    other.is_published = True
    other.service.save()
    other.save()
    html = _my_data(client)
    assert ">Music Box</a>" in html and 'href="/services/video/"' in html
    with CaptureQueriesContext(connection) as queries:
        _my_data(client)
    assert not [q for q in queries if "consent_servicepage" in q["sql"]]

    response = client.get("/requests/new/?service=video", follow=True)
    html = response.content.decode()
    assert "A disclosure or a deletion will be about Cinema Plus" in html
    assert 'href="/requests/new/disclosure/?service=video"' in html
    assert 'href="/requests/new/deletion/?service=video"' in html
    # A form without services does not pretend to carry the choice on.
    assert 'href="/requests/new/correction/"' in html
    assert "correction/?service" not in html
    form = client.get("/requests/new/disclosure/?service=video", follow=True).content.decode()
    chosen = re.search(rf'<input[^>]*value="{page.service.pk}"[^>]*>', form).group(0)
    assert "checked" in chosen


@pytest.mark.parametrize("language", ["ja", "en"])
def test_my_data_lists_the_service_pages_in_the_order_of_its_sections(
    stepped_up_client, customer, language
):
    """The line of service pages on "my data" names the services in the order the page
    shows them below (by name in the reader's language), not by internal code."""
    named = [("aaa", "ゆうびん", "Zen Post"), ("zzz", "あおぞら", "Blue Sky")]
    for code, name, name_en in named:
        service = ServiceFactory(code=code, name=name, name_en=name_en)
        ServicePage.objects.create(service=service, desk_email=f"{code}@x.test")
        RegistrationFactory(user=customer, service=service)
    stepped_up_client.cookies["django_language"] = language
    html = _my_data(stepped_up_client)

    links = re.findall(r'<a href="/services/[a-z]+/">([^<]+)</a>', html)
    sections = re.findall(r'<h2 id="[^"]+-title">([^<]+)</h2>', html)
    assert links == [name for name in sections if name in links]
    assert links == (["あおぞら", "ゆうびん"] if language == "ja" else ["Blue Sky", "Zen Post"])


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("ja", "ご利用中の各サービスにおける取扱い：あおぞら"),
        ("en", "How each of your services handles your data: Blue Sky"),
    ],
)
def test_my_data_names_the_service_pages_after_the_languages_colon(
    stepped_up_client, customer, language, line
):
    """「取扱い：あおぞら」 in Japanese, without a space after the full-width colon."""
    service = ServiceFactory(code="sky", name="あおぞら", name_en="Blue Sky")
    ServicePage.objects.create(service=service, desk_email="sky@x.test")
    RegistrationFactory(user=customer, service=service)
    stepped_up_client.cookies["django_language"] = language
    html = _my_data(stepped_up_client)

    paragraph = re.search(r'<p class="small">([^<]*<a href="/services/sky/">.*?)</p>', html, re.S)
    assert re.sub(r"<[^>]+>", "", paragraph.group(1)) == line
