"""Corporate customers: answers about the organisation's account may go to employees
within the same corporation (the privacy policy; APPI art. 27(1), 37); a member's own
personal data never does."""

import pytest
from django.core import mail

from rights import workflow
from rights.choices import Kind, Status
from rights.models import Organisation, OrganisationMember, RightsRequest
from rights.selectors import MEMBER, customer_role, request_view
from rights.services import request_submit
from tests.conftest import last_code
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    """An organisation with three members; the second is its designated contact."""
    organisation = Organisation.objects.create(name="株式会社サンプル商事")
    people = [ProfileFactory(user__language="en").user for _ in range(3)]
    for person in people:
        OrganisationMember.objects.create(organisation=organisation, user=person)
    organisation.contact = people[1]
    organisation.save()
    return organisation, people


def _complete(request, officer, capture):
    """Staff answer: here a refusal with its reason (an outcome notice)."""
    with capture(execute=True):
        workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
        workflow.transition(
            request,
            to=Status.REJECTED,
            actor=officer,
            reason="The notice was sent last week.",
            ground="other",
        )


def test_an_answer_about_the_organisations_account_reaches_its_members_appi_art_37(
    company, officer, client, django_capture_on_commit_callbacks
):
    """The policy (APPI art. 37, the company's procedure): a request about the corporate
    account is answered to the designated contact too, and every member reads the
    answers, but not the documents, the thread or the download."""
    organisation, (filer, contact, colleague) = company
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            subject=filer,
            requester=filer,
            kind=Kind.PURPOSE_NOTICE,
            organisation=organisation,
        )
    mail.outbox.clear()
    _complete(request, officer, django_capture_on_commit_callbacks)
    # Status changes and the outcome: each mail goes to the filer or the contact.
    assert {m.to[0] for m in mail.outbox} == {filer.email, contact.email}

    assert RightsRequest.objects.for_customer(colleague).filter(pk=request.pk).exists()
    assert customer_role(request, colleague) == MEMBER
    view = request_view(request, MEMBER)
    assert {n.kind for n in view.notices} >= {"received", "rejected"}
    assert not view.delivery and not view.details and not view.documents
    assert not view.can_write and view.timeline == []

    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    assert client.post("/accounts/code/", {"token": last_code(), "verify": "1"}).status_code == 302
    client.cookies["django_language"] = "en"
    page = client.get(f"/requests/{request.pk}/")
    assert page.status_code == 200
    assert "The notice was sent last week." in page.content.decode()
    assert request.reference in client.get("/requests/").content.decode()


def test_a_members_own_request_is_never_seen_by_the_other_members_appi_art_27_1(
    company, officer, client, django_capture_on_commit_callbacks
):
    """APPI art. 27(1): a member's own personal data is not provided to colleagues: their
    own request is neither listed nor shown to other members, and its answer goes to the
    member alone, never to the designated contact."""
    organisation, (filer, contact, colleague) = company
    with django_capture_on_commit_callbacks(execute=True):
        own = request_submit(subject=filer, requester=filer, kind=Kind.PURPOSE_NOTICE)
    mail.outbox.clear()
    _complete(own, officer, django_capture_on_commit_callbacks)
    assert mail.outbox and {tuple(m.to) for m in mail.outbox} == {(filer.email,)}
    for other in (contact, colleague):
        assert not RightsRequest.objects.for_customer(other).filter(pk=own.pk).exists()
        assert customer_role(own, other) is None


def test_only_a_member_files_about_the_organisations_account(company):
    """APPI art. 37: an outsider cannot open a request whose answer the members read."""
    organisation, _members = company
    outsider = ProfileFactory().user
    with pytest.raises(ValueError, match="Only a member"):
        request_submit(
            subject=outsider, requester=outsider, kind=Kind.DISCLOSURE, organisation=organisation
        )
    assert not RightsRequest.objects.exists()


def test_a_contact_who_left_the_organisation_receives_nothing(
    company, officer, django_capture_on_commit_callbacks
):
    """A former employee named as contact is no longer within the corporation."""
    organisation, (filer, contact, _colleague) = company
    OrganisationMember.objects.filter(organisation=organisation, user=contact).delete()
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            subject=filer, requester=filer, kind=Kind.PURPOSE_NOTICE, organisation=organisation
        )
    mail.outbox.clear()
    _complete(request, officer, django_capture_on_commit_callbacks)
    assert mail.outbox and {tuple(m.to) for m in mail.outbox} == {(filer.email,)}
