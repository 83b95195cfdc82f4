"""A deletion limited to services says only the retention rules that can keep data of
those services: consent records, records of requests and of provision belong to no
service, so such a deletion never reaches them and the page does not name them
(APPI art. 35; GDPR art. 17(3)(b))."""

from __future__ import annotations

import pytest
from django.utils import translation

from rights.choices import Kind
from rights.retention.preview import KEEP, erasure_preview
from rights.summary import request_summary, summary_of
from tests.factories import RegistrationFactory, ServiceFactory
from tests.intake_support import is_review
from tests.rights.retention_support import customer_with_records, file_deletion

pytestmark = pytest.mark.django_db

TAX = "Transaction documents (invoices, receipts)"
BOOKS = "Accounting books and important business documents"
NOT_IN_A_SERVICE = (
    "Consent records",
    "Records of your requests",
    "Records of provision to third parties",
)


def _kept_rules(lines):
    return [line.split(":")[0] for line in lines]


def test_a_deletion_of_one_service_names_only_the_rules_of_its_data():
    video = ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")
    with translation.override("en"):
        summary = request_summary(kind=Kind.DELETION, services=[video], scope={"everything": False})
    assert _kept_rules(summary.kept) == [BOOKS, TAX]


def test_a_deletion_of_every_service_by_kind_still_names_the_consent_records():
    """No service chosen: the kinds of data chosen are deleted wherever they are."""
    with translation.override("en"):
        summary = request_summary(
            kind=Kind.DELETION, categories=["consent"], scope={"everything": False}
        )
    assert _kept_rules(summary.kept) == [
        "Consent records",
        "Records of provision to third parties",
        "Records of receipt from third parties",
    ]


def test_a_deletion_of_everything_names_every_rule():
    with translation.override("en"):
        summary = request_summary(kind=Kind.DELETION, scope={"everything": True})
    assert set(NOT_IN_A_SERVICE) <= set(_kept_rules(summary.kept))


def test_the_filed_request_and_its_plan_agree():
    """What the plan of a one-service deletion keeps is under the rules the page names."""
    customer = customer_with_records()
    mobile = customer.service_registrations.get().service
    deletion = file_deletion(customer, services=[mobile])
    with translation.override("en"):
        named = _kept_rules(summary_of(deletion).kept)
        kept = {line.basis for line in erasure_preview(deletion).lines if line.action == KEEP}
    assert named == [BOOKS, TAX]
    assert kept and not any(name in basis for basis in kept for name in NOT_IN_A_SERVICE)


@pytest.mark.parametrize(
    ("language", "absent", "present"),
    [
        ("en", ["Consent records:", "Records of your requests:"], TAX),
        ("ja", ["同意の記録：", "権利行使の請求の記録："], "取引書類（請求書・領収書）"),
    ],
)
def test_the_review_of_a_one_service_deletion_lists_only_what_applies(
    stepped_up_client, customer, language, absent, present
):
    video = ServiceFactory(code="video", name="シネマプラス", name_en="Cinema Plus")
    RegistrationFactory(user=customer, service=video)
    stepped_up_client.cookies["django_language"] = language
    review = stepped_up_client.post("/requests/new/deletion/", {"services": [str(video.pk)]})
    text = review.content.decode()
    assert is_review(review)
    assert present in text
    for line in absent:
        assert line not in text
