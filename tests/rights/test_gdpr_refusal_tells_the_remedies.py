"""GDPR art. 12(4): a person whose request is refused is told, without delay and at the
latest within one month, the reasons, and that they may lodge a complaint with a
supervisory authority and seek a judicial remedy. The refusal notice says all three,
in the person's language."""

from __future__ import annotations

import pytest
from django.core import mail

from rights import workflow
from rights.choices import Regime, Status

pytestmark = pytest.mark.django_db

REMEDIES = {
    "en": ("supervisory authority", "judicial remedy", "GDPR art. 12(4)"),
    "ja": ("監督機関に苦情を申し立てる", "司法上の救済", "GDPR第12条第4項"),
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_gdpr_art_12_4_a_refusal_tells_the_reason_the_complaint_and_the_court(
    customer, officer, file_request, language, django_capture_on_commit_callbacks
):
    customer.language = language
    customer.save(update_fields=["language"])
    request = file_request(customer, regime=Regime.GDPR)
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(
            request,
            to=Status.REJECTED,
            actor=officer,
            reason="We could not match you to any of our records",
            ground="identity",
        )
    (sent,) = [
        m for m in mail.outbox if m.to == [customer.email] and "We could not match you" in m.body
    ]
    for words in REMEDIES[language]:
        assert words in sent.body, words
