"""Input that is stale, out of range or malformed changes nothing it should not:
the consent page after a new purpose is published, and the consent admin forms."""

import datetime

import pytest
from django.utils import timezone

from consent import services
from consent.models import (
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
