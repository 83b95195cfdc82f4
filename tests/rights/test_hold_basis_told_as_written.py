"""A legal hold's basis is told, as written, to the person whose deletion it keeps data
from (APPI art. 35, GDPR art. 17(3)): the field's help says so, and its example names no
one regime's article that a customer under another law would then be told."""

import re

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def _help(officer_client) -> str:
    page = officer_client.get("/admin/rights/legalhold/add/").content.decode()
    return re.search(
        r'<div class="help"[^>]*id="id_legal_basis_helptext"[^>]*>\s*<div>(.*?)</div>', page, re.S
    ).group(1)


def test_the_basis_help_says_the_person_is_told_it(officer_client):
    officer_client.cookies["django_language"] = "en"
    with translation.override("en"):
        told = _help(officer_client)
    assert "told" in told and "as written" in told
    assert "GDPR" not in told and "APPI" not in told
