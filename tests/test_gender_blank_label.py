"""The account page's gender list starts with a choice that says nothing is chosen,
not Django's 「---------」; it is stored as nothing, as before. Leaving it is a
choice the field allows (it is optional), and differs from 「回答しない」 (a
stated answer)."""

import re

import pytest
from django.utils import translation

from portal.kernel.models import Profile

pytestmark = pytest.mark.django_db


def _options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="gender"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select)


@pytest.mark.parametrize(("language", "blank"), [("ja", "未選択"), ("en", "Not chosen")])
def test_the_empty_gender_says_not_chosen(stepped_up_client, language, blank):
    with translation.override(language):
        page = stepped_up_client.get("/account/", HTTP_ACCEPT_LANGUAGE=language)
    options = _options(page.content.decode())
    assert options[0] == ("", blank)
    assert "---------" not in dict(options).values()
    assert ("undisclosed", "回答しない" if language == "ja" else "Prefer not to say") in options


def test_the_empty_gender_is_stored_as_nothing(stepped_up_client, customer):
    Profile.objects.update_or_create(user=customer, defaults={"gender": Profile.Gender.MALE})
    response = stepped_up_client.post(
        "/account/", {"save_profile": "1", "full_name": "山田 花子", "gender": ""}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=customer).gender == ""
