"""The pages for a request without an account call the request 「ご請求」 in Japanese,
as the customer's own pages and every notice do; the verb stays on buttons
(「請求する」)."""

import re

import pytest
from django.test import Client

from rights.models import RightsRequest
from rights.requesters.follow_links import follow_token
from tests.conftest import last_code

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

PLAIN = re.compile(r"(?<!ご)(?<!・)(?<!料金の)請求(?!書|する|及び|者)")
MAIN = re.compile(r"<main\b.*?</main>", re.S)
TAGS = re.compile(r"<[^>]+>")
AGENT = "agent@example.com"


def _plain_words(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    text = " ".join(TAGS.sub(" ", MAIN.search(response.content.decode()).group(0)).split())
    return [text[max(0, m.start() - 15) : m.end() + 10] for m in PLAIN.finditer(text)]


def test_the_pages_without_an_account_say_go_seikyu(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    found = {"start": _plain_words(client.get("/requests/start/"))}
    with capture(execute=True):
        client.post("/requests/start/", {"email": AGENT})
    found["code"] = _plain_words(client.get("/requests/start/code/"))
    client.post("/requests/start/code/", {"code": last_code()})
    found["form"] = _plain_words(client.get("/requests/start/request/"))
    with capture(execute=True):
        found["errors"] = _plain_words(
            client.post("/requests/start/request/", agent_form(documents_consent=None))
        )
    confirm_email(client, AGENT, capture, language="ja")
    with capture(execute=True):
        sent = client.post("/requests/start/request/", agent_form())
    assert sent.status_code == 302, sent.status_code
    found["done"] = _plain_words(client.get("/requests/start/done/"))

    filed = RightsRequest.objects.get()
    follow = f"/requests/follow/{follow_token(filed, AGENT)}/"
    visitor = Client(HTTP_ACCEPT_LANGUAGE="ja")
    found["follow, code"] = _plain_words(visitor.get(follow))
    with capture(execute=True):
        visitor.post(follow, {"send": "1"})
    visitor.post(follow, {"code": last_code()})
    found["follow"] = _plain_words(visitor.get(follow))
    found["follow, withdraw"] = _plain_words(visitor.get(f"{follow}withdraw/"))
    wrong = {page: words for page, words in found.items() if words}
    assert wrong == {}, "\n".join(f"{page}: {w}" for page, words in wrong.items() for w in words)


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"unanswered": True},
        {"answered": True, "confirmed": True},
        {"answered": True, "confirmed": False},
        {"invalid": True},
        {"used": True},
        {"expired": True},
    ],
)
def test_the_person_asked_about_an_agent_is_addressed_as_a_customer(rf, state):
    """The page the person opens from 「代理人の選任のご確認」: 「ご請求」 and 「お客様」
    (「あなた」 is not how the portal addresses a customer)."""
    import datetime as dt
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils import translation

    at = dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC)
    context = {
        "req": SimpleNamespace(reference="R-000001", get_kind_display="開示", received_at=at),
        "identity": SimpleNamespace(
            requester_name="佐藤 一郎", subject_confirmed_at=at, subject_denied_at=None
        ),
        "expires_at": at,
        "office_email": "privacy@example.com",
        "office_phone": "03-0000-0000",
        **state,
    }
    request = rf.get("/")
    request.user = SimpleNamespace(is_authenticated=False)
    with translation.override("ja"):
        page = render_to_string("rights/public/confirm_agent.html", context, request=request)
    text = " ".join(TAGS.sub(" ", MAIN.search(page).group(0)).split())
    assert PLAIN.findall(text) == [], text
    assert "あなた" not in text, text
