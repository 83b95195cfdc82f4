"""The identity section of a request filed without an account, as the officer checks it in
the admin (APPI art. 37, CCPA §7063): the documents and the customers found are read
aloud with their column names and the document links are told apart from the text,
at desktop and phone width, in both languages (WCAG 2.1 A/AA through axe-core)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rights.choices import Kind
from rights.requesters.filing import Person, Requester, Upload, identity_request_file
from rights.requesters.models import Capacity, DocumentKind
from tests import sample_files
from tests.e2e.staff_support import staff_page
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = sample_files.pdf()


def _agents_request():
    ProfileFactory(
        user__email="hanako@example.com", full_name="山田 花子", date_of_birth=dt.date(1980, 4, 1)
    )
    return identity_request_file(
        kind=Kind.DISCLOSURE,
        requester=Requester(
            capacity=Capacity.AGENT, email="agent@lawyers.example", language="ja", name="佐藤 一郎"
        ),
        person=Person(name="山田 花子", email="hanako@example.com"),
        uploads=[
            Upload(
                DocumentKind.REQUESTER_ID,
                SimpleUploadedFile("免許証.pdf", PDF),
                "application/pdf",
            ),
            Upload(
                DocumentKind.ATTORNEY,
                SimpleUploadedFile("委任状.pdf", PDF),
                "application/pdf",
            ),
        ],
    )


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_identity_section_has_no_accessibility_violation(
    browser, live_server, officer, private_storage, axe_check, language
):
    request = _agents_request()
    context, page = staff_page(browser, live_server, officer, language)
    page.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
    assert page.locator(".rr-documents tbody tr").count() == 2
    assert page.locator(".rr-candidates tbody tr").count() == 1
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        found = axe_check(page, f"identity section ({language}, {width} px)")
        assert found == [], found
    context.close()


def test_the_signed_declaration_box_reads_on_a_line_of_its_own(
    browser, live_server, officer, axe_check
):
    """CCPA §7062(c): a Californian without an account asks for the specific pieces of
    their data. The box for the signed declaration is named by its whole sentence, not
    squeezed into the label column, and its help is read with it; the section passes
    axe and fits the window in both languages at 1280 and 390 pixels."""
    from rights.requesters.verification import identity_match_subject

    person = ProfileFactory(
        user__email="hanako@example.com", full_name="山田 花子", date_of_birth=dt.date(1980, 4, 1)
    ).user
    request = identity_request_file(
        kind=Kind.DISCLOSURE,
        regime="ccpa",
        requester=Requester(capacity=Capacity.SELF, email="hanako@example.com", language="en"),
        person=Person(name="山田 花子", email="hanako@example.com"),
        uploads=[],
        delivery_method="electronic",
    )
    identity_match_subject(request=request, subject=person, actor=officer)
    context, page = staff_page(browser, live_server, officer, "en")
    box = page.locator("#identity input[name=declaration]")
    for language in ("en", "ja"):
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"/admin/rights/rightsrequest/{request.pk}/change/")
            label = f"{language}, {width} px"
            found = axe_check(page, f"signed declaration ({label})")
            assert found == [], found
            # The customers found scroll inside their own box, not the page (WCAG 1.4.10).
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow == 0, (label, overflow)
            help_id = box.get_attribute("aria-describedby")
            assert help_id and "§7062(c)" in page.locator(f"#{help_id}").inner_text(), label
            if width == 1280:
                # The sentence takes the row's width: two lines at most, not five.
                size = box.evaluate("b => parseFloat(getComputedStyle(b.labels[0]).fontSize)")
                height = box.evaluate("b => b.labels[0].getBoundingClientRect().height")
                assert height <= 3 * size, (label, height, size)
    context.close()
