"""The page a requester without an account follows says what they asked, as the
account holder's request page does: which recipients a stop of provision covers, the
details they wrote (APPI art. 35(3); art. 37: the procedure must not burden the
person, who should not have to remember what they filed)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from rights.choices import Channel, Kind, Regime
from rights.models import RightsRequest
from rights.requesters.filing import Person, Requester
from rights.requesters.models import Capacity
from rights.requesters.staff_entry import staff_request_enter
from rights.retention.scope import requested_scope
from tests.consent_support import recipients

from .identity_support import AGENT, confirm, file_public_request, link_in, notice_to
from .staff_entry_support import customer_fixture, fibre_fixture, mobile_fixture  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_follow_page_names_the_recipient_a_stop_of_provision_covers(
    django_capture_on_commit_callbacks, language
):
    """APPI art. 35(3): the agent asked to stop provision to one recipient; the page
    they follow names it and quotes their note, not the other recipients."""
    affiliate = recipients()["affiliate"]
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = file_public_request(
        visitor,
        AGENT,
        django_capture_on_commit_callbacks,
        kind="stop_provision",
        delivery_method=None,
        recipients=[str(affiliate.pk)],
        details="Please stop sharing with the group company.",
    )
    assert response.status_code == 302, response.content
    filed = RightsRequest.objects.get()
    url = link_in(notice_to(AGENT, filed.reference))
    confirm(visitor, url, django_capture_on_commit_callbacks)

    text = visitor.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert 'id="summary-title"' in text
    assert {
        "en": "For these recipients: Sample Group Sales Co., Ltd.",
        "ja": "次の提供先について：サンプルグループ販売株式会社。",
    }[language] in text
    # The data is the person's, not the agent's: the page does not call it theirs.
    assert "your data" not in text and "お客様のデータ" not in text
    assert recipients_named_once(text, exclude=("Yamato Delivery", "やまと配送"))
    assert "Please stop sharing with the group company." in text


def recipients_named_once(text: str, *, exclude: tuple[str, ...]) -> bool:
    """None of the recipients not asked about is named on the page."""
    return not any(name in text for name in exclude)


def test_a_disclosure_is_not_said_to_cover_only_data_chosen(django_capture_on_commit_callbacks):
    """A disclosure on the public form covers everything: no line says otherwise."""
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    file_public_request(visitor, AGENT, django_capture_on_commit_callbacks)
    filed = RightsRequest.objects.get()
    url = link_in(notice_to(AGENT, filed.reference))
    confirm(visitor, url, django_capture_on_commit_callbacks)

    text = visitor.get(url).content.decode()

    assert 'id="summary-title"' in text and "All data, please." in text
    assert "The data chosen in the request." not in text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_deletion_of_chosen_kinds_is_stored_and_named_on_the_follow_page(
    django_capture_on_commit_callbacks, language
):
    """APPI art. 35(1), GDPR art. 17: a deletion of chosen kinds of data filed without an
    account erases those kinds only (the request keeps them as the customer's forms do),
    and the page the agent follows names them (APPI art. 37: the person need not
    remember what they filed)."""
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = file_public_request(
        visitor,
        AGENT,
        django_capture_on_commit_callbacks,
        kind="deletion",
        delivery_method=None,
        categories=["usage", "contact"],
    )
    assert response.status_code == 302, response.content
    filed = RightsRequest.objects.get()
    assert requested_scope(filed) == (["contact", "usage"], [], False)
    url = link_in(notice_to(AGENT, filed.reference))
    confirm(visitor, url, django_capture_on_commit_callbacks)

    text = visitor.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert "The data chosen in the request." not in text
    assert {
        "en": "These kinds of data: Contact details, Usage history.",
        "ja": "次の種類のデータ：連絡先、利用履歴。",
    }[language] in text


def agents_letter_page(capture, officer, customer, *, services, categories, language) -> str:
    """The follow page, as its agent reads it, of a deletion an agent asked by letter
    (entered by staff) for ``customer``: of ``categories`` in ``services``."""
    with capture(execute=True):
        filed = staff_request_enter(
            subject=customer,
            kind=Kind.DELETION,
            channel=Channel.MAIL,
            received_on=timezone.localdate(),
            regime=Regime.APPI,
            categories=categories,
            scope={"everything": False},
            services=services,
            requester=Requester(capacity=Capacity.AGENT, email=AGENT, language=language),
            person=Person(name="Hanako Yamada", email=customer.email),
            actor=officer,
        )
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    url = link_in(notice_to(AGENT, filed.reference))
    confirm(visitor, url, capture)
    return visitor.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_deletion_naming_only_services_names_them_on_the_follow_page(
    django_capture_on_commit_callbacks, officer, customer, mobile, fibre, language
):
    """APPI art. 35, GDPR art. 17: an agent's letter asks to delete everything in one
    service; the page the agent follows names that service (APPI art. 37: the person
    need not remember what they filed), and not the service left alone."""
    text = agents_letter_page(
        django_capture_on_commit_callbacks,
        officer,
        customer,
        services=[mobile],
        categories=[],
        language=language,
    )

    assert 'id="summary-title"' in text
    assert {
        "en": "For these services: Mobile.",
        "ja": f"次のサービスについて：{mobile.name}。",
    }[language] in text
    assert fibre.display_name not in text and fibre.name not in text


def test_kinds_and_services_chosen_are_both_named_on_the_follow_page(
    django_capture_on_commit_callbacks, officer, customer, mobile, fibre
):
    """A deletion of chosen kinds in chosen services names both."""
    text = agents_letter_page(
        django_capture_on_commit_callbacks,
        officer,
        customer,
        services=[fibre],
        categories=["usage"],
        language="en",
    )

    assert "These kinds of data: Usage history." in text
    assert "For these services: Fibre." in text
