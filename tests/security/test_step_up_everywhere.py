"""Every page and download with personal data needs a code check within the last
``STEP_UP_MAX_AGE`` seconds (APPI art. 23, security control measures): a session that
knows only the password, or whose check ran out, is sent to the code page, whatever
the method and whether or not the ids exist. Every address of the customer pages
is listed here, so a new one must be placed on one side or the other."""

from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.stepup_support import check_runs_out

pytestmark = pytest.mark.django_db

TOKEN = "a" * 40

#: (URL name, kwargs): the pages behind the code check.
STEP_UP = [
    ("portal:account", {}),
    ("portal:my_data", {}),
    ("portal:password_change", {}),
    ("portal:email_change", {}),
    ("portal:totp_setup", {}),
    ("portal:totp_remove", {}),
    ("consent:dashboard", {}),
    ("rights:request_list", {}),
    ("rights:request_new", {}),
    ("rights:request_create", {"kind": "disclosure"}),
    ("rights:request_detail", {"pk": 1}),
    ("rights:request_withdraw", {"pk": 1}),
    ("rights:receipt", {"pk": 1}),
    ("rights:attachment", {"pk": 1, "message_pk": 1}),
    ("rights:identity_document", {"pk": 1, "document_pk": 1}),
    ("disclosure_download", {"token": TOKEN}),
]

#: Names of the namespaces' pages open without a code check, and why.
WITHOUT_STEP_UP = {
    # Before or around the login, and the code page itself.
    "portal:home",
    "portal:signup",
    "portal:signup_done",
    "portal:verify_email",
    "portal:resend_verification",
    "portal:login",
    "portal:logout",
    "portal:logout_everywhere",
    "portal:step_up",
    "portal:password_reset",
    "portal:password_reset_done",
    "portal:password_reset_confirm",
    # Reached from the link mailed to the new address; the change itself was asked
    # for behind the code check.
    "portal:email_change_confirm",
    # Restarts the idle time of the session and shows nothing (the idle warning's
    # "Stay logged in"); the next page asks for the code if it is due.
    "portal:session_keep",
    # A member of staff's authenticator set-up: the officer's single-use link and the
    # member's password; no customer data.
    "portal:staff_enrol",
    # Public pages, and the policy every logged-in person must be able to read.
    "consent:privacy",
    "consent:service_page",
    "consent:policy",
}

CUSTOMER_NAMESPACES = ("portal", "consent", "rights")


def _names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and namespace in CUSTOMER_NAMESPACES:
            yield f"{namespace}:{pattern.name}"


def test_every_customer_page_is_placed_on_one_side():
    listed = {name for name, _kwargs in STEP_UP} | WITHOUT_STEP_UP
    assert set(_names(get_resolver().url_patterns)) - listed == set()


def _assert_sent_to_the_code_page(client, url):
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (method.__name__, url)
        assert response.url == f"/accounts/code/?next={quote(url, safe='')}", url


@pytest.mark.parametrize(("name", "kwargs"), STEP_UP)
def test_a_password_alone_opens_none_of_them(client, customer, name, kwargs):
    client.force_login(customer)
    _assert_sent_to_the_code_page(client, reverse(name, kwargs=kwargs))


@pytest.mark.parametrize(("name", "kwargs"), STEP_UP)
def test_a_check_that_ran_out_opens_none_of_them(stepped_up_client, name, kwargs):
    check_runs_out(stepped_up_client)
    _assert_sent_to_the_code_page(stepped_up_client, reverse(name, kwargs=kwargs))
