"""A correction filed without an account is decided and answered (APPI art. 34)."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.test import Client

from portal.kernel.models import AuditEvent, Profile
from rights.choices import EventKind, RejectionGround, Status
from rights.models import RightsRequest
from rights.requesters.verification import identity_match_subject, identity_verify
from tests.factories import ProfileFactory

from .identity_support import agent_form, confirm_email

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_storage", "fresh_rate_limits"),
]

EMAIL = "hanako@example.com"
OLD_ADDRESS = "東京都千代田区千代田1-2-3"
NEW_ADDRESS = "東京都港区芝公園4-5-6"


@pytest.fixture
def hanako(db):
    return ProfileFactory(
        user__email=EMAIL, full_name="山田 花子", address=OLD_ADDRESS, phone="03-5555-0123"
    ).user


def _file(capture, language="ja", **overrides):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    confirm_email(client, EMAIL, capture, language=language)
    data = agent_form(
        capacity="self",
        requester_name="",
        authority_kind="",
        authority_document=None,
        subject_email=EMAIL,
        kind="correction",
        delivery_method="",
        **overrides,
    )
    with capture(execute=True):
        return client.post("/requests/start/request/", data)


def _verified(capture, officer, hanako, **overrides) -> RightsRequest:
    response = _file(
        capture,
        wrong_1=f"住所：{OLD_ADDRESS}（転居しました）",
        correct_1=NEW_ADDRESS,
        wrong_2="メールマガジンの宛名：花子",
        correct_2="山田 花子",
        **overrides,
    )
    assert response.status_code == 302, response.content
    request = RightsRequest.objects.get()
    with capture(execute=True):
        identity_match_subject(request=request, subject=hanako, actor=officer)
        identity_verify(request=request, actor=officer)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    return request


def test_a_correction_without_an_account_names_what_is_wrong_and_what_it_should_be(
    django_capture_on_commit_callbacks,
):
    response = _file(django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"wrong_1"}
    response = _file(
        django_capture_on_commit_callbacks, wrong_1="電話番号：03-0000-0000", correct_1=""
    )
    assert set(response.context["form"].errors) == {"correct_1"}
    assert not RightsRequest.objects.exists()
    # Any of the three pairs will do; the request keeps the person's words.
    response = _file(
        django_capture_on_commit_callbacks, wrong_2="氏名：山田 花江", correct_2="山田 花子"
    )
    assert response.status_code == 302, response.content
    assert RightsRequest.objects.get().scope == {
        "stated_changes": [{"wrong": "氏名：山田 花江", "correct": "山田 花子"}]
    }


def test_appi_art_34_staff_apply_an_item_to_the_registry_and_tell_the_person_the_rest(
    officer, officer_client, hanako, django_capture_on_commit_callbacks
):
    """APPI art. 34: the correction asked in the person's words is investigated, applied
    through the registry where it is held, and the result told, with the reason for the
    item not changed."""
    request = _verified(django_capture_on_commit_callbacks, officer, hanako)
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    text = html.unescape(page.content.decode())
    assert 'id="rr-stated-correction"' in text and NEW_ADDRESS in text
    targets = dict(page.context["correction_targets"])
    address = next(t for t in targets if t.startswith("portal.profile|") and t.endswith("|address"))
    assert OLD_ADDRESS in targets[address]  # staff see the value held now

    reason = "The newsletter name is taken from your profile name, which is already correct."
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            f"/admin/rights/rightsrequest/{request.pk}/correction/stated/",
            {
                "decision": "apply",
                "target_0": address,
                "value_0": NEW_ADDRESS,
                "target_1": "",
                "value_1": "山田 花子",
                "reason": reason,
                "confirm": "1",
            },
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.PARTIALLY_COMPLETED
    assert Profile.objects.get(user=hanako).address == NEW_ADDRESS
    event = request.events.get(kind=EventKind.CORRECTION)
    assert event.details["changed"][0]["before"] == OLD_ADDRESS
    assert event.details["changed"][0]["after"] == NEW_ADDRESS
    assert event.details["unchanged"] == [
        {"source": "", "field": "", "label": "メールマガジンの宛名：花子", "requested": "山田 花子"}
    ]
    # The person is told what changed and what did not, and why.
    (notice,) = [m for m in mail.outbox if m.to == [EMAIL] and reason in m.body]
    assert NEW_ADDRESS in notice.body and "メールマガジンの宛名：花子" in notice.body
    # The audit trail names fields and item numbers, never the person's words.
    audit = AuditEvent.objects.get(action="request.correction_decided")
    assert audit.details == {"applied": ["portal.profile.address"], "declined_items": [2]}


def test_appi_art_34_staff_reject_a_correction_without_an_account_with_a_ground(
    officer, officer_client, hanako, django_capture_on_commit_callbacks
):
    request = _verified(django_capture_on_commit_callbacks, officer, hanako)
    url = f"/admin/rights/rightsrequest/{request.pk}/correction/stated/"
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(url, {"decision": "reject", "reason": "Accurate."})
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW  # no ground: nothing changed
    ground = RejectionGround.values[0]
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            url,
            {
                "decision": "reject",
                "reason": "Our records are accurate.",
                "ground": ground,
                "confirm": "1",
            },
        )
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert Profile.objects.get(user=hanako).address == OLD_ADDRESS


def test_a_refused_value_writes_nothing(
    officer, officer_client, hanako, django_capture_on_commit_callbacks
):
    request = _verified(django_capture_on_commit_callbacks, officer, hanako)
    page = officer_client.get(f"/admin/rights/rightsrequest/{request.pk}/change/")
    targets = [t for t, _label in page.context["correction_targets"]]
    address = next(t for t in targets if t.endswith("|address"))
    phone = next(t for t in targets if t.endswith("|phone"))
    officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/correction/stated/",
        {
            "decision": "apply",
            "target_0": address,
            "value_0": NEW_ADDRESS,
            "target_1": phone,
            "value_1": "山田 花子",  # not a phone number
            "confirm": "1",
        },
    )
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert Profile.objects.get(user=hanako).address == OLD_ADDRESS
    assert not request.events.filter(kind=EventKind.CORRECTION).exists()


def test_a_refused_item_names_the_record_as_the_person_knows_it(
    officer, hanako, django_capture_on_commit_callbacks
):
    """Staff are told which record failed by what the person knows it by (the day the
    inquiry came in), not by its database number; nothing is written."""
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import translation

    from rights.correction import stated_correction_decide
    from tests.factories import InquiryFactory, ServiceFactory

    service = ServiceFactory(code="video", name="動画サービス", name_en="Video service")
    inquiry = InquiryFactory(
        user=hanako, service=service, received_at=dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)
    )
    request = _verified(django_capture_on_commit_callbacks, officer, hanako)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        stated_correction_decide(
            request=request,
            apply={0: ("portal.inquiry", str(inquiry.pk), "subject", "x" * 201)},
            actor=officer,
            reason="The second item is not data we hold.",
        )
    message = " ".join(refused.value.messages)
    assert "(Video service, received at 1 Mar 2026" in message, message
    assert f"no. {inquiry.pk}" not in message
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
