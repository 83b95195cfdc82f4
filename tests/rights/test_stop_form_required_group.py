"""A stop's list of uses or recipients is required unless every one is asked:
its group says so in its name like every other required field, in words that
name the other way out (the box above it)."""

import re

import pytest

from tests.consent_support import recipients

pytestmark = pytest.mark.django_db


def _legend(page: str, name: str) -> str:
    """The legend of the fieldset around the checkboxes named ``name``."""
    for fieldset in re.findall(r"<fieldset[^>]*>(.*?)</fieldset>", page, re.S):
        if f'name="{name}"' in fieldset:
            return re.search(r"<legend>(.*?)</legend>", fieldset, re.S).group(1)
    raise AssertionError(f"no fieldset for {name}")


@pytest.mark.parametrize(
    ("kind", "name", "mark"),
    [
        ("stop_use", "purposes", "必須（一つ以上、または上のすべての利用）"),
        ("stop_provision", "recipients", "必須（一つ以上、または上のすべての第三者）"),
    ],
)
def test_the_group_of_a_stop_is_marked_required_with_its_alternative(
    stepped_up_client, kind, name, mark
):
    recipients()
    page = stepped_up_client.get(f"/requests/new/{kind}/").content.decode()
    legend = _legend(page, name)
    assert f'<span class="required">{mark}</span>' in legend
    assert page.index('name="everything"') < page.index(f'name="{name}"')


def test_the_mark_is_in_english_for_an_english_reader(stepped_up_client):
    recipients()
    stepped_up_client.cookies["django_language"] = "en"
    page = stepped_up_client.get(
        "/requests/new/stop_use/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "required: one or more, or every use above" in _legend(page, "purposes")
