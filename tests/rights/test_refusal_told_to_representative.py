"""Refusing a parent's authority: the officer's confirmation says who is told the
refusal and its reason. A legal representative of a minor exercises the child's rights
in their place (APPI art. 37), so the parent is written to, not the child; the page
said "the person is told", which reads as the child."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from rights.choices import RejectionGround, Status
from rights.confirmations import identity_rejection_confirmation
from rights.requesters.verification import identity_reject

from .identity_support import parents_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

REASON = "The family register extract does not show the child."


def _parents_request():
    return parents_request(language="ja", requester_name="山田 太郎", subject_name="山田 健太")


def _lines(confirmation) -> list[str]:
    return [line.text for line in confirmation.lines]


def test_the_officer_sees_that_the_parent_is_told_the_refusal(officer):
    """APPI art. 37: the refusal goes to the parent, in the language they read."""
    request = _parents_request()
    with translation.override("en"):
        lines = _lines(identity_rejection_confirmation(request, actor=officer, note=REASON))

    assert (
        "Who is told: parent@example.com, in Japanese (the requester: Legal representative "
        "of a minor (parent or guardian))"
    ) in lines
    assert not any("kenta@example.com" in line for line in lines)


def test_the_page_names_the_same_address_the_refusal_goes_to(
    officer, django_capture_on_commit_callbacks
):
    request = _parents_request()
    with translation.override("en"):
        lines = _lines(identity_rejection_confirmation(request, actor=officer, note=REASON))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identity_reject(request=request, actor=officer, note=REASON)

    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.rejection_ground == RejectionGround.IDENTITY
    told = {message.to[0] for message in mail.outbox}
    assert told == {"parent@example.com"}
    assert any(line.startswith("Who is told: parent@example.com") for line in lines)


def test_the_page_in_japanese(officer):
    request = _parents_request()
    with translation.override("ja"):
        lines = _lines(identity_rejection_confirmation(request, actor=officer, note=REASON))

    assert (
        "お知らせする相手：parent@example.com（日本語、請求者：未成年者の法定代理人"
        "（親権者・未成年後見人））"
    ) in lines
    # The child is not told (本人に通知): the parent is, in the child's place.
    assert not any("本人に" in line or "本人には" in line for line in lines), lines
