"""The personal-data registry: one subject's data only, validated corrections,
erasure by category, an external source, and the declaration checks."""

import datetime
import json
from collections.abc import Iterator

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

from portal.kernel.models import AuditEvent, Profile, User
from portal.kernel.registry import (
    ANY,
    DELETE,
    NOT_APPLICABLE,
    Category,
    Lookup,
    ModelSource,
    PersonalField,
    Record,
    RecordNotFound,
    Source,
    check_personal_data,
    registry,
)
from portal.kernel.subject_view import subject_view
from portal.records.models import UsageRecord
from tests.factories import (
    InquiryFactory,
    InvoiceFactory,
    PaymentMethodFactory,
    ProfileFactory,
    RegistrationFactory,
    ServiceFactory,
    UsageRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _give_records(user, service):
    RegistrationFactory(user=user, service=service, member_number=f"M-{user.pk:06d}")
    for _ in range(3):
        UsageRecordFactory(user=user, service=service, detail="同じ端末")
    InvoiceFactory(user=user, service=service)
    PaymentMethodFactory(user=user)
    InquiryFactory(user=user, service=service)
    InquiryFactory(user=user, service=None, subject="一般的な質問")


@pytest.fixture
def twins():
    """Two customers whose data differs only by a character or a digit."""
    service = ServiceFactory(code="mobile", name="スマイルモバイル", name_en="Smile Mobile")
    a, b = (
        ProfileFactory(
            full_name=name,
            full_name_kana="ヤマダ タロウ",
            phone=phone,
            address="東京都渋谷区渋谷2-21-1",
            date_of_birth=datetime.date(1988, 4, 12),
            user__email=email,
        ).user
        for name, phone, email in [
            ("山田 太郎", "03-5555-0123", "taro@example.com"),
            ("山田 太朗", "03-5555-0124", "taro2@example.com"),
        ]
    )
    _give_records(a, service)
    _give_records(b, service)
    return a, b


def _expected_ids(user) -> set[tuple[str, int]]:
    ids = {("portal.user", user.pk), ("portal.profile", user.profile.pk)}
    for related, key in [
        ("service_registrations", "portal.serviceregistration"),
        ("usage_records", "portal.usagerecord"),
        ("invoices", "portal.invoice"),
        ("payment_methods", "portal.paymentmethod"),
        ("inquiries", "portal.inquiry"),
    ]:
        ids |= {(key, pk) for pk in getattr(user, related).values_list("pk", flat=True)}
    return ids


def _view_ids(view) -> set[tuple[str, int]]:
    return {
        (row.record.source, row.record.id)
        for group in view.groups
        for category in group.categories
        for section in category.sections
        for row in section.rows
    }


def test_subject_view_and_stream_hold_exactly_one_subjects_data(twins):
    a, b = twins
    expected_a, expected_b = _expected_ids(a), _expected_ids(b)
    assert len(expected_a) == 10 and not expected_a & expected_b

    view = subject_view(a)
    # Other apps' sources may hold data too; this app's must match exactly.
    assert {i for i in _view_ids(view) if i[0].startswith("portal.")} == expected_a
    streamed = list(registry.stream(a))
    portal_records = [r for r in streamed if r.source.startswith("portal.")]
    assert {(r.source, r.id) for r in portal_records} == expected_a
    assert len(portal_records) == len(expected_a)
    # The one value that tells them apart never leaks across.
    dump = json.dumps([r.values for r in streamed], default=str, ensure_ascii=False)
    assert "山田 太郎" in dump and "太朗" not in dump and "03-5555-0124" not in dump
    assert "taro2@" not in dump


def test_subject_view_groups_by_service_then_category(twins, monkeypatch):
    monkeypatch.setattr(registry, "_purposes_provider", None)
    monkeypatch.setattr(registry, "_retention_provider", None)
    a, _b = twins
    view = subject_view(a)
    assert [g.code for g in view.groups] == [None, "mobile"]
    account, mobile = view.groups
    assert [c.category for c in account.categories] == [
        Category.IDENTITY,
        Category.CONTACT,
        Category.DEMOGRAPHIC,
        Category.PROFESSIONAL,
        Category.ACCOUNT,
        Category.PAYMENT,
        Category.COMMUNICATIONS,  # the general inquiry, tied to no service
    ]
    assert [c.category for c in mobile.categories] == [
        Category.CONTRACT,
        Category.TRANSACTIONS,
        Category.USAGE,
        Category.COMMUNICATIONS,
    ]
    assert mobile.title == "Smile Mobile"
    with translation.override("ja"):
        assert mobile.title == "スマイルモバイル"
    usage = mobile.categories[2].sections[0]
    assert usage.page.count == 3 and len(usage.rows) == 3
    # Purposes and retention are not defined yet: the page says so.
    assert mobile.categories[0].purposes is None and mobile.categories[0].retention is None


def test_handler_scope_shows_only_the_given_services(twins):
    a, _b = twins
    other = ServiceFactory(code="video")
    UsageRecordFactory(user=a, service=other)
    view = subject_view(a, services={"video"})
    assert [g.code for g in view.groups] == ["video"]
    assert {source for source, _id in _view_ids(view)} == {"portal.usagerecord"}


@pytest.mark.parametrize(
    "query",
    [
        "taro@example.com",
        "TARO@Example.COM",
        "+81 3-5555-0123",
        "0355550123",
        "０３－５５５５－０１２３",
    ],
)
def test_find_subject_by_email_or_phone_finds_only_that_subject(twins, query):
    a, _b = twins
    assert registry.find_subjects(query) == [a.pk]


def test_find_subject_by_name_ignores_spaces(twins):
    a, b = twins
    assert registry.find_subjects("山田太郎") == [a.pk]
    assert registry.find_subjects("山田 太朗") == [b.pk]
    assert registry.find_subjects("ヤマダ") == sorted([a.pk, b.pk])
    assert registry.find_subjects("") == []
    assert registry.find_subjects("nobody@example.com") == []


# -- correction --------------------------------------------------------------


def _correct(subject, **kwargs):
    return registry.correct(subject, actor=subject, **kwargs)


def test_a_bad_date_is_refused_with_a_message_and_nothing_is_saved(twins):
    a, _b = twins
    profile = a.profile
    with pytest.raises(ValidationError) as caught:
        _correct(
            a,
            source="portal.profile",
            record_id=profile.pk,
            field="date_of_birth",
            value="1988-02-30",
        )
    assert "date_of_birth" in caught.value.message_dict
    assert "Enter the date as year-month-day" in caught.value.message_dict["date_of_birth"][0]
    profile.refresh_from_db()
    assert profile.date_of_birth == datetime.date(1988, 4, 12)
    assert not AuditEvent.objects.filter(action="data.corrected").exists()


def test_an_over_long_value_is_refused_with_a_message_and_nothing_is_saved(twins):
    a, _b = twins
    with pytest.raises(ValidationError) as caught:
        _correct(a, source="portal.profile", record_id=a.profile.pk, field="phone", value="0" * 33)
    assert any("at most 32 characters" in m for m in caught.value.message_dict["phone"])
    assert Profile.objects.get(pk=a.profile.pk).phone == "03-5555-0123"


def test_a_constraint_of_the_model_is_enforced(twins):
    a, _b = twins
    registration = a.service_registrations.get()
    with pytest.raises(ValidationError) as caught:
        _correct(
            a,
            source="portal.serviceregistration",
            record_id=registration.pk,
            field="ended_on",
            value="2020-01-01",
        )
    assert "before the start date" in str(caught.value)
    registration.refresh_from_db()
    assert registration.ended_on is None


def test_a_valid_correction_is_saved_and_audited_without_values(twins):
    a, b = twins
    record = _correct(
        a,
        source="portal.profile",
        record_id=a.profile.pk,
        field="date_of_birth",
        value="1988-04-21",
    )
    assert record.values["date_of_birth"] == datetime.date(1988, 4, 21)
    assert Profile.objects.get(pk=a.profile.pk).date_of_birth == datetime.date(1988, 4, 21)
    assert Profile.objects.get(pk=b.profile.pk).date_of_birth == datetime.date(1988, 4, 12)
    event = AuditEvent.objects.get(action="data.corrected")
    assert event.subject_id == a.pk
    assert event.details == {"source": "portal.profile", "field": "date_of_birth"}
    assert "1988" not in json.dumps(event.details)


def test_an_empty_value_clears_an_optional_field(twins):
    a, _b = twins
    _correct(a, source="portal.profile", record_id=a.profile.pk, field="date_of_birth", value="")
    assert Profile.objects.get(pk=a.profile.pk).date_of_birth is None


def test_another_subjects_record_or_a_fixed_field_cannot_be_corrected(twins):
    a, b = twins
    with pytest.raises(RecordNotFound):
        _correct(a, source="portal.profile", record_id=b.profile.pk, field="phone", value="1")
    with pytest.raises(RecordNotFound):
        _correct(a, source="portal.profile", record_id="not-a-number", field="phone", value="1")
    usage = a.usage_records.first()
    with pytest.raises(ValidationError) as caught:
        _correct(a, source="portal.usagerecord", record_id=usage.pk, field="detail", value="x")
    assert "cannot be corrected" in str(caught.value)
    with pytest.raises(ValidationError):
        _correct(a, source="portal.profile", record_id=a.profile.pk, field="is_staff", value=True)
    assert Profile.objects.get(pk=b.profile.pk).phone == "03-5555-0124"


# -- erasure -----------------------------------------------------------------


def test_erasing_contact_details_anonymises_only_that_subject(twins):
    a, b = twins
    counts = registry.erase(a, Category.CONTACT, actor=None)
    assert counts == {"portal.user": 1, "portal.profile": 1}
    a.refresh_from_db()
    profile = Profile.objects.get(user=a)
    assert a.email == f"erased-{a.pk}@erased.invalid"
    assert (profile.phone, profile.address, profile.postal_code) == ("", "", "")
    assert profile.full_name == "山田 太郎"  # identity is another category
    b_profile = Profile.objects.get(user=b)
    assert b_profile.phone == "03-5555-0124" and b_profile.address
    assert User.objects.get(pk=b.pk).email == "taro2@example.com"
    event = AuditEvent.objects.get(action="data.erased")
    assert event.details == {
        "category": "contact",
        "counts": {"portal.user": 1, "portal.profile": 1},
        "complete": True,
    }


def test_erasing_a_deleted_category_removes_rows_in_batches(twins):
    a, b = twins
    for _ in range(4):
        UsageRecordFactory(user=a, service=a.usage_records.first().service)
    source = registry.source("portal.usagerecord")
    assert source.erase(a, Category.USAGE, actor=None, batch_size=2) == 7
    assert not UsageRecord.objects.filter(user=a).exists()
    assert UsageRecord.objects.filter(user=b).count() == 3
    assert source.erase(a, Category.USAGE, actor=None) == 0  # repeating is harmless
    assert source.erase(a, Category.IDENTITY, actor=None) == 0  # not this source's


# -- an external source --------------------------------------------------------


class CallCentreSource(Source):
    """Notes of phone calls kept by an outside call-centre system.

    Stands in for any system outside the database: the registry reaches it
    only through the Source interface.
    """

    key = "callcentre.calls"
    label = "Call notes"
    retention = "correspondence"
    erasure = "delete"
    fields = (
        PersonalField("called_at", Category.COMMUNICATIONS, "time of call", editable=False),
        PersonalField("caller_number", Category.CONTACT, "number called from", lookup=Lookup.PHONE),
        PersonalField("topic", Category.COMMUNICATIONS, "topic"),
    )
    topic_field = forms.CharField(max_length=40)

    def __init__(self):
        self.calls: dict[int, list[dict]] = {}

    def add(self, user, **values):
        calls = self.calls.setdefault(user.pk, [])
        calls.append({"id": f"call-{user.pk}-{len(calls)}", "service": "mobile", **values})

    def stream(self, subject) -> Iterator[Record]:
        for call in self.calls.get(subject.pk, []):
            values = {f.name: call[f.name] for f in self.fields}
            yield Record(self.key, call["id"], call["service"], values)

    def find_subjects(self, query):
        from portal.kernel.encryption import phone_digits

        digits = phone_digits(query)
        return {
            pk
            for pk, calls in self.calls.items()
            if digits and any(phone_digits(c["caller_number"]) == digits for c in calls)
        }

    def correct(self, subject, record_id, field, value, *, actor):
        personal_field = self.field(field)
        if not personal_field.editable or field != "topic":
            raise ValidationError({field: "This item cannot be corrected here."})
        for call in self.calls.get(subject.pk, []):
            if call["id"] == record_id:
                try:
                    cleaned = self.topic_field.clean(value)
                except ValidationError as exc:
                    raise ValidationError({field: exc.messages}) from None
                call[field] = cleaned
                return next(r for r in self.stream(subject) if r.id == record_id)
        raise RecordNotFound(record_id)

    def erase(self, subject, category, *, actor):
        if not self.fields_in(category):
            return 0
        return len(self.calls.pop(subject.pk, []))


@pytest.fixture
def call_centre(twins):
    a, b = twins
    source = CallCentreSource()
    source.add(a, called_at="2025-05-01 10:00", caller_number="090-1111-2222", topic="料金")
    source.add(a, called_at="2025-06-01 11:00", caller_number="090-1111-2222", topic="解約")
    source.add(b, called_at="2025-05-01 10:00", caller_number="090-1111-2223", topic="料金")
    registry.register(source)
    yield source
    registry.unregister(source.key)


def test_an_external_source_takes_part_in_every_operation(twins, call_centre):
    a, b = twins
    view = subject_view(a)
    mobile = next(g for g in view.groups if g.code == "mobile")
    sections = {(c.category, s.source.key): s for c in mobile.categories for s in c.sections}
    calls = sections[(Category.COMMUNICATIONS, "callcentre.calls")]
    assert calls.page.count == 2
    assert [row.cells for row in calls.rows] == [
        ["2025-05-01 10:00", "料金"],
        ["2025-06-01 11:00", "解約"],
    ]
    assert (Category.CONTACT, "callcentre.calls") in sections
    assert {r.id for r in registry.stream(a) if r.source == "callcentre.calls"} == {
        f"call-{a.pk}-0",
        f"call-{a.pk}-1",
    }
    assert registry.find_subjects("09011112222") == [a.pk]
    assert call_centre.records(a, service="mobile", offset=1, limit=1)[0].values["topic"] == "解約"
    assert call_centre.records(a, service=None) == []
    assert call_centre.records(a, service=ANY, category=Category.CONTACT)[0].values == {
        "caller_number": "090-1111-2222"
    }

    with pytest.raises(ValidationError) as caught:
        registry.correct(
            a,
            source="callcentre.calls",
            record_id=f"call-{a.pk}-0",
            field="topic",
            value="x" * 41,
            actor=a,
        )
    assert "at most 40 characters" in caught.value.message_dict["topic"][0]
    assert call_centre.calls[a.pk][0]["topic"] == "料金"
    registry.correct(
        a,
        source="callcentre.calls",
        record_id=f"call-{a.pk}-0",
        field="topic",
        value="請求",
        actor=a,
    )
    assert call_centre.calls[a.pk][0]["topic"] == "請求"

    counts = registry.erase(a, Category.COMMUNICATIONS, actor=None)
    assert counts["callcentre.calls"] == 2 and counts["portal.inquiry"] == 2
    assert a.pk not in call_centre.calls and len(call_centre.calls[b.pk]) == 1


# -- the declaration checks ----------------------------------------------------


@isolate_apps("rights")
def test_the_check_fires_for_an_undeclared_model_pointing_at_users(settings):
    class LoyaltyCard(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        number = models.CharField(max_length=20)

        class Meta:
            app_label = "rights"

        def __str__(self):
            return self.number

    class Unrelated(models.Model):
        name = models.CharField(max_length=20)

        class Meta:
            app_label = "rights"

        def __str__(self):
            return self.name

    errors = check_personal_data(models_to_check=[LoyaltyCard, Unrelated])
    assert [e.id for e in errors] == ["rights.E001"]
    assert errors[0].obj is LoyaltyCard
    assert "rights/personal_data.py" in errors[0].hint

    registry.exempt(LoyaltyCard, reason="test: no customer data")
    try:
        assert check_personal_data(models_to_check=[LoyaltyCard]) == []
    finally:
        registry._exempt.pop("rights.loyaltycard")

    source = ModelSource(
        model=LoyaltyCard,
        subject_path="owner",
        retention="test",
        fields=[PersonalField("number", Category.PAYMENT, "card number")],
    )
    registry.register(source)
    try:
        assert check_personal_data(models_to_check=[LoyaltyCard]) == []
    finally:
        registry.unregister(source.key)


def test_an_exemption_needs_a_reason():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        registry.exempt("portal.Profile", reason=" ")


def test_a_declaration_that_does_not_match_its_model_is_reported():
    bad = ModelSource(
        model=Profile,
        subject_path="user__profile",
        service_path="user",
        retention="",
        erasure="anonymise",
        named_by="occupation",
        fields=[
            PersonalField("nickname", Category.IDENTITY, "nickname", erase_to=""),
            PersonalField("phone", Category.CONTACT, "phone"),
            PersonalField("date_of_birth", Category.DEMOGRAPHIC, "born", erase_to=None),
            PersonalField("full_name", Category.IDENTITY, "name", erase_to=None),
        ],
    )
    messages = [e.msg for e in bad.check()]
    assert all(e.id == "rights.E002" for e in bad.check())
    assert any("subject_path" in m for m in messages)
    assert any("service_path" in m for m in messages)
    assert any("retention" in m for m in messages)
    assert any("no field 'nickname'" in m for m in messages)
    assert any("'phone' has no erase_to" in m for m in messages)
    assert any("'full_name' cannot be erased to None" in m for m in messages)
    assert any("named_by 'occupation' is not one of its fields" in m for m in messages)
    assert not any("date_of_birth" in m for m in messages)


def test_a_display_that_reads_the_row_names_fields_of_its_source():
    def shown(value, values):
        return value

    bad = ModelSource(
        model=Profile,
        subject_path="user",
        retention="profile",
        fields=[
            PersonalField("phone", Category.CONTACT, "phone", display_in_row=shown),
            PersonalField(
                "full_name",
                Category.IDENTITY,
                "name",
                display_in_row=shown,
                display_reads=["occupation"],
            ),
            PersonalField("date_of_birth", Category.DEMOGRAPHIC, "born", display_reads=["phone"]),
        ],
    )
    messages = [e.msg for e in bad.check()]
    assert any(
        "'phone' gives display_in_row and display_reads only together" in m for m in messages
    )
    assert any("'full_name' reads 'occupation', which is not another" in m for m in messages)
    assert any("'date_of_birth' gives display_in_row" in m for m in messages)


def test_every_model_of_the_project_is_declared_or_exempt():
    assert check_personal_data() == []


def test_the_source_keys_stay_fixed_whatever_the_app_label():
    # Keys are stored in ledger entries, deferred erasures, holds' record lists,
    # retention-run counts and request scopes; the business records kept the
    # keys of the time they were the kernel's models.
    keys = {source.key: source.model._meta.label_lower for source in registry.sources()}
    assert {
        key: keys.get(key)
        for key in [
            "portal.user",
            "portal.profile",
            "portal.serviceregistration",
            "portal.usagerecord",
            "portal.invoice",
            "portal.paymentmethod",
            "portal.inquiry",
        ]
    } == {
        "portal.user": "portal.user",
        "portal.profile": "portal.profile",
        "portal.serviceregistration": "portal.serviceregistration",
        "portal.usagerecord": "records.usagerecord",
        "portal.invoice": "records.invoice",
        "portal.paymentmethod": "records.paymentmethod",
        "portal.inquiry": "records.inquiry",
    }
    assert not [key for key in keys if key.startswith("records.")]


@pytest.mark.parametrize(
    ("marker", "name"), [(DELETE, "DELETE"), (NOT_APPLICABLE, "NOT_APPLICABLE")]
)
def test_the_registry_markers_stay_one_object_when_pickled(marker, name):
    """``DELETE`` and ``NOT_APPLICABLE`` are compared by identity, also after a trip
    through a cache or a task's arguments; each keeps its own identity and name."""
    import pickle

    assert pickle.loads(pickle.dumps(marker)) is marker
    assert type(marker)() is marker
    assert repr(marker) == name
    assert DELETE is not NOT_APPLICABLE
    assert bool(NOT_APPLICABLE) is False
