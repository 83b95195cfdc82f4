"""A box the form cannot go on without is marked 「必須」 like every other required
field; an optional one (a consent to marketing) is not."""

import re

import pytest
from django.test import Client

from tests.rights.identity_support import confirm_email

pytestmark = pytest.mark.django_db


def _label(page: str, name: str) -> str:
    field_id = re.search(rf'<input type="checkbox" name="{name}"[^>]*id="([^"]+)"', page).group(1)
    return re.search(rf'<label for="{field_id}">(.*?)</label>', page, re.S).group(1)


def test_sign_up_marks_the_privacy_policy_box_required_and_the_marketing_box_not(client):
    page = client.get("/accounts/signup/").content.decode()
    assert "必須" in _label(page, "accept_policy")
    assert "必須" not in _label(page, "purpose_marketing")


@pytest.mark.usefixtures("private_storage", "fresh_rate_limits")
def test_the_public_form_marks_the_documents_consent_required(django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    confirm_email(client, "asker@example.com", django_capture_on_commit_callbacks, language="ja")
    page = client.get("/requests/start/request/").content.decode()
    assert "必須" in _label(page, "documents_consent")
    assert "必須" not in _label(page, "everything")
