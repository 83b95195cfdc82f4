"""Who represents whom, by the date of birth given on the public form (APPI art. 37):
a parent or a minor's guardian acts for a minor, the guardian of an adult ward for an
adult. A date that contradicts the capacity chosen is caught on the form, not left for
staff to refuse after the documents were sent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from rights.requesters.forms import PublicRequestForm

from .identity_support import agent_form, pdf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)


def _form(capacity, born, authority_kind):
    data = agent_form(capacity=capacity, subject_date_of_birth=born, authority_kind=authority_kind)
    files = {name: data.pop(name) for name in ("requester_document", "authority_document")}
    files["authority_document"] = pdf("proof.pdf")
    return PublicRequestForm(data, files, language="en")


@time_machine.travel(NOW)
def test_a_guardian_of_an_adult_ward_is_refused_for_a_child():
    """APPI art. 37: an adult ward is an adult; a child is represented by a parent or a
    minor's guardian."""
    with translation.override("en"):
        form = _form("guardian", "2014-06-01", "guardianship")

        assert not form.is_valid()
        assert form.errors["capacity"] == [
            "The date of birth shows the person is under 18: the guardian of an adult "
            "ward acts for an adult. Choose “I am the parent or guardian of a minor” if "
            "you act for this child."
        ]


@time_machine.travel(NOW)
def test_the_refusal_in_japanese():
    with translation.override("ja"):
        form = _form("guardian", "2014-06-01", "guardianship")

        assert not form.is_valid()
        assert "「未成年者の親権者（法定代理人）です」" in form.errors["capacity"][0]


@time_machine.travel(NOW)
def test_a_guardian_of_an_adult_ward_is_taken_for_an_adult():
    with translation.override("en"):
        form = _form("guardian", "1950-01-01", "guardianship")

        assert form.is_valid(), form.errors


@time_machine.travel(NOW)
def test_a_guardian_who_gives_no_date_of_birth_is_taken():
    with translation.override("en"):
        form = _form("guardian", "", "guardianship")

        assert form.is_valid(), form.errors


def test_the_date_of_birth_says_a_parent_must_give_it():
    """APPI art. 37: the form refuses a parent's request without the child's date of
    birth (the age decides whether a parent may act); the field says so before it is
    sent, since a form that comes back has lost the files chosen."""
    with translation.override("en"):
        help_text = str(PublicRequestForm(language="en")["subject_date_of_birth"].help_text)
    with translation.override("ja"):
        help_ja = str(PublicRequestForm(language="ja")["subject_date_of_birth"].help_text)

    assert help_text == (
        "Format: YYYY-MM-DD. A parent or guardian of a minor gives it: it shows that the "
        "person is a minor."
    )
    assert help_ja == (
        "形式：YYYY-MM-DD（西暦）。未成年者の法定代理人としてご請求の場合は必ずご記入ください"
        "（ご本人が未成年であることを確認します）。"
    )
