"""Every list of services reads by name in the reader's language, the same on every
page: Japanese names in 50-sound order (hiragana and katakana together, a name in
kanji by the reading the company gives it), English names alphabetically; never by
the internal code."""

import re

import pytest
from django.utils import translation

from consent.models import ServicePage
from portal.kernel.models.services import reading_order
from rights.requesters.staff_forms import StaffEntryForm
from rights.services import request_submit
from rights.summary import request_summary
from tests.factories import RegistrationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

# code, Japanese name, its reading, English name
SERVICES = [
    ("hikari", "ひかり光回線", "ヒカリヒカリカイセン", "Hikari Fibre"),
    ("mobile", "スマイルモバイル", "", "Smile Mobile"),
    ("power", "電力", "デンリョク", "Power"),
    ("video", "シネマプラス", "", "Cinema Plus"),
]
ORDER = {
    # シ, ス, デ, ヒ: kana in 50-sound order; ひかり with the katakana, 電力 by its reading.
    "ja": ["シネマプラス", "スマイルモバイル", "電力", "ひかり光回線"],
    "en": ["Cinema Plus", "Hikari Fibre", "Power", "Smile Mobile"],
}


@pytest.fixture
def services(customer):
    made = []
    for code, name, name_kana, name_en in SERVICES:
        service = ServiceFactory(code=code, name=name, name_kana=name_kana, name_en=name_en)
        RegistrationFactory(user=customer, service=service)
        ServicePage.objects.create(service=service, desk_email=f"{code}@example.com")
        made.append(service)
    return made


def test_the_reading_folds_the_two_kana_width_and_case():
    assert reading_order("ひかり") == reading_order("ヒカリ") == reading_order("ﾋｶﾘ")
    assert reading_order("Ｓｍｉｌｅ") == reading_order("smile")
    assert sorted(["ひかり", "シネマ", "スマイル", "Zen", "アオゾラ"], key=reading_order) == [
        "Zen",
        "アオゾラ",
        "シネマ",
        "スマイル",
        "ひかり",
    ]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("kind", ["disclosure", "deletion"])
def test_a_request_form_offers_the_services_by_name(stepped_up_client, services, language, kind):
    stepped_up_client.cookies["django_language"] = language
    html = stepped_up_client.get(f"/requests/new/{kind}/").content.decode()
    offered = re.findall(
        r'<input type="checkbox" name="services"[^>]*>\s*([^<]+?)\s*</label>', html
    )
    assert offered == ORDER[language]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_my_data_shows_the_services_by_name(stepped_up_client, services, language):
    stepped_up_client.cookies["django_language"] = language
    html = stepped_up_client.get("/my-data/").content.decode()
    sections = re.findall(r'<h2 id="[^"]+-title">([^<]+)</h2>', html)
    assert [name for name in sections if name in ORDER[language]] == ORDER[language]
    links = re.findall(r'<a href="/services/[a-z]+/">([^<]+)</a>', html)
    assert links == ORDER[language]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_privacy_page_links_the_service_pages_by_name(client, services, language):
    client.cookies["django_language"] = language
    html = client.get("/privacy/").content.decode()
    links = re.findall(r'<a href="/services/[a-z]+/">([^<]+)</a>', html)
    assert links == ORDER[language]


@pytest.mark.parametrize(("language", "separator"), [("ja", "、"), ("en", ", ")])
def test_a_requests_summary_names_its_services_by_name(services, language, separator):
    """The summary the customer reviews before filing, and sees on the request's page."""
    with translation.override(language):
        summary = request_summary(kind="deletion", services=services)
    assert separator.join(ORDER[language]) in summary.services


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_staff_entry_form_offers_the_services_by_name(services, language):
    """The form on which staff enter a request received by letter or telephone."""
    with translation.override(language):
        form = StaffEntryForm()
        offered = [str(label) for _value, label in form.fields["services"].choices]
    assert offered == ORDER[language]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    ("changelist", "parameter"),
    [
        ("/admin/rights/rightsrequest/", "service"),
        ("/admin/rights/legalhold/", "service__id__exact"),
    ],
)
def test_staff_filter_lists_by_service_name_in_their_language(
    officer_client, services, language, changelist, parameter
):
    """The request queue's and the legal holds' filter by service (an English page
    showed the Japanese names, in the order of the codes)."""
    officer_client.cookies["django_language"] = language
    html = officer_client.get(changelist).content.decode()
    offered = re.findall(rf'<a href="\?{parameter}=\d+">([^<]+)</a>', html)
    assert offered == ORDER[language]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_dashboard_counts_open_requests_per_service_by_name(
    officer_client, customer, services, language
):
    """The dashboard's "open requests per service" (it showed the Japanese names on the
    English page, sorted by their code points: ひかり光回線 after every katakana name)."""
    request_submit(subject=customer, requester=customer, kind="deletion", services=services)
    request_submit(subject=customer, requester=customer, kind="disclosure", services=services[:1])
    officer_client.cookies["django_language"] = language
    html = officer_client.get("/admin/reports/").content.decode()
    rows = re.findall(r'<a href="[^"]*\?service=\d+">([^<]+)</a></th><td class="num">(\d+)', html)
    hikari = {"ja": "ひかり光回線", "en": "Hikari Fibre"}[language]
    assert rows == [(name, "2" if name == hikari else "1") for name in ORDER[language]]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    ("add_page", "field"),
    [
        ("/admin/rights/legalhold/add/", "service"),
        ("/admin/consent/servicepage/add/", "service"),
        ("/admin/portal/apiclient/add/", "services"),
    ],
)
def test_staff_forms_offer_the_services_by_name(
    officer_client, services, language, add_page, field
):
    """A select menu of services in the admin (a hold's service, a service's page, the
    services an API client acts for): it followed the codes."""
    officer_client.cookies["django_language"] = language
    html = officer_client.get(add_page).content.decode()
    menu = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert menu, f"no menu of services on {add_page}"
    offered = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', menu.group(1))
    assert offered == ORDER[language]
