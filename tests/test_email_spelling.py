"""A wrong e-mail address is refused in the site's spelling: "e-mail", as every other
text of the portal writes it, not Django's "email"."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.kernel.typed_email import TypedEmailField
from tests.factories import SIGNUP

pytestmark = pytest.mark.django_db

SITE = "Enter a valid e-mail address."
DJANGO = "Enter a valid email address."


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
