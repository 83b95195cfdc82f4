"""Issue 20, acceptance 2, for the pages of someone without an account: the public
form's steps and the follow page, in Japanese and in English."""

import pytest
from django.core import mail
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.verification import identity_verify
from tests.conftest import last_code
from tests.language_leaks import leaks, visible_text

from .identity_support import LINK, agent_form

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

AGENT = "agent@lawyers.example"
#: What the agent typed, in the page's language.
TYPED = {
    "ja": {"requester_name": "弁護士 佐藤 一郎", "subject_name": "山田 花子", "details": "すべて"},
    "en": {"requester_name": "Ichiro Sato", "subject_name": "Hanako Yamada", "details": "All"},
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_public_form_and_follow_page_in_the_readers_language(
    language, officer, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    visitor.cookies["django_language"] = language
    found = {}

    def check(label, response):
        assert response.status_code == 200, (label, response.status_code)
        found[label] = leaks(visible_text(response.content.decode()), language)

    check("start", visitor.get("/requests/start/"))
    with capture(execute=True):
        visitor.post("/requests/start/", {"email": AGENT})
    check("code", visitor.get("/requests/start/code/"))
    visitor.post("/requests/start/code/", {"code": last_code()})
    check("form", visitor.get("/requests/start/request/"))
    with capture(execute=True):
        response = visitor.post("/requests/start/request/", agent_form(**TYPED[language]))
    assert response.status_code == 302
    check("done", visitor.get(response.url))

    request = RightsRequest.objects.get()
    with capture(execute=True):
        identity_verify(request=request, actor=officer, no_customer=True)
    url = "/" + LINK.search(mail.outbox[-1].body).group(0).split("/", 3)[3]
    check("follow (before the code)", visitor.get(url))
    with capture(execute=True):
        visitor.post(url, {"send": "1"})
    visitor.post(url, {"code": last_code()})
    followed = visitor.get(url)
    check("follow", followed)
    assert 'id="progress-title"' in followed.content.decode()  # past the code: the request
    bad = {label: items for label, items in found.items() if items}
    assert not bad, bad
