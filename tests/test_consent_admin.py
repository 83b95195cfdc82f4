"""Staff screens: evidence is read-only, new evidence goes through the services."""

import datetime

import pytest
from django.contrib.auth.models import Group

from consent import services
from consent.models import (
    AuthorityRequest,
    ConsentRecord,
    PolicyVersion,
    ProcessingRestriction,
    ProvisionRecord,
)
from portal.kernel.models import AuditEvent
from portal.kernel.roles import AUDITOR
from tests.conftest import admin_login
from tests.consent_support import new_policy_version, purpose, recipients
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(customer):
    return services.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )[0]


def test_consent_records_cannot_be_added_changed_or_deleted_even_by_direct_post(
    officer_client, record
):
    base = "/admin/consent/consentrecord/"
    assert officer_client.get(base).status_code == 200
    page = officer_client.get(f"{base}{record.pk}/change/")
    assert page.status_code == 200  # viewing is allowed
    assert 'name="_save"' not in page.content.decode()

    response = officer_client.post(
        f"{base}{record.pk}/change/", {"action": "withdrawn", "note": "edited"}
    )
    assert response.status_code == 403
    response = officer_client.post(f"{base}{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = officer_client.post(
        f"{base}add/", {"subject": record.subject_id, "action": "granted"}
    )
    assert response.status_code == 403
    response = officer_client.post(
        base, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )
    assert ConsentRecord.objects.filter(pk=record.pk).exists()
    stored = ConsentRecord.objects.get(pk=record.pk)
    assert (stored.action, stored.note) == (ConsentRecord.Action.GRANTED, "")


def test_provision_records_and_authority_requests_cannot_be_changed_or_deleted(
    officer_client, customer, officer
):
    to = recipients()
    provision = services.provision_record_create(
        subject=customer,
        recipient=to["delivery"],
        provided_on=datetime.date.today(),
        data_items="name, address",
        ground=ProvisionRecord.Ground.OUTSOURCING,
    )
    request = services.authority_request_record(
        subject=customer,
        body_kind=AuthorityRequest.Body.POLICE,
        requesting_body="Shibuya Police Station",
        legal_basis="Code of Criminal Procedure Art. 197(2)",
        received_on=datetime.date.today(),
        decision=AuthorityRequest.Decision.PROVIDED,
        data_provided="name, phone",
        approved_by=officer,
    )
    for url in [
        f"/admin/consent/provisionrecord/{provision.pk}/",
        f"/admin/consent/authorityrequest/{request.pk}/",
    ]:
        assert officer_client.post(f"{url}change/", {"data_items": "x"}).status_code == 403
        assert officer_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert ProvisionRecord.objects.get(pk=provision.pk).data_items == "name, address"
    assert AuthorityRequest.objects.filter(pk=request.pk).exists()


def test_a_paper_consent_is_entered_as_a_new_record_by_staff(officer_client, officer, customer):
    page = officer_client.get("/admin/consent/consentrecord/")
    assert "/admin/consent/consentrecord/paper/" in page.content.decode()
    response = officer_client.post(
        "/admin/consent/consentrecord/paper/",
        {
            "customer": customer.email.upper(),
            "purpose": purpose("marketing").pk,
            "action": "granted",
            "language": "ja",
            "note": "signed 2026-11-20, binder B-12",
        },
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get(subject=customer)
    assert record.method == ConsentRecord.Method.STAFF_PAPER
    assert record.recorded_by == officer
    assert record.ip_address is None and record.note == "signed 2026-11-20, binder B-12"
    assert services.may_use(customer, "marketing")
    assert AuditEvent.objects.filter(action="consent.paper_recorded", actor=officer).exists()


def test_the_same_paper_form_sent_twice_is_recorded_once(officer_client, officer, customer):
    """A double click on 「保存」 wrote two identical records of one paper form; the
    consent history then showed the customer consenting twice (APPI art. 27, GDPR
    art. 7(1): the record proves what the customer did, once)."""
    form = {
        "customer": customer.email,
        "purpose": purpose("marketing").pk,
        "action": "granted",
        "language": "ja",
        "note": "signed 2026-11-20, binder B-12",
    }
    url = "/admin/consent/consentrecord/paper/"
    assert officer_client.post(url, form).status_code == 302
    response = officer_client.post(url, form, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "This paper form was already recorded; nothing was added." in response.content.decode()
    assert ConsentRecord.objects.filter(subject=customer).count() == 1
    assert AuditEvent.objects.filter(action="consent.paper_recorded").count() == 1

    # Another form (withdrawal, then a new consent) is recorded, each once.
    assert (
        officer_client.post(url, {**form, "action": "withdrawn", "note": "B-13"}).status_code == 302
    )
    assert officer_client.post(url, form).status_code == 302
    assert ConsentRecord.objects.filter(subject=customer).count() == 3
    assert services.may_use(customer, "marketing")


def test_the_paper_form_refuses_bad_input_and_changes_nothing(officer_client, customer):
    response = officer_client.post(
        "/admin/consent/consentrecord/paper/",
        {
            "customer": customer.email,
            "purpose": purpose("marketing").pk,
            "policy_version": PolicyVersion.objects.get(version="1").pk,
            "action": "granted",
            "language": "ja",
            "note": "x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    response = officer_client.post(
        "/admin/consent/consentrecord/paper/",
        {"customer": "nobody@example.com", "action": "granted", "language": "ja", "note": "x"},
    )
    assert response.context["form"].errors["customer"]
    assert not ConsentRecord.objects.exists()


def test_the_paper_form_refuses_a_policy_version_not_in_force(officer_client, customer):
    """As on the customer's own page: a version is accepted once it is in force."""
    upcoming = new_policy_version(material=True, ago=-86_400_000)  # in force tomorrow
    response = officer_client.post(
        "/admin/consent/consentrecord/paper/",
        {
            "customer": customer.email,
            "policy_version": upcoming.pk,
            "action": "granted",
            "language": "en",
            "note": "signed 2026-11-20, binder B-12",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "not in force yet" in str(response.context["form"].errors["policy_version"])
    assert not ConsentRecord.objects.exists()


def test_an_auditor_sees_records_but_cannot_enter_paper_consents(client, record):
    auditor = UserFactory(is_staff=True)
    auditor.groups.add(Group.objects.get(name=AUDITOR))
    admin_login(client, auditor)
    assert client.get("/admin/consent/consentrecord/").status_code == 200
    assert client.get("/admin/consent/consentrecord/paper/").status_code == 403
    assert client.post("/admin/consent/processingrestriction/add/", {}).status_code == 403


def _provision_form(customer, recipient, ground="consent", note=""):
    return {
        "provided_on": "2026-11-20",
        "recipient": recipient.pk,
        "subject": customer.pk,
        "data_items": "name, e-mail address",
        "ground": ground,
        "note": note,
    }


def test_admin_refuses_a_provision_record_for_a_restricted_pair(officer_client, customer):
    to = recipients()
    services.consent_update(
        subject=customer,
        choices={purpose("marketing"): True},
        method=ConsentRecord.Method.DASHBOARD,
    )
    response = officer_client.post(
        "/admin/consent/processingrestriction/add/",
        {
            "subject": customer.pk,
            "scope": "provision",
            "recipient": to["affiliate"].pk,
            "starts_at_0": "2020-01-01",
            "starts_at_1": "00:00:00",
            "source": "staff",
            "reason": "Customer asked by phone",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    restriction = ProcessingRestriction.objects.get(subject=customer)
    assert AuditEvent.objects.filter(action="consent.restriction_created").exists()

    response = officer_client.post(
        "/admin/consent/provisionrecord/add/", _provision_form(customer, to["affiliate"])
    )
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "サンプルグループ販売株式会社 へのデータ提供の停止" in errors
    assert not ProvisionRecord.objects.exists()

    response = officer_client.post(
        "/admin/consent/processingrestriction/",
        {"action": "end_now", "_selected_action": [restriction.pk]},
    )
    assert response.status_code == 302
    response = officer_client.post(
        "/admin/consent/provisionrecord/add/", _provision_form(customer, to["affiliate"])
    )
    assert response.status_code == 302
    record = ProvisionRecord.objects.get()
    assert record.recipient == to["affiliate"] and record.recorded_by.email == "po@example.com"


def test_policy_versions_in_force_are_read_only(officer_client):
    version = PolicyVersion.objects.get(version="1")
    url = f"/admin/consent/policyversion/{version.pk}/"
    assert officer_client.post(f"{url}change/", {"version": "1x"}).status_code == 403
    assert officer_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    response = officer_client.post(
        "/admin/consent/policyversion/add/",
        {
            "version": "2",
            "effective_at_0": "2099-01-01",
            "effective_at_1": "00:00:00",
            "is_material": "on",
            "text_ja": "第2版",
            "text_en": "Version 2",
        },
    )
    assert response.status_code == 302
    assert PolicyVersion.objects.get(version="2").is_material
    assert AuditEvent.objects.filter(action="consent.policy_version_saved").exists()


def test_a_provision_record_names_the_kinds_of_data_provided(officer_client, customer):
    """APPI art. 29: the record says what was provided; ticking the kinds lets an
    erasure or correction of other kinds skip this recipient (GDPR art. 19)."""
    to = recipients()
    form = _provision_form(customer, to["delivery"], ground="outsourcing")
    form["categories"] = ["identity", "contact"]
    response = officer_client.post("/admin/consent/provisionrecord/add/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = ProvisionRecord.objects.get()
    assert record.categories == ["identity", "contact"]
    page = officer_client.get(f"/admin/consent/provisionrecord/{record.pk}/change/")
    assert "Identity, Contact details" in page.content.decode() or (
        "氏名などの基本情報、連絡先" in page.content.decode()
    )
    assert "&quot;identity&quot;" not in page.content.decode()

    form["categories"] = ["not-a-kind"]
    response = officer_client.post("/admin/consent/provisionrecord/add/", form)
    assert response.status_code == 200
    assert "categories" in response.context["adminform"].form.errors
    assert ProvisionRecord.objects.count() == 1
