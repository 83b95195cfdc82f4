"""A session key planted before the public form's code step is worth nothing after it.

Passing the code proves the e-mail address: the session then may file a request in
that address's name (and its follow link goes there). A key planted on the visitor
beforehand (a shared computer, a cookie set by a sibling site) must not carry that
proof, as the customer's login and code step and the follow page's code do not.
"""

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import last_code

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "visitor@example.com"


def test_the_session_key_changes_when_the_public_code_is_accepted(
    django_capture_on_commit_callbacks,
):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/requests/start/", {"email": EMAIL})
    assert mail.outbox[-1].to == [EMAIL]
    planted = visitor.session.session_key
    copy = Client(HTTP_ACCEPT_LANGUAGE="en")
    copy.cookies = visitor.cookies.__class__(visitor.cookies)

    response = visitor.post("/requests/start/code/", {"code": last_code()})

    assert response.status_code == 302 and response.url == "/requests/start/request/"
    assert visitor.session.session_key != planted
    assert visitor.get("/requests/start/request/").status_code == 200
    # The copy made before the code holds no confirmed address: it is sent to the start.
    page = copy.get("/requests/start/request/")
    assert page.status_code == 302 and page.url == "/requests/start/"
