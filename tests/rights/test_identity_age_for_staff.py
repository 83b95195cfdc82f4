"""A parent acts for a minor only (APPI art. 37): the officer checking a parent's request
sees the person's age today, and is warned when the person has come of age since the
request was filed (the parent no longer represents them)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rights.choices import Kind
from rights.requesters.filing import Person, Requester, Upload, identity_request_file
from rights.requesters.models import Capacity, DocumentKind
from tests import sample_files
from tests.conftest import admin_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

PDF = sample_files.pdf()
BORN = dt.date(2008, 12, 20)


def _parents_request(capacity=Capacity.PARENT):
    return identity_request_file(
        kind=Kind.DISCLOSURE,
        requester=Requester(capacity=capacity, email="parent@example.com", language="en"),
        person=Person(name="Kenta Yamada", email="kenta@example.com", date_of_birth=BORN),
        uploads=[
            Upload(DocumentKind.REQUESTER_ID, SimpleUploadedFile("id.pdf", PDF), "application/pdf"),
            Upload(
                DocumentKind.FAMILY_REGISTER,
                SimpleUploadedFile("koseki.pdf", PDF),
                "application/pdf",
            ),
        ],
    )


def _identity_section(officer, request, language="en") -> str:
    # Logged in at the time the test travels to: a session left days ago has expired.
    client = admin_login(Client(HTTP_ACCEPT_LANGUAGE=language), officer)
    client.cookies["django_language"] = language
    page = client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="identity"')
    return html[start : html.index("</fieldset>", start)]


@time_machine.travel(dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
def test_the_officer_sees_that_the_child_is_a_minor(officer):
    section = _identity_section(officer, _parents_request())

    assert "aged 17: a minor" in section
    assert "come of age" not in section


def test_the_officer_is_warned_when_the_child_came_of_age_after_filing(officer):
    with time_machine.travel(dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)):
        request = _parents_request()

    with time_machine.travel(dt.datetime(2026, 12, 21, 12, 0, tzinfo=dt.UTC)):
        section = _identity_section(officer, request)

    assert "aged 18" in section
    assert (
        "The person has come of age: a parent no longer acts for them (APPI art. 37). "
        "Ask for a letter of attorney they sign, or reject the request."
    ) in section


@time_machine.travel(dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
def test_an_appointed_agents_request_names_no_minority(officer):
    section = _identity_section(officer, _parents_request(Capacity.AGENT))

    assert "a minor" not in section and "come of age" not in section


@time_machine.travel(dt.datetime(2026, 12, 21, 12, 0, tzinfo=dt.UTC))
def test_the_japanese_officer_reads_the_warning_in_japanese(officer):
    section = _identity_section(officer, _parents_request(), "ja")

    assert "18歳" in section
    assert "本人は成年に達しているため" in section
