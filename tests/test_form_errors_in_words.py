"""A customer who leaves out something a form needs reads what is missing and what
to do, in Japanese or English, never Django's generic 「このフィールドは必須です。」
("This field is required.") or 「日付を正しく入力してください。」 ("Enter a valid date.")."""

from __future__ import annotations

import html

import pytest
from django import forms
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from rights.services import request_submit
from tests.conftest import last_code

pytestmark = pytest.mark.django_db

GENERIC = {
    "ja": ("このフィールドは必須です。", "日付を正しく入力してください。"),
    "en": ("This field is required.", "Enter a valid date."),
}


def _page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html.unescape(response.content.decode())


def _assert_in_words(page: str, language: str, *expected: str) -> None:
    for generic in GENERIC[language]:
        assert generic not in page
    for message in expected:
        assert message in page


#: (page, what is posted, the messages in Japanese, the messages in English), for the
#: pages of a customer who passed the code check.
CUSTOMER_PAGES = [
    (
        "/requests/new/stop_use/",
        {"step": "review"},
        ["利用の停止を求める理由をご記入ください。"],
        ["Tell us why you want us to stop using your data."],
    ),
    (
        "/requests/new/stop_provision/",
        {"step": "review"},
        ["第三者への提供の停止を求める理由をご記入ください。"],
        ["Tell us why you want us to stop providing your data to third parties."],
    ),
    (
        "/requests/new/correction/",
        {"step": "review"},
        [
            "誤りのある項目を選んでください。",
            "正しい内容を入力してください。",
            "現在の内容のどこに誤りがあるかをご記入ください。",
        ],
        [
            "Choose the item that is wrong.",
            "Give the correct value.",
            "Tell us what is wrong with the current value.",
        ],
    ),
    (
        "/requests/new/disclosure/",
        {"step": "review"},
        ["ご希望の受け取り方法を選んでください。"],
        ["Choose how you would like to receive the answer."],
    ),
    (
        "/requests/new/purpose_notice/",
        {"step": "review"},
        ["ご希望の受け取り方法を選んでください。"],
        ["Choose how you would like to receive the answer."],
    ),
    (
        "/account/",
        {"save_profile": "1", "date_of_birth": "1988/4/31"},
        ["氏名を入力してください。", "日付は年-月-日の形で入力してください（例：1988-04-12）。"],
        ["Enter your full name.", "Enter the date as year-month-day, e.g. 1988-04-12."],
    ),
    ("/account/", {"save_language": "1"}, ["言語を選んでください。"], ["Choose a language."]),
    (
        "/account/password/",
        {"old_password": ""},
        [
            "現在のパスワードを入力してください。",
            "新しいパスワードを入力してください。",
            "確認のため、新しいパスワードをもう一度入力してください。",
        ],
        [
            "Enter your current password.",
            "Enter the new password.",
            "Enter the new password again to confirm it.",
        ],
    ),
    (
        "/account/authenticator/",
        {"token": ""},
        ["6桁の確認コードを入力してください。"],
        ["Enter the 6-digit code."],
    ),
]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(("url", "data", "ja", "en"), CUSTOMER_PAGES)
def test_a_customer_page_sent_with_a_field_missing_says_what_to_write(
    stepped_up_client, language, url, data, ja, en
):
    page = _page(stepped_up_client.post(url, data, HTTP_ACCEPT_LANGUAGE=language))
    _assert_in_words(page, language, *(ja if language == "ja" else en))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_message_sent_empty_on_a_request_page_asks_for_the_message(
    stepped_up_client, customer, language
):
    filed = request_submit(subject=customer, requester=customer, kind="disclosure")
    page = _page(
        stepped_up_client.post(
            f"/requests/{filed.pk}/", {"body": ""}, HTTP_ACCEPT_LANGUAGE=language
        )
    )
    expected = {
        "ja": "送信するメッセージをご記入ください。",
        "en": "Write the message you want to send.",
    }
    _assert_in_words(page, language, expected[language])


#: The same for the pages anyone reaches without logging in.
VISITOR_PAGES = [
    (
        "/accounts/signup/",
        {"email": ""},
        [
            "メールアドレスを入力してください。",
            "氏名を入力してください。",
            "パスワードを入力してください。",
            "確認のため、パスワードをもう一度入力してください。",
        ],
        [
            "Enter your e-mail address.",
            "Enter your full name.",
            "Choose a password.",
            "Enter the password again to confirm it.",
        ],
    ),
    (
        "/accounts/login/",
        {"username": ""},
        ["メールアドレスを入力してください。", "パスワードを入力してください。"],
        ["Enter your e-mail address.", "Enter your password."],
    ),
    (
        "/accounts/verify/resend/",
        {"email": ""},
        ["メールアドレスを入力してください。"],
        ["Enter your e-mail address."],
    ),
    (
        "/accounts/password/reset/",
        {"email": ""},
        ["メールアドレスを入力してください。"],
        ["Enter your e-mail address."],
    ),
    (
        "/requests/start/",
        {"email": ""},
        ["確認コードをお送りするメールアドレスを入力してください。"],
        ["Enter the e-mail address we should send the code to."],
    ),
]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(("url", "data", "ja", "en"), VISITOR_PAGES)
def test_a_public_page_sent_with_a_field_missing_says_what_to_write(
    language, url, data, ja, en, fresh_rate_limits
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    page = _page(client.post(url, data))
    _assert_in_words(page, language, *(ja if language == "ja" else en))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_new_password_sent_empty_after_a_reset_link_asks_for_it(client, customer, language):
    link = (
        f"/accounts/password/reset/{urlsafe_base64_encode(force_bytes(customer.pk))}/"
        f"{default_token_generator.make_token(customer)}/"
    )
    form_url = client.get(link, HTTP_ACCEPT_LANGUAGE=language).url
    page = _page(client.post(form_url, {"new_password1": ""}, HTTP_ACCEPT_LANGUAGE=language))
    expected = {
        "ja": [
            "新しいパスワードを入力してください。",
            "確認のため、新しいパスワードをもう一度入力してください。",
        ],
        "en": ["Enter the new password.", "Enter the new password again to confirm it."],
    }
    _assert_in_words(page, language, *expected[language])


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_request_form_without_an_account_sent_empty_says_what_is_missing(
    language, django_capture_on_commit_callbacks
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/requests/start/", {"email": "asker@example.com"})
    page = _page(client.post("/requests/start/code/", {"code": ""}))
    _assert_in_words(
        page,
        language,
        {"ja": "コードの6桁の数字を入力してください。", "en": "Enter the six digits of the code."}[
            language
        ],
    )
    assert client.post("/requests/start/code/", {"code": last_code()}).status_code == 302
    page = _page(
        client.post(
            "/requests/start/request/", {"capacity": "", "subject_date_of_birth": "1988/4/31"}
        )
    )
    expected = {
        "ja": [
            "あなたのお立場を選んでください。",
            "ご請求の対象となるご本人の氏名をご記入ください。",
            "ご請求の種類を選んでください。",
            "あなたの本人確認書類の写真またはスキャンを添付してください。",
            "日付は年-月-日の形で入力してください（例：1988-04-12）。",
        ],
        "en": [
            "Choose who you are.",
            "Give the name of the person the request is about.",
            "Choose what you ask for.",
            "Send a photo or scan of your identity document.",
            "Enter the date as year-month-day, e.g. 1988-04-12.",
        ],
    }
    _assert_in_words(page, language, *expected[language])


def _customer_forms(user):
    """Every form a customer, a person without an account or a subcontractor fills in,
    bound to nothing filled in."""
    from consent.forms import ConsentChoicesForm
    from portal.accounts import forms as account_forms
    from portal.accounts import views as account_views
    from rights.connectors.views import ConfirmForm
    from rights.forms import FORMS
    from rights.message_form import MessageForm
    from rights.requesters import forms as public_forms

    request = RequestFactory().post("/accounts/login/")
    return {
        "sign-up": account_forms.SignupForm(data={}),
        "login": account_forms.LoginForm(request, data={}),
        "new verification link": account_forms.ResendVerificationForm(data={}),
        "password reset": account_forms.PortalPasswordResetForm(data={}),
        "password change": account_views.PasswordChangeView.form_class(user, data={}),
        "new password": account_views.PasswordResetConfirmView.form_class(user, data={}),
        "authenticator app": account_forms.TOTPConfirmForm(data={}),
        "details": account_forms.ProfileForm(data={}, instance=user.profile),
        "e-mail language": account_forms.AccountLanguageForm(data={}, instance=user),
        **{f"{kind} request": form(data={}, subject=user) for kind, form in FORMS.items()},
        "message": MessageForm(data={}),
        "consent": ConsentChoicesForm(data={}, purposes=[], current={}),
        "start without an account": public_forms.StartForm(data={}),
        "code without an account": public_forms.CodeForm(data={}),
        "request without an account": public_forms.PublicRequestForm(data={}),
        "subcontractor's confirmation": ConfirmForm(data={}),
    }


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_customer_form_sent_empty_answers_with_the_generic_required_message(customer, language):
    with translation.override(language):
        generic = str(forms.Field.default_error_messages["required"])
        found = {
            (name, field): [str(message) for message in messages]
            for name, form in _customer_forms(customer).items()
            for field, messages in form.errors.items()
            if generic in messages
        }
    assert found == {}
