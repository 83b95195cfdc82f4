"""may_use / may_provide, restrictions, provision records and append-only evidence."""

import datetime

import pytest
import time_machine
from django.utils import timezone, translation

from consent import selectors, services
from consent.models import (
    ConsentRecord,
    ProcessingRestriction,
    ProvisionRecord,
)
from portal.kernel.db import evidence_erasure
from portal.kernel.models import AuditEvent
from tests.consent_support import new_policy_version, purpose, recipients

pytestmark = pytest.mark.django_db

Method = ConsentRecord.Method
Scope = ProcessingRestriction.Scope
Source = ProcessingRestriction.Source
Ground = ProvisionRecord.Ground


def _choose(subject, code, granted):
    return services.consent_update(
        subject=subject, choices={purpose(code): granted}, method=Method.DASHBOARD
    )


def _stop(subject, *, scope, **kwargs):
    return services.restriction_create(
        subject=subject, scope=scope, source=Source.STAFF, reason="test", **kwargs
    )


# --- may_use -------------------------------------------------------------------------


def test_required_purposes_are_usable_and_optional_ones_only_with_consent(customer):
    assert services.may_use(customer, "orders_delivery")
    assert services.may_use(customer, purpose("billing"))
    assert not services.may_use(customer, "marketing")

    _choose(customer, "marketing", True)
    assert services.may_use(customer, "marketing")
    _choose(customer, "marketing", False)
    assert not services.may_use(customer, "marketing")


def test_the_latest_record_decides_and_nothing_is_stored_twice(customer, other_customer):
    for granted in (True, False, True):
        _choose(customer, "marketing", granted)
    _choose(other_customer, "marketing", True)
    _choose(other_customer, "marketing", False)
    assert services.may_use(customer, "marketing")
    assert not services.may_use(other_customer, "marketing")
    latest = selectors.current_choices(customer)[purpose("marketing").pk]
    assert latest.action == ConsentRecord.Action.GRANTED
    assert ConsentRecord.objects.filter(subject=customer).count() == 3
    allowed = selectors.subjects_allowed_for_use(purpose("marketing"))
    assert list(allowed.filter(pk__in=[customer.pk, other_customer.pk])) == [customer]


def test_repeating_a_choice_records_nothing_new(customer):
    assert len(_choose(customer, "marketing", True)) == 1
    assert _choose(customer, "marketing", True) == []
    assert ConsentRecord.objects.filter(subject=customer).count() == 1
    assert AuditEvent.objects.filter(action="consent.changed", subject=customer).count() == 1


def test_required_purposes_cannot_be_withdrawn_by_a_choice(customer):
    with pytest.raises(ValueError):
        _choose(customer, "billing", False)
    assert not ConsentRecord.objects.exists()


def test_an_unknown_purpose_code_is_an_error_not_a_yes(customer):
    with pytest.raises(Exception, match="no-such-purpose"):
        services.may_use(customer, "no-such-purpose")


def test_a_retired_purpose_allows_no_use(customer):
    _choose(customer, "marketing", True)
    marketing = purpose("marketing")
    marketing.is_active = False
    marketing.save()
    assert not services.may_use(customer, "marketing")


def test_a_stop_of_use_wins_over_consent_and_contract_until_it_ends(customer, other_customer):
    _choose(customer, "marketing", True)
    restriction = _stop(customer, scope=Scope.USE, purpose=purpose("marketing"))
    assert not services.may_use(customer, "marketing")
    assert services.may_use(customer, "billing")

    everything = _stop(customer, scope=Scope.USE)
    assert not services.may_use(customer, "billing")
    assert services.may_use(other_customer, "billing")

    services.restriction_end(restriction=everything)
    services.restriction_end(restriction=restriction)
    assert services.may_use(customer, "billing")
    assert services.may_use(customer, "marketing")
    actions = AuditEvent.objects.filter(subject=customer).values_list("action", flat=True)
    assert list(actions).count("consent.restriction_ended") == 2


def test_a_restriction_applies_from_its_start_to_its_end(customer):
    start = timezone.now() + datetime.timedelta(days=1)
    _stop(
        customer,
        scope=Scope.USE,
        purpose=purpose("billing"),
        starts_at=start,
        ends_at=start + datetime.timedelta(days=7),
    )
    assert services.may_use(customer, "billing")
    with time_machine.travel(start + datetime.timedelta(hours=1)):
        assert not services.may_use(customer, "billing")
    with time_machine.travel(start + datetime.timedelta(days=8)):
        assert services.may_use(customer, "billing")


def test_a_restriction_names_the_right_kind_of_target(customer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _stop(customer, scope=Scope.USE, recipient=recipients()["affiliate"])
    assert not ProcessingRestriction.objects.exists()


# --- may_provide -------------------------------------------------------------------------


def test_subcontractors_receive_data_for_their_purpose_affiliates_need_consent(customer):
    to = recipients()
    assert services.may_provide(customer, to["delivery"])
    assert not services.may_provide(customer, to["affiliate"])
    assert not services.may_provide(customer, to["police"])

    _choose(customer, "marketing", True)
    assert services.may_provide(customer, to["affiliate"])
    assert services.may_provide(customer, to["affiliate"], purpose="marketing")
    _choose(customer, "marketing", False)
    assert not services.may_provide(customer, to["affiliate"])


def test_a_stop_of_provision_to_a_recipient_makes_may_provide_false(customer, other_customer):
    to = recipients()
    _choose(customer, "marketing", True)
    _choose(other_customer, "marketing", True)
    _stop(customer, scope=Scope.PROVISION, recipient=to["affiliate"])
    assert not services.may_provide(customer, to["affiliate"])
    assert services.may_provide(customer, to["delivery"])
    assert services.may_provide(other_customer, to["affiliate"])
    # Stopping provision is not stopping use.
    assert services.may_use(customer, "marketing")

    _stop(customer, scope=Scope.PROVISION)
    assert not services.may_provide(customer, to["delivery"])


def test_a_stop_of_use_also_stops_provision_for_that_purpose(customer):
    to = recipients()
    _stop(customer, scope=Scope.USE, purpose=purpose("orders_delivery"))
    assert not services.may_provide(customer, to["delivery"])


# --- provision records ---------------------------------------------------------------------


def _provide(subject, recipient, ground=Ground.CONSENT, note=""):
    return services.provision_record_create(
        subject=subject,
        recipient=recipient,
        provided_on=timezone.localdate(),
        data_items="name, e-mail address",
        ground=ground,
        note=note,
    )


def test_a_provision_record_for_a_restricted_pair_is_refused_with_a_clear_error(customer):
    to = recipients()
    _choose(customer, "marketing", True)
    _stop(customer, scope=Scope.PROVISION, recipient=to["affiliate"])
    with translation.override("en"), pytest.raises(services.ProvisionRefused) as refused:
        _provide(customer, to["affiliate"])
    message = " ".join(refused.value.messages)
    assert customer.email in message and "stop providing" in message
    assert "Sample Group Sales Co., Ltd." in message
    assert refused.value.code == "restricted"
    assert not ProvisionRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.provision_recorded").exists()


def test_a_provision_without_consent_is_refused_and_with_consent_recorded(customer):
    to = recipients()
    with pytest.raises(services.ProvisionRefused) as refused:
        _provide(customer, to["affiliate"])
    assert refused.value.code == "not_allowed"
    _choose(customer, "marketing", True)
    record = _provide(customer, to["affiliate"])
    assert record.pk and record.recipient == to["affiliate"]
    assert AuditEvent.objects.filter(action="consent.provision_recorded", subject=customer).exists()


def test_outsourcing_is_only_for_subcontractors(customer):
    to = recipients()
    _choose(customer, "marketing", True)
    with pytest.raises(services.ProvisionRefused) as refused:
        _provide(customer, to["affiliate"], ground=Ground.OUTSOURCING)
    assert refused.value.code == "not_subcontractor"
    assert _provide(customer, to["delivery"], ground=Ground.OUTSOURCING).pk


def test_provision_required_by_law_is_recorded_despite_a_restriction_but_needs_a_note(customer):
    to = recipients()
    _stop(customer, scope=Scope.PROVISION)
    with pytest.raises(services.ProvisionRefused) as refused:
        _provide(customer, to["police"], ground=Ground.LAW)
    assert refused.value.code == "note_required"
    record = _provide(
        customer, to["police"], ground=Ground.LAW, note="Code of Criminal Procedure 197(2)"
    )
    assert record.ground == Ground.LAW


def test_leap_day_records_are_kept_to_the_28th():
    assert selectors.years_after(datetime.date(2024, 2, 29), 3) == datetime.date(2027, 2, 28)


# --- append-only evidence ----------------------------------------------------------------


def test_consent_and_provision_records_cannot_be_changed_or_deleted(customer):
    to = recipients()
    record = _choose(customer, "marketing", True)[0]
    provision = _provide(customer, to["affiliate"])
    for model, row in [(ConsentRecord, record), (ProvisionRecord, provision)]:
        with pytest.raises(PermissionError):
            model.objects.filter(pk=row.pk).update(note="changed")
        with pytest.raises(PermissionError):
            model.objects.filter(pk=row.pk).delete()
        with pytest.raises(PermissionError):
            row.save()
        with pytest.raises(PermissionError):
            row.delete()
        assert model.objects.filter(pk=row.pk).exists()


def test_evidence_is_deleted_only_inside_evidence_erasure(customer):
    record = _choose(customer, "marketing", True)[0]
    with evidence_erasure():
        ConsentRecord.objects.filter(pk=record.pk).delete()
    assert not ConsentRecord.objects.exists()
    _choose(customer, "marketing", False)
    with pytest.raises(PermissionError):
        ConsentRecord.objects.all().delete()


# --- the privacy policy ------------------------------------------------------------------


def test_policy_status_material_and_non_material(customer):
    first = selectors.current_policy_version()
    assert first.version == "1" and not first.is_material
    services.policy_accept(subject=customer, version=first, method=Method.SIGNUP)
    status = selectors.policy_status(customer)
    assert not status.must_accept and not status.notice

    minor = new_policy_version(material=False, version="1.1", ago=20)
    status = selectors.policy_status(customer)
    assert status.notice and not status.must_accept and status.current == minor

    major = new_policy_version(material=True, version="2", ago=10)
    status = selectors.policy_status(customer)
    assert status.must_accept and status.current == major

    services.policy_accept(subject=customer, version=major, method=Method.POLICY_PAGE)
    assert not selectors.policy_status(customer).pending
    # Accepting again records nothing new.
    assert services.policy_accept(subject=customer, version=major, method=Method.DASHBOARD) is None


def test_a_version_not_yet_in_force_cannot_be_accepted(customer):
    future = new_policy_version(material=True, ago=-3_600_000)
    assert selectors.current_policy_version() != future
    assert not selectors.policy_status(customer).must_accept
    with pytest.raises(ValueError):
        services.policy_accept(subject=customer, version=future, method=Method.POLICY_PAGE)
