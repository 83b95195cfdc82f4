"""The customer's mails call their request 「ご請求」 in Japanese, in every notice and
in every wording (with and without an account), as the rest of the customer's text
does; 「請求」 alone is the staff's word."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from rights.choices import Status
from rights.models import RequestNotification
from rights.progress import next_step_text

PLAIN = re.compile(r"(?<!ご)請求")

_AT = dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC)


def _context(kind: str, *, has_account: bool) -> dict:
    return {
        "request": SimpleNamespace(
            reference="R-2026-000001", get_kind_display="開示", regime="appi"
        ),
        "kind": kind,
        "has_account": has_account,
        "request_url": "https://portal.example/requests/1/" if has_account else "",
        "follow_url": "" if has_account else "https://portal.example/follow/x/",
        "reason": "理由",
        "due_at": _AT,
        "answer_by": _AT,
        "status_label": "対応中",
        "next_step": "",
        "fee_reference": "F-1",
        "fee_amount": "1,000円",
        "fee_pay_by": _AT,
        "fee_further_copy_of": "R-2026-000000",
        "fee_further_copy_delivered_on": _AT,
        "fees_url": "https://portal.example/fees/",
        "posted_on": _AT,
        "documents": False,
    }


@pytest.mark.parametrize("has_account", [True, False])
@pytest.mark.parametrize("kind", RequestNotification.Kind.values)
def test_every_notice_calls_the_request_go_seikyu(kind, has_account):
    context = _context(kind, has_account=has_account)
    with translation.override("ja"):
        subject = render_to_string("rights/notice_subject.txt", context)
        body = render_to_string("rights/notice.txt", context)
    assert not PLAIN.search(subject), subject
    assert not PLAIN.search(body), body


@pytest.mark.parametrize("documents_sent", [True, False])
@pytest.mark.parametrize("status", Status.values)
def test_the_next_step_in_a_status_mail_calls_the_request_go_seikyu(status, documents_sent):
    with translation.override("ja"):
        text = str(next_step_text(status, documents_sent=documents_sent))
    assert not PLAIN.search(text), text


@pytest.mark.parametrize("template", ["request_code", "agent_confirmation"])
def test_the_mails_to_people_without_an_account_call_the_request_go_seikyu(template):
    context = {
        "token": "123456",
        "valid_minutes": 10,
        "request": SimpleNamespace(
            reference="R-2026-000001", get_kind_display="開示", received_at=_AT
        ),
        "identity": SimpleNamespace(requester_name="佐藤 一郎"),
        "expires_at": _AT,
        "site_url": "https://portal.example",
        "path": "/agent/x/",
    }
    with translation.override("ja"):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
    assert not PLAIN.search(subject), subject
    assert not PLAIN.search(body), body
    # The person asked about an agent is a customer too: 「お客様」, not 「あなた」.
    assert "あなた" not in body, body


def test_the_steps_of_the_progress_call_the_request_go_seikyu(customer):
    from rights.progress import progress_of
    from rights.services import request_submit

    request = request_submit(subject=customer, requester=customer, kind="disclosure")
    with translation.override("ja"):
        labels = [step.label for step in progress_of(request).steps]
    assert [label for label in labels if PLAIN.search(label)] == []
