"""A notice's labelled lines in the reader's punctuation: 「お支払い番号：F…」 and
「理由：…」 in Japanese, "Payment reference: F…" in English; never a full-width colon
followed by a space, nor an ASCII colon after Japanese words."""

import re

import pytest
from django.core import mail

from rights import correction, fees, workflow
from rights.choices import RejectionGround, Status
from rights.models import RequestNotification
from rights.notice_text import render_notice
from tests.rights.fee_support import in_review, phone_correction_in_review, publish

pytestmark = pytest.mark.django_db

JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff）」]"


def _misplaced(body: str) -> list[str]:
    """Full-width colons followed by a space; ASCII colons right after Japanese."""
    return re.findall(r".{0,12}： .{0,12}", body) + re.findall(
        rf".{{0,12}}{JAPANESE}: .{{0,12}}", body
    )


def _bodies(request, kind) -> dict[str, str]:
    notification = RequestNotification.objects.get(request=request, kind=kind)
    return {
        language: render_notice(notification, language=language)[1] for language in ("ja", "en")
    }


def test_appi_art_38_the_fee_notice_writes_its_reference_and_date_in_each_language(
    customer, officer, file_request, django_capture_on_commit_callbacks
):
    publish(amount=1000)
    request = in_review(file_request, customer, officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        payment = fees.fee_request(request=request, actor=officer)
    bodies = _bodies(request, "fee_due")

    assert f"お支払い番号：{payment.reference}" in bodies["ja"]
    assert "手数料1,000円のお支払い" in bodies["ja"]
    assert _misplaced(bodies["ja"]) == []
    assert f"Payment reference: {payment.reference}" in bodies["en"]
    assert "Please pay by: " in bodies["en"]


def test_appi_art_34_3_a_partial_correction_lists_its_changes_and_ground_in_each_language(
    customer, officer, file_request
):
    request = phone_correction_in_review(file_request, customer, officer)
    request.scope["changes"].append(
        {
            **request.scope["changes"][0],
            "field": "address",
            "label": "Profile — address",
            "current_value": "",
            "new_value": "大阪府大阪市北区2-2",
        }
    )
    request.save(update_fields=["scope"])
    correction.correction_decide(
        request=request,
        approve=[0],
        actor=officer,
        reason="住所は登録どおりです。",
        ground=RejectionGround.ACCURATE,
    )
    request.refresh_from_db()
    assert request.status == Status.PARTIALLY_COMPLETED
    bodies = _bodies(request, "partially_completed")

    assert "：03-1111-2222 → 090-3333-4444" in bodies["ja"]
    assert "法的根拠：" in bodies["ja"] and "理由：住所は登録どおりです。" in bodies["ja"]
    assert _misplaced(bodies["ja"]) == []
    assert ": 03-1111-2222 → 090-3333-4444" in bodies["en"]
    assert "Legal ground: " in bodies["en"] and "Why: " in bodies["en"]


def test_a_rejection_gives_its_ground_and_reason_in_each_language(customer, officer, file_request):
    request = in_review(file_request, customer, officer)
    workflow.transition(
        request,
        to=Status.REJECTED,
        actor=officer,
        reason="確認できませんでした。",
        ground=RejectionGround.IDENTITY,
    )
    bodies = _bodies(request, "rejected")

    assert "理由：確認できませんでした。" in bodies["ja"] and "法的根拠：" in bodies["ja"]
    assert _misplaced(bodies["ja"]) == []
    assert "Reason: " in bodies["en"] and "Legal ground: " in bodies["en"]
