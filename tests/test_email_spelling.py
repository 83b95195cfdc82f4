"""A wrong e-mail address is refused in the site's spelling: "e-mail", as every other
text of the portal writes it, not Django's "email"."""

import html
import io
import re

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.kernel.models import User
from portal.kernel.typed_email import TypedEmailField
from tests.factories import SIGNUP
from tests.language_leaks import visible_text

pytestmark = pytest.mark.django_db

SITE = "Enter a valid e-mail address."
DJANGO = "Enter a valid email address."
#: Django's spelling, as a word ("e-mail" and addresses such as taro@example.com pass).
EMAIL = re.compile(r"(?<![-\w])emails?\b", re.I)


def test_the_field_says_e_mail_in_english_and_japanese():
    field = TypedEmailField()
    for language, expected in (("en", SITE), ("ja", "有効なメールアドレスを入力してください。")):
        with translation.override(language):
            with pytest.raises(ValidationError) as refused:
                field.clean("taro@")
            assert refused.value.messages == [expected]


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/signup/", {**SIGNUP, "email": "taro@example"}),
        ("/accounts/password/reset/", {"email": "taro@"}),
        ("/requests/start/", {"email": "taro@"}),
    ],
)
def test_customer_forms_refuse_a_wrong_address_in_the_sites_spelling(client, url, data):
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert SITE in text
    assert DJANGO not in text


def _admin_pages(client) -> list[str]:
    """The list, the add form and the first record's change form of every registered
    model, as far as the officer may open them."""
    urls = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        urls += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{name}_change", args=[first.pk]))
    return urls


def _django_spelling(page: str) -> list[str]:
    """Where a page's visible text or title says "email" (a textarea's content is a
    record's data, as typed, and left out)."""
    page = re.sub(r"<textarea\b.*?</textarea>", "", page, flags=re.S)
    title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
    text = html.unescape(title) + "\n" + visible_text(page)
    return [" ".join(line.split()) for line in text.splitlines() if EMAIL.search(line)]


def test_the_admin_says_e_mail_on_every_page_an_officer_opens_in_english():
    """Labels, columns, help, permissions, record names and each form's refusal of a
    wrong address: Django's own "email" on the model pages, not the site's "e-mail"."""
    call_command("seed_demo", stdout=io.StringIO())
    officer = User.objects.get(email="officer@example.com")
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=officer).persistent_id
    session.save()
    found, opened, refused = {}, 0, 0
    for url in _admin_pages(client):
        response = client.get(url)
        if response.status_code == 403:  # a list the officer may only read
            continue
        assert response.status_code == 200, url
        opened += 1
        page = response.content.decode()
        if said := _django_spelling(page):
            found[url] = said
        addresses = re.findall(r'<input type="email" name="([^"]+)"', page)
        if addresses:
            response = client.post(url, dict.fromkeys(addresses, "taro@"))
            page = response.content.decode()
            refused += SITE in page
            if said := _django_spelling(page):
                found[f"{url} (refused)"] = said
    assert opened > 60 and refused >= 7
    assert found == {}, "\n".join(f"{url}: {said}" for url, said in found.items())
