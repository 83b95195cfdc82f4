"""Input that is stale, out of range or malformed changes nothing it should not:
the consent page after a new purpose is published, and the consent admin forms."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from consent import services
from consent.models import (
    AuthorityRequest,
    ConsentRecord,
    PolicyVersion,
    ProcessingRestriction,
    ProvisionRecord,
    Purpose,
)
from tests.consent_support import recipients

pytestmark = pytest.mark.django_db


def _opt_out_purpose(code="research") -> Purpose:
    return Purpose.objects.create(
        code=code,
        title_ja="研究",
        title_en="Research",
        description_ja="統計的な研究に利用します。",
        description_en="We use data for statistical research.",
        is_required=False,
        is_opt_out=True,
        legal_basis=Purpose.LegalBasis.LEGITIMATE_INTERESTS,
    )


def test_a_purpose_published_after_the_page_was_loaded_is_not_withdrawn_by_it(
    stepped_up_client, customer
):
    page = stepped_up_client.get("/consent/")
    shown = page.context["form"]["shown"].value()
    assert 'name="shown"' in page.content.decode()
    research = _opt_out_purpose()  # published while the page is open

    response = stepped_up_client.post(
        "/consent/", {"shown": shown, "purpose_marketing": "on", "purpose_statistics": "on"}
    )

    assert response.status_code == 302
    assert services.may_use(customer, "marketing")
    assert services.may_use(customer, research)
    assert not ConsentRecord.objects.filter(subject=customer, purpose=research).exists()
    # The next page shows the new box, and unticking it withdraws it.
    page = stepped_up_client.get("/consent/")
    stepped_up_client.post(
        "/consent/",
        {"shown": page.context["form"]["shown"].value(), "purpose_marketing": "on",
         "purpose_statistics": "on"},
    )  # fmt: skip
    assert not services.may_use(customer, research)
    assert ConsentRecord.objects.get(subject=customer, purpose=research).action == "withdrawn"


PURPOSE_FORM = {
    "code": "survey",
    "title_ja": "アンケート",
    "title_en": "Surveys",
    "description_ja": "アンケートのご案内を送ります。",
    "description_en": "We send you surveys.",
    "legal_basis": "consent",
    "display_order": "0",
    "is_active": "on",
}


@pytest.mark.parametrize("categories", ["5", '{"contact": 1}', '"contact"', '["contact", "x"]'])
def test_the_purpose_form_takes_only_a_list_of_known_data_categories(
    officer_client, customer, categories
):
    """A number saved here made "my data" fail for every customer (a server error)."""
    response = officer_client.post(
        "/admin/consent/purpose/add/", {**PURPOSE_FORM, "data_categories": categories}
    )
    assert response.status_code == 200
    assert "data_categories" in response.context["adminform"].form.errors
    assert not Purpose.objects.filter(code="survey").exists()

    response = officer_client.post(
        "/admin/consent/purpose/add/", {**PURPOSE_FORM, "data_categories": '["contact"]'}
    )
    assert response.status_code == 302
    assert Purpose.objects.get(code="survey").data_categories == ["contact"]


@pytest.mark.parametrize("day", ["0001-01-01", "3000-01-01"])
def test_a_policy_version_dated_outside_the_calendar_is_refused_in_words(officer_client, day):
    """Year 1 in Tokyo is before year 1 in UTC: saving it was a server error."""
    response = officer_client.post(
        "/admin/consent/policyversion/add/",
        {
            "version": "2",
            "effective_at_0": day,
            "effective_at_1": "00:00:00",
            "text_ja": "第2版",
            "text_en": "Version 2",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["effective_at"]
    assert errors == ["1900-01-01から2999-12-31までの日付を入力してください。"]
    assert not PolicyVersion.objects.filter(version="2").exists()


def test_a_provision_dated_after_today_is_not_recorded(officer_client, customer):
    """A record dated 9999-12-31 was saved, and then the list of provision records
    failed for everyone: its keeping period ran past the last year there is."""
    delivery = recipients()["delivery"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form = {
        "recipient": delivery.pk,
        "subject": customer.pk,
        "data_items": "氏名、住所",
        "ground": "outsourcing",
        "note": "",
    }
    for day in [tomorrow, datetime.date(9999, 12, 31)]:
        response = officer_client.post(
            "/admin/consent/provisionrecord/add/", {**form, "provided_on": day.isoformat()}
        )
        assert response.status_code == 200
        errors = " ".join(response.context["adminform"].form.non_field_errors())
        assert "提供日が将来の日付です" in errors
    with pytest.raises(services.ProvisionRefused):
        services.provision_record_create(
            subject=customer,
            recipient=delivery,
            provided_on=tomorrow,
            data_items="氏名",
            ground=ProvisionRecord.Ground.OUTSOURCING,
        )
    assert not ProvisionRecord.objects.exists()

    response = officer_client.post(
        "/admin/consent/provisionrecord/add/",
        {**form, "provided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert officer_client.get("/admin/consent/provisionrecord/").status_code == 200


def test_a_restriction_dated_outside_the_calendar_is_refused_in_words(officer_client, customer):
    """Year 1 in Tokyo is before year 1 in UTC: saving it was a server error."""
    response = officer_client.post(
        "/admin/consent/processingrestriction/add/",
        {
            "subject": customer.pk,
            "scope": "use",
            "starts_at_0": "0001-01-01",
            "starts_at_1": "00:00:00",
            "ends_at_0": "3000-01-01",
            "ends_at_1": "00:00:00",
            "source": "staff",
            "reason": "Asked by phone",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    expected = ["1900-01-01から2999-12-31までの日付を入力してください。"]
    assert (errors["starts_at"], errors["ends_at"]) == (expected, expected)
    assert not ProcessingRestriction.objects.exists()


NOT_YET = "まだ来ていない日付です。"
AUTHORITY_FORM = {
    "body_kind": "police",
    "requesting_body": "渋谷警察署",
    "legal_basis": "刑事訴訟法第197条第2項",
    "received_on": "2026-12-01",
    "decision": "provided",
    "data_provided": "氏名、電話番号",
    "provided_on": "2026-12-02",
}


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        (
            {"received_on": "9999-12-31", "provided_on": ""},
            "received_on",
            "まだ来ていない日付です。",
        ),
        ({"provided_on": "9999-12-31"}, "provided_on", NOT_YET),
        ({"provided_on": "2026-11-30"}, "provided_on", "請求を受ける前の日付には提供できません。"),
        ({"decision": "refused"}, "decision", "拒否した場合は何も提供していないため"),
    ],
)
def test_a_request_from_an_authority_is_kept_only_as_it_can_have_happened(
    officer_client, officer, customer, changes, field, error
):
    """The record cannot be corrected once entered, so the form refuses a day that has
    not come, a provision before the request and a refusal that provided data."""
    form = {**AUTHORITY_FORM, "subject": customer.pk, "approved_by": officer.pk}
    with time_machine.travel(datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.UTC)):
        response = officer_client.post("/admin/consent/authorityrequest/add/", {**form, **changes})
        assert response.status_code == 200
        assert error in " ".join(response.context["adminform"].form.errors[field])
        assert not AuthorityRequest.objects.exists()

        response = officer_client.post("/admin/consent/authorityrequest/add/", form)
    assert response.status_code == 302
    assert AuthorityRequest.objects.get().provided_on == datetime.date(2026, 12, 2)
