"""The table of recipients on the public privacy page and the consent page: its
heading names one landmark, the card, so that a screen reader's list of regions
does not offer two of the same name (axe: landmark-unique)."""

import re

import pytest

from tests.consent_support import recipients

pytestmark = pytest.mark.django_db


def _landmark_names(page: str) -> list[str]:
    names = []
    for match in re.finditer(r"<(section|div)\b([^>]*)>", page):
        tag, attrs = match.groups()
        labelled = re.search(r'aria-labelledby="([^"]+)"', attrs)
        if labelled and (tag == "section" or 'role="region"' in attrs):
            names.append(labelled[1])
    return names


def _assert_unique(page: str) -> None:
    names = _landmark_names(page)
    assert "recipients-title" in names
    assert len(names) == len(set(names)), names


def test_the_privacy_page_has_one_landmark_for_the_recipients(client):
    recipients()
    _assert_unique(client.get("/privacy/").content.decode())


def test_the_consent_page_has_one_landmark_for_the_recipients(stepped_up_client):
    recipients()
    _assert_unique(stepped_up_client.get("/consent/").content.decode())
