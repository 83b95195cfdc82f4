"""Staff subject lookup in the admin: search, the audited data view, service scoping."""

import datetime

import pytest
from django.contrib.auth.models import Group

from portal.kernel.models import AuditEvent
from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, SERVICE_HANDLER
from tests.conftest import staff_logged_in
from tests.factories import (
    InvoiceFactory,
    ProfileFactory,
    RegistrationFactory,
    ServiceFactory,
    UsageRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def services():
    mobile = ServiceFactory(code="mobile", name="スマイルモバイル", name_en="Smile Mobile")
    video = ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")
    return mobile, video


@pytest.fixture
def subject(services):
    mobile, video = services
    user = ProfileFactory(
        full_name="佐藤 健一",
        full_name_kana="サトウ ケンイチ",
        phone="090-1234-5678",
        user__email="kenichi@example.com",
    ).user
    RegistrationFactory(user=user, service=mobile, member_number="M-MOBILE-1")
    RegistrationFactory(user=user, service=video, member_number="M-VIDEO-1")
    InvoiceFactory(user=user, service=mobile, number="INV-MOBILE-1")
    InvoiceFactory(user=user, service=video, number="INV-VIDEO-1")
    UsageRecordFactory(user=user, service=video, detail="視聴した作品")
    return user


@pytest.fixture
def video_only_customer(services):
    _mobile, video = services
    user = ProfileFactory(full_name="Olivia Wilson", user__email="olivia@example.com").user
    RegistrationFactory(user=user, service=video, member_number="M-VIDEO-2")
    return user


@pytest.mark.parametrize(
    "query", ["KENICHI@example.com", "09012345678", "+81 90 1234 5678", "佐藤健一", "サトウ"]
)
def test_officer_finds_a_subject_by_email_phone_or_name_and_the_search_is_audited(
    client, subject, query
):
    client, officer = staff_logged_in(client, PRIVACY_OFFICER)
    response = client.get("/admin/portal/user/subjects/", {"q": query})
    assert response.status_code == 200
    assert list(response.context["results"]) == [subject]
    html = response.content.decode()
    assert f"/admin/portal/user/{subject.pk}/personal-data/" in html
    event = AuditEvent.objects.get(action="staff.viewed_search_result")
    assert event.actor == officer and event.subject_id == subject.pk
    assert event.details == {"results": 1}
    assert query.lower() not in str(event.details).lower()


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("ja", "シネマプラス（終了）、スマイルモバイル"),
        ("en", "Cinema Plus (ended), Smile Mobile"),
    ],
)
def test_the_lookup_names_a_customers_services_by_name_as_my_data_does(
    client, subject, language, names
):
    """By name in the reader's language (Cinema Plus before Smile Mobile), not by code
    (mobile before video), as a list of that language: 「シネマプラス（終了）、…」, not
    「シネマプラス (終了), …」."""
    subject.service_registrations.filter(service__code="video").update(
        ended_on=datetime.date(2026, 3, 31)
    )
    client, _officer = staff_logged_in(client, PRIVACY_OFFICER)
    client.cookies["django_language"] = language
    page = client.get("/admin/portal/user/subjects/", {"q": "kenichi@example.com"})
    assert f"<td>{names}</td>" in page.content.decode()


def test_officer_sees_all_of_a_subjects_data_and_the_view_is_audited(client, subject):
    client, officer = staff_logged_in(client, PRIVACY_OFFICER)
    response = client.get(f"/admin/portal/user/{subject.pk}/personal-data/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "佐藤 健一",
        "090-1234-5678",
        "M-MOBILE-1",
        "INV-MOBILE-1",
        "INV-VIDEO-1",
        "視聴した作品",
    ]:
        assert text in html, text
    event = AuditEvent.objects.get(action="staff.viewed_personal_data")
    assert event.actor == officer and event.subject_id == subject.pk
    assert event.details == {
        "scope": "all",
        "services": ["mobile", "video"],
    }


def test_viewing_the_user_change_form_is_audited(client, subject):
    client, officer = staff_logged_in(client, PRIVACY_OFFICER)
    response = client.get(f"/admin/portal/user/{subject.pk}/change/")
    assert response.status_code == 200
    assert f"/admin/portal/user/{subject.pk}/personal-data/" in response.content.decode()
    event = AuditEvent.objects.get(action="staff.viewed_user")
    assert (event.subject_id, event.details) == (subject.pk, {"screen": "change"})


def test_auditor_sees_every_service(client, subject):
    client, _auditor = staff_logged_in(client, AUDITOR)
    html = client.get(f"/admin/portal/user/{subject.pk}/personal-data/").content.decode()
    assert "INV-MOBILE-1" in html and "INV-VIDEO-1" in html


def test_a_service_handler_sees_only_the_services_assigned_to_them(
    client, services, subject, video_only_customer
):
    mobile, video = services
    client, handler = staff_logged_in(client, SERVICE_HANDLER)
    mobile.handlers.add(handler)

    # The lookup finds only customers registered with the handler's services.
    found = client.get("/admin/portal/user/subjects/", {"q": "kenichi@example.com"})
    assert list(found.context["results"]) == [subject]
    assert "シネマプラス" not in found.content.decode()  # the other service's registration
    not_found = client.get("/admin/portal/user/subjects/", {"q": "olivia@example.com"})
    assert list(not_found.context["results"]) == []

    # The data view shows the mobile service only: no video, nothing tied to no service.
    response = client.get(f"/admin/portal/user/{subject.pk}/personal-data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "M-MOBILE-1" in html and "INV-MOBILE-1" in html
    for hidden in ["M-VIDEO-1", "INV-VIDEO-1", "視聴した作品", "090-1234-5678"]:
        assert hidden not in html, hidden
    event = AuditEvent.objects.get(action="staff.viewed_personal_data")
    assert event.details["scope"] == "assigned services"
    assert event.details["services"] == ["mobile"]

    # A customer of other services is not there at all, in the lookup or the user admin.
    assert (
        client.get(f"/admin/portal/user/{video_only_customer.pk}/personal-data/").status_code == 404
    )
    assert client.get(f"/admin/portal/user/{video_only_customer.pk}/change/").status_code == 404
    changelist = client.get("/admin/portal/user/")
    assert list(changelist.context["cl"].result_list) == [subject]
    assert AuditEvent.objects.filter(action="staff.viewed_personal_data").count() == 1
    assert not AuditEvent.objects.filter(subject=video_only_customer).exists()


def test_the_responsible_staff_member_counts_as_assigned(client, services, subject):
    _mobile, video = services
    client, handler = staff_logged_in(client, SERVICE_HANDLER)
    video.responsible = handler
    video.save()
    html = client.get(f"/admin/portal/user/{subject.pk}/personal-data/").content.decode()
    assert "INV-VIDEO-1" in html and "INV-MOBILE-1" not in html
    services_page = client.get("/admin/portal/service/")
    assert [s.code for s in services_page.context["cl"].result_list] == ["video"]


def test_customers_and_staff_without_otp_cannot_use_the_lookup(client, customer, subject):
    client.force_login(customer)
    assert client.get("/admin/portal/user/subjects/?q=kenichi@example.com").status_code == 302
    staff = ProfileFactory(user__is_staff=True).user
    staff.groups.add(Group.objects.get(name=PRIVACY_OFFICER))
    client.force_login(staff)  # password only, no one-time code
    assert client.get(f"/admin/portal/user/{subject.pk}/personal-data/").status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="staff.viewed_").exists()


def test_an_empty_search_shows_the_form_without_results(client, subject):
    client, _officer = staff_logged_in(client, PRIVACY_OFFICER)
    response = client.get("/admin/portal/user/subjects/")
    assert response.status_code == 200 and response.context["results"] is None
    response = client.get("/admin/portal/user/subjects/", {"q": "nobody@example.com"})
    assert response.context["results"] == []
