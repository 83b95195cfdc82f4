"""Every form a customer sees carries ``novalidate``: the portal's own messages in words
(tests/test_form_errors_in_words.py) come first, never the browser's "please fill in
this field" bubble.

Each customer page is rendered through the test client and its HTML parsed; a page
without parameters that this list leaves out fails the test, and the forms of the
pages reached only by a link with a token (a download, following a request without
an account, an agent's confirmation) are checked in their templates.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver

from rights.services import request_submit

pytestmark = pytest.mark.django_db

#: Pages anyone may open.
PUBLIC_PAGES = [
    "/accounts/signup/",
    "/accounts/signup/done/",
    "/accounts/login/",
    "/accounts/verify/resend/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/requests/start/",
    "/requests/start/code/",
    "/requests/start/request/",
    "/requests/start/done/",
    "/privacy/",
    "/fees/",
]
#: Pages of a customer who passed the code check (request pages are added below).
CUSTOMER_PAGES = [
    "/",
    "/accounts/code/",
    "/account/",
    "/account/password/",
    "/account/email/",
    "/account/authenticator/",
    "/my-data/",
    "/consent/",
    "/consent/policy/",
    "/requests/",
    "/requests/new/",
]
#: Addresses without parameters that are not pages a customer reads: posted to only,
#: or not the customer's (the language switch, the health check).
NOT_PAGES = {
    "accounts/logout/",
    "accounts/logout/everywhere/",
    "accounts/session/keep/",
    "account/authenticator/remove/",
    "i18n/setlang/",
    "healthz",
    "favicon.ico",
}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms.append(dict(attrs))


def _forms(response) -> list[dict[str, str | None]]:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def _assert_novalidate(response, url):
    forms = _forms(response)
    assert forms, f"{url}: no form (the language switch is on every page)"
    missing = [form for form in forms if "novalidate" not in form]
    assert not missing, f"{url}: forms without novalidate: {missing}"


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_form_of_a_public_page_carries_novalidate(client, url):
    _assert_novalidate(client.get(url, follow=True), url)


def _request_pages(client, customer) -> list[str]:
    """The forms of each kind of request, and a filed request's page and withdrawal."""
    page = client.get("/requests/new/").content.decode()
    kinds = sorted(set(re.findall(r'href="(/requests/new/[a-z_]+/)"', page)))
    assert kinds, "no kinds of request offered"
    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    return [*kinds, f"/requests/{request.pk}/", f"/requests/{request.pk}/withdraw/"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_form_of_a_customers_page_carries_novalidate(stepped_up_client, customer, language):
    stepped_up_client.cookies["django_language"] = language
    for url in [*CUSTOMER_PAGES, *_request_pages(stepped_up_client, customer)]:
        _assert_novalidate(stepped_up_client.get(url, follow=True), url)


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def test_every_page_without_parameters_is_checked():
    """A new customer page joins one of the lists above, or the test fails."""
    checked = {url.lstrip("/") for url in PUBLIC_PAGES + CUSTOMER_PAGES}
    unchecked = {
        route
        for route in _routes(get_resolver().url_patterns)
        if not re.search(r"[<^(]", route)
        and not route.startswith(("admin/", "api/", "payments/", "connectors/"))
        and route not in checked | NOT_PAGES
    }
    assert not unchecked


def _customer_templates() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [
        Path(settings.BASE_DIR) / app / "templates" for app in ("portal", "rights", "consent")
    ]
    return sorted(
        path
        for root in roots
        if root.is_dir()
        for path in root.rglob("*.html")
        if "admin" not in path.relative_to(root).parts
    )


def test_every_form_in_a_customer_template_carries_novalidate():
    """Also the pages reached by a link with a token, which the pages above do not reach."""
    templates = _customer_templates()
    assert any(p.name == "download.html" for p in templates)
    missing = [
        f"{path}: {tag}"
        for path in templates
        for tag in re.findall(r"<form\b[^>]*>", path.read_text(encoding="utf-8"))
        if "novalidate" not in tag
    ]
    assert not missing
