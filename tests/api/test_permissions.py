"""The API's permission answers: the consent app's own, read at the moment of asking.

APPI art. 35 / GDPR arts. 18 and 21: once a stop of use is approved, the next
answer is "no" (the approval applies at once; clients cache for a minute at most).
"""

import json

import pytest

from consent import services as consent
from consent.models import ConsentRecord, Recipient
from rights import stop_decisions
from rights.retention.holds.services import hold_place
from tests.consent_support import purpose, recipients
from tests.rights.stop_support import marketing_stop_in_review

pytestmark = pytest.mark.django_db


def _ask(client, headers, ref, **question):
    return client.get(f"/api/v1/subjects/{ref}/permissions", question, headers=headers)


def _grant_marketing(user):
    consent.consent_update(
        subject=user, choices={purpose("marketing"): True}, method=ConsentRecord.Method.DASHBOARD
    )


def test_art35_a_permissions_answer_flips_the_moment_a_stop_use_is_approved(
    client, make_client, customer_a, service_a, officer
):
    """APPI art. 35, GDPR art. 21(3): approved stop of use for marketing, answered at once."""
    _api_client, headers = make_client(["consent:read"], [service_a])
    _grant_marketing(customer_a)
    request = marketing_stop_in_review(customer_a, officer)

    before = _ask(client, headers, "M-A-0001", purpose="marketing")
    assert before.status_code == 200
    assert (before.json()["may_use"], before.json()["use_reason"]) == (True, "consent")
    assert before["Cache-Control"] == "private, max-age=60"

    stop_decisions.stop_decide(
        request=request, decisions={"purpose:marketing": "stop"}, actor=officer
    )

    after = _ask(client, headers, "M-A-0001", purpose="marketing").json()
    assert (after["may_use"], after["use_reason"]) == (False, "restriction")
    assert after["may_use"] == consent.may_use(customer_a, "marketing")


def test_a_stop_of_use_of_the_recipients_purpose_is_the_reason_provision_is_refused(
    client, make_client, customer_a, service_a, officer
):
    """docs/api.md: ``restriction`` when a stop of use or provision is in force."""
    _api_client, headers = make_client(["consent:read"], [service_a])
    affiliate = recipients()["affiliate"]  # receives data for marketing, with consent
    _grant_marketing(customer_a)
    request = marketing_stop_in_review(customer_a, officer)
    stop_decisions.stop_decide(
        request=request, decisions={"purpose:marketing": "stop"}, actor=officer
    )

    answer = _ask(client, headers, "M-A-0001", purpose="marketing", recipient=affiliate.pk).json()
    assert (answer["may_provide"], answer["provide_reason"]) == (False, "restriction")
    assert (answer["may_use"], answer["use_reason"]) == (False, "restriction")
    answer = _ask(client, headers, "M-A-0001", recipient=affiliate.pk).json()
    assert (answer["may_provide"], answer["provide_reason"]) == (False, "restriction")
    assert answer["may_provide"] == consent.may_provide(customer_a, affiliate)


def test_reasons_for_use_and_provision(client, make_client, customer_a, service_a):
    _api_client, headers = make_client(["consent:read"], [service_a])
    targets = recipients()

    answer = _ask(client, headers, customer_a.email, purpose="marketing").json()
    assert (answer["may_use"], answer["use_reason"]) == (False, "no_consent")
    answer = _ask(client, headers, customer_a.email, purpose="orders_delivery").json()
    assert (answer["may_use"], answer["use_reason"]) == (True, "contract")
    answer = _ask(client, headers, "M-A-0001", recipient=targets["delivery"].pk).json()
    assert (answer["may_provide"], answer["provide_reason"]) == (True, "outsourcing")
    answer = _ask(client, headers, "M-A-0001", recipient=targets["affiliate"].pk).json()
    assert (answer["may_provide"], answer["provide_reason"]) == (False, "no_consent")
    answer = _ask(client, headers, "M-A-0001", recipient=targets["police"].pk).json()
    assert (answer["may_provide"], answer["provide_reason"]) == (False, "not_providable")
    _grant_marketing(customer_a)
    answer = _ask(client, headers, "M-A-0001", recipient=targets["affiliate"].pk).json()
    assert (answer["may_provide"], answer["provide_reason"]) == (True, "consent")
    assert answer["may_use"] is None and answer["legal_hold"] is False


def test_a_provision_no_consent_could_allow_is_not_providable(
    client, make_client, customer_a, service_a
):
    """A successor receives nothing this way (APPI art. 27(5)(ii)), and a recipient
    receives nothing for a purpose not its own: no consent of the customer's would
    change either answer, so neither is ``no_consent``."""
    _api_client, headers = make_client(["consent:read"], [service_a])
    targets = recipients()
    successor = Recipient.objects.create(
        name_ja="承継会社", name_en="Successor Co.", kind=Recipient.Kind.SUCCESSOR
    )
    successor.purposes.add(purpose("marketing"))
    _grant_marketing(customer_a)

    answers = [
        _ask(client, headers, "M-A-0001", **question).json()
        for question in (
            {"recipient": successor.pk},
            {"recipient": targets["delivery"].pk, "purpose": "marketing"},
        )
    ]

    assert [(a["may_provide"], a["provide_reason"]) for a in answers] == [
        (False, "not_providable"),
        (False, "not_providable"),
    ]


def test_a_legal_hold_is_said_and_allows_nothing(
    client, make_client, customer_a, service_a, officer
):
    _api_client, headers = make_client(["consent:read"], [service_a])
    hold_place(actor=officer, reason="Litigation", legal_basis="Court order", service=service_a)

    answer = _ask(client, headers, "M-A-0001", purpose="marketing").json()

    assert answer["legal_hold"] is True and answer["may_use"] is False


def test_unknown_questions_and_other_services_customers_are_refused(
    client, make_client, customer_a, customer_b, service_a
):
    _api_client, headers = make_client(["consent:read"], [service_a])

    assert _ask(client, headers, "M-A-0001").status_code == 422
    assert (
        _ask(client, headers, "M-A-0001", purpose="nope")
        .json()["type"]
        .endswith("/unknown-purpose")
    )
    assert _ask(client, headers, "M-B-0001", purpose="marketing").status_code == 404
    assert _ask(client, headers, customer_b.email, purpose="marketing").status_code == 404
    _other, read_only = make_client(["requests:read"], [service_a])
    assert _ask(client, read_only, "M-A-0001", purpose="marketing").status_code == 403


def test_the_batch_answers_up_to_a_thousand_subjects_in_their_order(
    client, make_client, customer_a, customer_b, service_a, django_assert_max_num_queries
):
    _api_client, headers = make_client(["consent:read"], [service_a])
    _grant_marketing(customer_a)
    subjects = ["M-A-0001", "M-B-0001", customer_b.email, "unknown", customer_a.email.upper()]

    with django_assert_max_num_queries(20):
        response = client.post(
            "/api/v1/permissions/batch",
            json.dumps({"subjects": subjects, "purpose": "marketing"}),
            content_type="application/json",
            headers=headers,
        )

    assert response.status_code == 200
    answers = response.json()["answers"]
    assert [a["subject"] for a in answers] == subjects
    assert [a["found"] for a in answers] == [True, False, False, False, True]
    assert answers[0]["may_use"] is True and answers[4]["may_use"] is True
    too_many = client.post(
        "/api/v1/permissions/batch",
        json.dumps({"subjects": ["x"] * 1001, "purpose": "marketing"}),
        content_type="application/json",
        headers=headers,
    )
    assert too_many.status_code == 422


def test_each_spelling_of_an_address_in_a_batch_gets_its_answer(
    client, make_client, customer_a, service_a
):
    _api_client, headers = make_client(["consent:read"], [service_a])
    _grant_marketing(customer_a)
    local, domain = customer_a.email.split("@")
    spellings = [f"{local.upper()}@{domain}", customer_a.email, f"{local}@{domain.upper()}"]

    response = client.post(
        "/api/v1/permissions/batch",
        json.dumps({"subjects": spellings, "purpose": "marketing"}),
        content_type="application/json",
        headers=headers,
    )

    answers = response.json()["answers"]
    assert [(a["subject"], a["found"], a["may_use"]) for a in answers] == [
        (spelling, True, True) for spelling in spellings
    ]


def test_a_batch_answer_names_its_subject_as_sent_spaces_included(
    client, make_client, customer_a, service_a
):
    """Found or not, an answer's subject is the reference as the client sent it: the
    client matches answers to its own records by it."""
    _api_client, headers = make_client(["consent:read"], [service_a])
    _grant_marketing(customer_a)
    subjects = [" M-A-0001", f"{customer_a.email} ", " unknown "]

    response = client.post(
        "/api/v1/permissions/batch",
        json.dumps({"subjects": subjects, "purpose": "marketing"}),
        content_type="application/json",
        headers=headers,
    )

    answers = response.json()["answers"]
    assert [(a["subject"], a["found"]) for a in answers] == [
        (" M-A-0001", True),
        (f"{customer_a.email} ", True),
        (" unknown ", False),
    ]
