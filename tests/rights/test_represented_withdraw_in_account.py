"""The person a parent, a guardian or an agent filed a request for sees it in their
account, but does not withdraw it there, as they cannot on the follow page
(``test_public_follow_withdraw.py``): the request is the representative's to withdraw
(APPI art. 37: a minor's legal representative acts in their place). Nor does the
account a request filed without one was matched to, before identity is verified: the
filer may be someone else, and a wrong match would let a stranger withdraw their
request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from rights.choices import Status
from rights.requesters.verification import identity_match_subject, identity_verify
from tests.conftest import step_up
from tests.factories import ProfileFactory

from .identity_support import parents_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

BORN = dt.date.today().replace(year=dt.date.today().year - 14)


@pytest.fixture
def child(db):
    return ProfileFactory(
        user__email="kenta@example.com", full_name="Kenta Yamada", date_of_birth=BORN
    ).user


@pytest.mark.parametrize("verify", [True, False])
def test_appi_art_37_the_child_does_not_withdraw_the_parents_request(
    child, officer, django_capture_on_commit_callbacks, verify
):
    with django_capture_on_commit_callbacks(execute=True):
        request = parents_request(born=BORN)
        identity_match_subject(request=request, subject=child, actor=officer)
        if verify:
            identity_verify(request=request, actor=officer)
    request.refresh_from_db()
    status = request.status
    client = step_up(Client(HTTP_ACCEPT_LANGUAGE="en"), child, django_capture_on_commit_callbacks)

    page = client.get(f"/requests/{request.pk}/")
    assert page.status_code == 200
    assert f"/requests/{request.pk}/withdraw/" not in page.content.decode()
    assert client.get(f"/requests/{request.pk}/withdraw/").status_code == 404
    assert client.post(f"/requests/{request.pk}/withdraw/", {"reason": ""}).status_code == 404
    request.refresh_from_db()
    assert request.status == status != Status.WITHDRAWN
