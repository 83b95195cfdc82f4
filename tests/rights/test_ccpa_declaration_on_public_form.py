"""A Californian asking without an account for a copy of the specific pieces of their
personal information signs, on the public form itself, the declaration under penalty
of perjury that they are the consumer (CCPA §7062(c)): a box with the declaration's
words and their full name typed as the signature. A portal whose requests are filed
under the CCPA offers it to anyone asking for themselves, saying it is for California
residents; one filing under another law does not ask for it. What they signed, with the
name and the moment, is kept with the request, audited, shown to staff and ticks the
staff's "declaration received" box in advance: staff still confirm it when verifying.
Verification stays free (§7060)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from portal.kernel.models import AuditEvent
from rights.choices import Regime, Status
from rights.models import RightsRequest
from rights.requesters.verification import identity_match_subject, identity_verify
from tests.conftest import admin_login
from tests.factories import ProfileFactory

from .identity_support import confirm_email, file_public_request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

CONSUMER = "hanako@example.com"
DECLARATION = {
    "en": "I declare under penalty of perjury under the laws of the State of California "
    "that I am the consumer whose personal information is the subject of the request",
    "ja": "カリフォルニア州法に基づく偽証罪の制裁の下で、"
    "私がこのご請求の対象である個人情報の本人である消費者であることを宣誓します",
}
SELF = {
    "capacity": "self",
    "requester_name": "",
    "authority_kind": "",
    "authority_document": None,
    "kind": "disclosure",
    "delivery_method": "electronic",
}


@pytest.fixture(autouse=True)
def _ccpa(settings):
    settings.RIGHTS_DEFAULT_REGIME = "ccpa"


def _file(capture, **overrides):
    return file_public_request(
        Client(HTTP_ACCEPT_LANGUAGE="en"), CONSUMER, capture, **(SELF | overrides)
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_ccpa_7062_c_the_public_form_offers_the_declaration(
    django_capture_on_commit_callbacks, language
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, CONSUMER, django_capture_on_commit_callbacks, language=language)
    page = client.get("/requests/start/request/", HTTP_ACCEPT_LANGUAGE=language)
    text = " ".join(page.content.decode().split())
    assert DECLARATION[language] in text
    assert 'name="declaration"' in text and 'name="declaration_name"' in text
    assert "California" in text or "カリフォルニア" in text


def test_ccpa_7062_c_the_signed_declaration_is_kept_audited_and_shown_to_staff(
    django_capture_on_commit_callbacks, officer
):
    before = dt.datetime.now(dt.UTC)
    response = _file(
        django_capture_on_commit_callbacks, declaration="on", declaration_name=" 山田  花子 "
    )
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    identity = request.identity
    assert identity.declaration_name == "山田 花子"
    assert identity.declaration_signed_at >= before
    # Received is not verified: staff confirm it with the verification.
    assert identity.declaration_signed is False
    assert AuditEvent.objects.filter(action="identity.declaration_signed").count() == 1
    RightsRequest.objects.filter(pk=request.pk).update(regime=Regime.CCPA)
    page = admin_login(Client(), officer).get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    text = " ".join(page.content.decode().split())
    assert "山田 花子" in text.split('id="rr-identity-decision"')[0]
    assert (
        '<input type="checkbox" name="declaration" value="on" '
        'aria-describedby="rr-declaration-help" checked>'
    ) in text


def test_ccpa_7062_c_the_signed_declaration_verifies_with_three_details(
    django_capture_on_commit_callbacks, officer
):
    hanako = ProfileFactory(
        user__email=CONSUMER, full_name="山田 花子", date_of_birth=dt.date(1980, 4, 1)
    ).user
    _file(django_capture_on_commit_callbacks, declaration="on", declaration_name="山田 花子")
    request = RightsRequest.objects.get()
    RightsRequest.objects.filter(pk=request.pk).update(regime=Regime.CCPA)
    request.refresh_from_db()
    identity_match_subject(request=request, subject=hanako, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        identity_verify(request=request, actor=officer, declaration=True)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert request.identity.declaration_signed is True
    # §7060: verification costs the consumer nothing.
    assert not request.payments.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"declaration": "on", "declaration_name": ""}, "Type your full name"),
        ({"declaration": "on", "declaration_name": "Taro Yamada"}, "same full name"),
        ({"declaration_name": "山田 花子"}, "Tick the declaration"),
        (
            {
                "declaration": "on",
                "declaration_name": "弁護士 佐藤 一郎",
                "capacity": "agent",
                "requester_name": "弁護士 佐藤 一郎",
                "authority_kind": "attorney",
            },
            "only by the person the request is about",
        ),
        (
            {
                "declaration": "on",
                "declaration_name": "山田 花子",
                "kind": "deletion",
                "everything": "on",
                "delivery_method": None,
            },
            "only for a copy",
        ),
    ],
)
def test_ccpa_7062_c_a_declaration_not_signed_as_it_should_be_is_refused(
    django_capture_on_commit_callbacks, overrides, message
):
    if overrides.get("capacity") == "agent":
        from .identity_support import pdf

        overrides = overrides | {"authority_document": pdf("letter.pdf")}
    response = _file(django_capture_on_commit_callbacks, **overrides)
    assert response.status_code == 200
    assert message in " ".join(response.content.decode().split())
    assert not RightsRequest.objects.exists()
    assert not mail.outbox or all("R-" not in m.subject for m in mail.outbox)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_portal_filing_under_the_appi_asks_for_no_californian_declaration(
    django_capture_on_commit_callbacks, settings, language
):
    """APPI art. 37: the company fixes the procedure, which must not burden the person;
    a Japanese portal's form does not ask for a Californian declaration under penalty of
    perjury, and a declaration posted all the same is not kept."""
    settings.RIGHTS_DEFAULT_REGIME = "appi"
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, CONSUMER, django_capture_on_commit_callbacks, language=language)
    page = client.get("/requests/start/request/", HTTP_ACCEPT_LANGUAGE=language)
    text = " ".join(page.content.decode().split())
    assert DECLARATION[language] not in text
    assert 'name="declaration"' not in text
    response = _file(
        django_capture_on_commit_callbacks, declaration="on", declaration_name="山田 花子"
    )
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    assert request.regime == Regime.APPI
    assert request.identity.declaration_name == ""
    assert request.identity.declaration_signed_at is None
