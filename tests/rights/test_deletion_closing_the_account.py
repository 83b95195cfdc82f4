"""A deletion of everything closes the account: the customer's other open requests stay
open, but the customer can no longer log in to follow them. The customer is told so on
the review page, and staff on the working page and the erasure plan before they confirm
(APPI art. 35; GDPR art. 17). Nothing withdraws or closes the other requests."""

from __future__ import annotations

import re

import pytest

from portal.kernel.roles import SERVICE_HANDLER
from portal.kernel.staff import staff_create
from rights import workflow
from rights.choices import Status
from rights.requesters.filing import Person, Requester, identity_request_file
from rights.requesters.models import Capacity
from rights.requesters.verification import identity_match_subject
from tests.conftest import admin_login
from tests.factories import PASSWORD, RegistrationFactory, ServiceFactory
from tests.intake_support import is_review
from tests.rights.retention_support import customer_with_records, file_deletion, file_disclosure

pytestmark = pytest.mark.django_db

NOT_FOLLOWED = (
    "Once your account is closed, you can no longer log in to follow them, read our "
    "answers or download them."
)
NOT_FOLLOWED_JA = "アカウントを閉鎖すると、ログインしてこれらのご請求の状況を確認することも"
STAFF_CLOSING = (
    "Carrying out this deletion closes the customer's account: they can no longer log in "
    "to follow their requests, read the answers or download them."
)
STAFF_OTHERS = "This customer has other open requests; they stay open:"


def test_the_review_of_a_deletion_that_closes_the_account_lists_the_open_requests(
    stepped_up_client, customer
):
    disclosure = file_disclosure(customer)
    stepped_up_client.cookies["django_language"] = "en"
    review = stepped_up_client.post("/requests/new/deletion/", {"everything": "on"})
    text = review.content.decode()
    assert is_review(review)
    assert "These requests of yours are still open:" in text
    assert f'href="/requests/{disclosure.pk}/"' in text
    assert f"{disclosure.reference}</a> — Disclosure — Submitted" in text
    assert NOT_FOLLOWED in text
    # They are still answered, by e-mail to the account's address.
    assert (
        f"We still answer them and send each answer by e-mail to {customer.email}; the "
        "address is erased only after the last of them." in " ".join(text.split())
    )
    # Filing changes nothing in the other request.
    disclosure.refresh_from_db()
    assert disclosure.status == Status.SUBMITTED


def test_the_japanese_review_lists_them_too(stepped_up_client, customer):
    disclosure = file_disclosure(customer)
    stepped_up_client.cookies["django_language"] = "ja"
    text = stepped_up_client.post("/requests/new/deletion/", {"everything": "on"}).content
    text = text.decode()
    assert "次のご請求は、まだ手続き中です：" in text
    assert f"{disclosure.reference}</a> — " in text
    assert NOT_FOLLOWED_JA in text
    assert f"回答は{customer.email}へメールでお送りします。" in text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_an_open_request_an_agent_filed_names_the_agent_it_is_answered_to(
    stepped_up_client, customer, officer, language
):
    """A request an agent filed for the customer is answered to the agent, the customer
    receiving a copy: the review does not say it is answered to the customer alone."""
    own = file_disclosure(customer)
    agent = "agent@lawyers.example"
    by_agent = identity_request_file(
        kind="disclosure",
        requester=Requester(capacity=Capacity.AGENT, name="A. Agent", email=agent, language="en"),
        person=Person(name="Demo Customer", email=customer.email),
        details="All data, please.",
        uploads=[],
    )
    identity_match_subject(
        request=by_agent, subject=customer, actor=officer, reason="Customer number on the letter."
    )
    stepped_up_client.cookies["django_language"] = language
    review = stepped_up_client.post("/requests/new/deletion/", {"everything": "on"})
    text = " ".join(review.content.decode().split())
    assert is_review(review)
    items = re.findall(r"<li>(.*?)</li>", text.split('id="still-open"')[1].split("</ul>")[0])
    [own_item] = [item for item in items if own.reference in item]
    [agent_item] = [item for item in items if by_agent.reference in item]
    assert agent not in own_item
    expected = {
        "en": f"answered by e-mail to {agent}, with a copy to you",
        "ja": f"回答は{agent}へメールでお送りし、お客様にも写しをお送りします",
    }[language]
    assert expected in agent_item, agent_item
    sentence = {
        "en": f"We still answer them and send each answer by e-mail to {customer.email}; the",
        "ja": f"回答は{customer.email}へメールでお送りします。",
    }[language]
    assert sentence not in text


def test_a_deletion_that_keeps_the_account_says_nothing_of_the_open_requests(
    stepped_up_client, customer
):
    file_disclosure(customer)
    service = ServiceFactory(code="mobile", name="モバイル", name_en="Mobile")
    RegistrationFactory(user=customer, service=service)
    stepped_up_client.cookies["django_language"] = "en"
    review = stepped_up_client.post("/requests/new/deletion/", {"services": [str(service.pk)]})
    text = review.content.decode()
    assert is_review(review)
    assert "These requests of yours are still open:" not in text
    assert NOT_FOLLOWED not in text


def test_with_no_other_open_request_the_review_lists_none(stepped_up_client):
    stepped_up_client.cookies["django_language"] = "en"
    text = stepped_up_client.post("/requests/new/deletion/", {"everything": "on"}).content
    assert "These requests of yours are still open:" not in text.decode()


@pytest.fixture
def closing_deletion(officer):
    customer = customer_with_records()
    disclosure = file_disclosure(customer)
    deletion = file_deletion(customer, scope={"everything": True})
    workflow.transition(deletion, to=Status.IN_REVIEW, actor=officer)
    return deletion, disclosure


def test_the_erasure_plan_tells_staff_of_the_other_open_requests(closing_deletion, officer_client):
    deletion, disclosure = closing_deletion
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/erasure-plan/")
    text = page.content.decode()
    assert STAFF_CLOSING in text
    assert STAFF_OTHERS in text
    link = f'href="/admin/rights/rightsrequest/{disclosure.pk}/change/"'
    assert f"{link}>{disclosure.reference}</a>" in text
    assert "Disclosure" in text and "Submitted" in text
    assert deletion.reference + "</a>" not in text.split(STAFF_OTHERS)[1]
    disclosure.refresh_from_db()
    assert disclosure.status == Status.SUBMITTED


def test_the_working_page_tells_staff_before_the_plan(closing_deletion, officer_client):
    deletion, disclosure = closing_deletion
    officer_client.cookies["django_language"] = "en"
    text = officer_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/change/").content
    text = text.decode()
    assert STAFF_CLOSING in text and STAFF_OTHERS in text
    assert f">{disclosure.reference}</a>" in text


def test_the_japanese_plan_says_it_too(closing_deletion, officer_client):
    deletion, disclosure = closing_deletion
    officer_client.cookies["django_language"] = "ja"
    page = officer_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/erasure-plan/")
    text = page.content.decode()
    assert "この削除を実行すると、顧客のアカウントは閉鎖されます" in text
    assert "この顧客には、ほかに未完了の請求があります。これらは未完了のまま残ります：" in text
    assert f">{disclosure.reference}</a>" in text


def test_a_deletion_that_keeps_the_account_warns_of_no_closing(officer, officer_client):
    customer = customer_with_records()
    file_disclosure(customer)
    deletion = file_deletion(customer, categories=["usage"])
    workflow.transition(deletion, to=Status.IN_REVIEW, actor=officer)
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/erasure-plan/")
    text = page.content.decode()
    assert "Erase as shown" in text
    assert STAFF_CLOSING not in text and STAFF_OTHERS not in text


def test_a_handler_is_told_of_the_requests_they_may_not_open_by_number_only(client, officer):
    """The staff access policy: a request outside the handler's services is counted,
    never described."""
    customer = customer_with_records()
    handler, _device, _ = staff_create(
        email="h@example.com", role=SERVICE_HANDLER, password=PASSWORD
    )
    customer.service_registrations.get().service.handlers.add(handler)
    video = ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")
    RegistrationFactory(user=customer, service=video)
    other = file_disclosure(customer, services=[video])
    deletion = file_deletion(customer, scope={"everything": True})
    workflow.transition(deletion, to=Status.IN_REVIEW, actor=officer)
    handler_client = admin_login(client, handler)
    handler_client.cookies["django_language"] = "en"
    page = handler_client.get(f"/admin/rights/rightsrequest/{deletion.pk}/erasure-plan/")
    text = " ".join(page.content.decode().split())
    assert STAFF_CLOSING in text
    assert "1 more open request that you may not open; its details are not shown." in text
    assert other.reference not in text
    assert f"/{other.pk}/change/" not in text
