"""At sign-up the customer accepts the current policy and chooses optional purposes."""

import pytest

from consent import selectors, services
from consent.models import ConsentRecord
from portal.kernel.models import AuditEvent, User
from tests.consent_support import BROWSER, purpose

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "jiro@example.com",
    "full_name": "田中 次郎",
    "password1": "a-long-enough-secret-77",
    "password2": "a-long-enough-secret-77",
    "accept_policy": "on",
}


def _signup(client, capture, data):
    with capture(execute=True):
        return client.post(
            "/accounts/signup/", data, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.4"
        )


def test_the_form_offers_the_policy_and_optional_purposes_unticked(client):
    response = client.get("/accounts/signup/")
    form = response.context["form"]
    assert form.fields["accept_policy"].required
    assert not form["purpose_marketing"].value()
    assert "purpose_billing" not in form.fields  # required purposes are not a choice
    html = response.content.decode()
    assert 'href="/privacy/"' in html


def test_sign_up_without_accepting_the_policy_creates_nothing(
    client, django_capture_on_commit_callbacks
):
    data = {k: v for k, v in SIGNUP.items() if k != "accept_policy"}
    response = _signup(client, django_capture_on_commit_callbacks, data)
    assert response.status_code == 200
    assert response.context["form"].errors["accept_policy"]
    assert not User.objects.exists() and not ConsentRecord.objects.exists()


def test_sign_up_records_the_policy_and_a_granted_purpose_with_evidence(
    client, django_capture_on_commit_callbacks
):
    response = _signup(
        client, django_capture_on_commit_callbacks, {**SIGNUP, "purpose_marketing": "on"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="jiro@example.com")
    records = ConsentRecord.objects.filter(subject=user)
    assert records.count() == 2
    policy = records.get(policy_version__isnull=False)
    assert policy.policy_version == selectors.current_policy_version()
    assert policy.action == ConsentRecord.Action.GRANTED
    marketing = records.get(purpose=purpose("marketing"))
    assert marketing.action == ConsentRecord.Action.GRANTED
    for record in records:
        assert record.method == ConsentRecord.Method.SIGNUP
        assert record.ip_address == "198.51.100.4"
        assert record.user_agent == BROWSER
        assert record.language == "ja"
    assert services.may_use(user, "marketing")
    assert not selectors.policy_status(user).pending
    event = AuditEvent.objects.get(action="consent.signup", subject=user)
    assert event.details == {"policy_version": "1", "granted": ["marketing"], "declined": []}


def test_an_unticked_purpose_is_recorded_as_declined(client, django_capture_on_commit_callbacks):
    client.cookies["django_language"] = "en"
    _signup(client, django_capture_on_commit_callbacks, SIGNUP)
    user = User.objects.get(email="jiro@example.com")
    marketing = ConsentRecord.objects.get(subject=user, purpose=purpose("marketing"))
    assert marketing.action == ConsentRecord.Action.DECLINED
    assert marketing.language == "en"
    assert not services.may_use(user, "marketing")


def test_sign_up_with_a_registered_address_records_no_consent(
    client, customer, django_capture_on_commit_callbacks
):
    _signup(client, django_capture_on_commit_callbacks, {**SIGNUP, "email": customer.email})
    assert not ConsentRecord.objects.exists()
