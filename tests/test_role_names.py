"""Staff roles read in the reader's language wherever the admin shows them: the role
groups' list, the user list's filter and the roles offered on a user's page. The
groups keep their stored English names, by which the code finds them."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from portal.kernel.roles import AUDITOR, PRIVACY_OFFICER, ROLES, SERVICE_HANDLER
from tests.conftest import staff_logged_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JAPANESE = {
    PRIVACY_OFFICER: "個人情報保護責任者",
    SERVICE_HANDLER: "サービス担当者",
    AUDITOR: "監査担当者",
}
USERS = "/admin/portal/user/"


def _in_japanese(client):
    client.cookies["django_language"] = "ja"
    return client


def _emails(response):
    return {user.email for user in response.context["cl"].result_list}


def test_the_role_groups_list_names_each_role_in_japanese(officer_client):
    page = _in_japanese(officer_client).get("/admin/auth/group/").content.decode()
    for name in ROLES:
        assert f">{JAPANESE[name]}</a>" in page
        assert f">{name}</a>" not in page
    # The groups themselves keep the names the code looks them up by.
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_an_auditor_reads_the_role_groups_and_a_handler_does_not(client):
    auditor_client, _ = staff_logged_in(client, AUDITOR)
    assert auditor_client.get("/admin/auth/group/").status_code == 200
    handler_client, _ = staff_logged_in(Client(), SERVICE_HANDLER)
    assert handler_client.get("/admin/auth/group/").status_code == 403


def test_the_user_list_filters_by_role_named_in_japanese(officer_client, officer):
    customer = UserFactory(email="customer@example.com")
    _handler_client, handler = staff_logged_in(Client(), SERVICE_HANDLER)
    client = _in_japanese(officer_client)
    page = client.get(USERS).content.decode()
    choices = re.findall(r'href="\?role=[^"]*"[^>]*>([^<]+)</a>', page)
    assert choices == [*JAPANESE.values(), "スタッフの役割なし"], choices
    assert "privacy officer" not in page and "service handler" not in page

    assert _emails(client.get(USERS, {"role": SERVICE_HANDLER})) == {handler.email}
    assert _emails(client.get(USERS, {"role": PRIVACY_OFFICER})) == {officer.email}
    assert customer.email in _emails(client.get(USERS, {"role": "none"}))
    assert not _emails(client.get(USERS, {"role": "none"})) & {officer.email, handler.email}
    # A role the portal does not have: the admin's "cannot apply this filter" page.
    refused = client.get(USERS, {"role": "superhero"})
    assert refused.status_code == 302 and refused["Location"].endswith("?e=1")


def test_a_users_page_offers_the_roles_by_their_japanese_names(officer_client):
    _handler_client, handler = staff_logged_in(Client(), SERVICE_HANDLER)
    page = _in_japanese(officer_client).get(f"{USERS}{handler.pk}/change/").content.decode()
    group = Group.objects.get(name=SERVICE_HANDLER)
    assert re.search(rf'<option value="{group.pk}"[^>]*>サービス担当者</option>', page), page
    assert ">service handler</option>" not in page


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_roles_page_names_the_role_in_its_title_heading_and_breadcrumbs(officer_client, language):
    name = JAPANESE[SERVICE_HANDLER] if language == "ja" else SERVICE_HANDLER
    group = Group.objects.get(name=SERVICE_HANDLER)
    officer_client.cookies["django_language"] = language
    page = officer_client.get(f"/admin/auth/group/{group.pk}/change/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)[1].strip()
    assert title.startswith(f"{name} | "), title
    assert f"<h2>{name}</h2>" in page
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', page, re.S)[1]
    assert crumbs.rstrip().endswith(f"&rsaquo; {name}"), crumbs
