"""The correct value a customer types is checked when the request is filed, the way
the correction itself will check it (APPI Art. 34, GDPR Art. 16): a choice by its
label in either language, a date of birth that can be real, an end of service after
its start, a phone number, a postal code and a reading in kana. The account page
checks its own fields the same way."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from portal.kernel.models import Profile
from rights.forms import CorrectionForm
from tests.factories import ProfileFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(db):
    return ProfileFactory(
        phone="03-1111-2222",
        postal_code="100-0001",
        full_name_kana="ヤマダ タロウ",
        date_of_birth=dt.date(1980, 5, 17),
        gender=Profile.Gender.FEMALE,
    )


def _filed(profile, field: str, value: str, *, language="en"):
    """The correction form for ``field`` (ending the target) with ``value``."""
    with translation.override(language):
        targets = CorrectionForm(subject=profile.user).targets
        target = next(t for t in targets if t.endswith(f"|{field}"))
        form = CorrectionForm(
            {"target": target, "new_value": value, "details": "Wrong."}, subject=profile.user
        )
        form.is_valid()
        return form


def _stored(form) -> str:
    assert form.is_valid(), form.errors
    return form.scope()["changes"][0]["new_value"]


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("male", "en"),
        ("Male", "en"),
        (" MALE ", "en"),
        ("男性", "ja"),
        ("Male", "ja"),
        ("男性", "en"),
    ],
)
def test_a_choice_is_taken_by_its_label_in_either_language(profile, typed, language):
    assert _stored(_filed(profile, "gender", typed, language=language)) == "male"


def test_a_choice_that_is_not_one_names_the_choices(profile):
    form = _filed(profile, "gender", "男", language="ja")
    assert not form.is_valid()
    message = " ".join(form.errors["new_value"])
    assert "男性" in message and "女性" in message and "male" not in message


@pytest.mark.parametrize(
    ("language", "listed"), [("ja", "女性、男性、その他"), ("en", "Female, Male, Other")]
)
def test_the_choices_named_are_listed_as_the_language_lists_them(profile, language, listed):
    form = _filed(profile, "gender", "x", language=language)
    assert listed in " ".join(form.errors["new_value"])


def test_the_review_line_shows_the_labels_not_the_codes(stepped_up_client, customer):
    Profile.objects.update_or_create(
        user=customer, defaults={"full_name": "佐藤 花子", "gender": Profile.Gender.FEMALE}
    )
    stepped_up_client.cookies["django_language"] = "ja"
    with translation.override("ja"):
        targets = CorrectionForm(subject=customer).targets
    target = next(t for t in targets if t.endswith("|gender"))
    response = stepped_up_client.post(
        "/requests/new/correction/", {"target": target, "new_value": "男性", "details": "x"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "「女性」から「男性」" in page
    assert "female" not in page and "「male」" not in page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2999-01-01", "The date of birth is in the future."),
        ("1850-01-01", "The date of birth is before 1900."),
    ],
)
def test_a_date_of_birth_that_cannot_be_real_is_refused(profile, value, message):
    form = _filed(profile, "date_of_birth", value)
    assert form.errors["new_value"] == [message]


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("ja", "昭和63年4月12日", "日付は年-月-日の形で入力してください（例：1988-04-12）。"),
        ("en", "not a date", "Enter the date as year-month-day, e.g. 1988-04-12."),
        ("en", "1988-02-30", "Enter the date as year-month-day, e.g. 1988-04-12."),
    ],
)
def test_a_date_that_cannot_be_read_is_told_as_the_other_forms_tell_it(
    profile, language, typed, message
):
    """Not Django's "“not a date” value has an invalid date format. It must be in
    YYYY-MM-DD format.", which the account page and the form without an account
    never say."""
    assert _filed(profile, "date_of_birth", typed, language=language).errors["new_value"] == [
        message
    ]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ja", "150文字以内で入力してください（入力は151文字です）。"),
        ("en", "Write at most 150 characters (this has 151)."),
    ],
)
def test_a_value_too_long_for_the_item_says_its_limit_in_words(profile, language, message):
    form = _filed(profile, "full_name", "山" * 151, language=language)
    assert form.errors["new_value"] == [message]


@pytest.mark.parametrize(
    "typed", ["１９８８-０４-１２", "１９８８／４／１２", "1988年4月12日", "19880412"]
)
def test_a_correct_date_of_birth_typed_in_full_width_or_as_year_month_day_is_read(profile, typed):
    """The correct value is a text box: a Japanese input method in full-width mode
    gives １９８８-０４-１２, which is the date 1988-04-12, as on the account page."""
    assert _stored(_filed(profile, "date_of_birth", typed)) == "1988-04-12"


def test_today_is_a_possible_date_of_birth(profile):
    today = timezone.localdate().isoformat()
    assert _stored(_filed(profile, "date_of_birth", today)) == today


def test_an_end_of_service_before_its_start_is_refused_when_filed(profile):
    RegistrationFactory(user=profile.user, started_on=dt.date(2021, 3, 1))
    form = _filed(profile, "ended_on", "2000-01-01")
    assert not form.is_valid() and "new_value" in form.errors
    assert _stored(_filed(profile, "ended_on", "2024-02-29")) == "2024-02-29"


@pytest.mark.parametrize(
    ("field", "bad", "good"),
    [
        ("phone", "call me maybe", "０３－１２３４－５６７８"),
        ("phone", "12", "+81 3-1234-5678"),
        ("postal_code", "ABC", "〒100-0001"),
        ("postal_code", "1000001!", "SW1A 1AA"),
        ("full_name_kana", "alice", "ｻﾄｳ ﾊﾅｺ"),
        ("full_name_kana", "佐藤", "さとう　はなこ"),
    ],
)
def test_contact_details_that_cannot_be_the_item_are_refused(profile, field, bad, good):
    refused = _filed(profile, field, bad)
    assert not refused.is_valid() and "new_value" in refused.errors
    assert _stored(_filed(profile, field, good)) == good


def test_the_account_page_checks_the_same_rules(stepped_up_client, customer):
    Profile.objects.get_or_create(user=customer, defaults={"full_name": "佐藤 花子"})
    stepped_up_client.cookies["django_language"] = "en"
    before = Profile.objects.values().get(user=customer)
    response = stepped_up_client.post(
        "/account/",
        {
            "save_profile": "1",
            "full_name": "佐藤 花子",
            "date_of_birth": "2099-01-01",
            "phone": "call me maybe",
            "postal_code": "ABC",
            "full_name_kana": "alice",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    for message in (
        "The date of birth is in the future.",
        "Enter a phone number in digits",
        "Enter a postal code",
        "Write the reading in kana",
    ):
        assert message in page
    assert Profile.objects.values().get(user=customer) == before


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("postal_code", "100-0001"),
        ("postal_code", "１００－０００１"),  # the same code from a Japanese keyboard
        ("phone", " 03-1111-2222 "),
        ("gender", "女性"),  # the stored choice, by its label
        ("date_of_birth", "1980-05-17"),
        ("date_of_birth", "1980年5月17日"),
    ],
)
def test_a_value_equal_to_the_one_held_is_not_a_correction(profile, field, typed):
    """APPI art. 34: a correction is of content that is untrue; asking for the value
    we hold already would file a request that changes nothing."""
    form = _filed(profile, field, typed, language="ja")
    assert not form.is_valid()
    with translation.override("ja"):
        assert form.errors["new_value"] == ["この項目には、すでにこの内容が登録されています。"]


def test_the_same_value_is_refused_on_an_extra_item_too(profile):
    with translation.override("en"):
        targets = list(CorrectionForm(subject=profile.user).targets)
        phone = next(t for t in targets if t.endswith("|phone"))
        postal = next(t for t in targets if t.endswith("|postal_code"))
        form = CorrectionForm(
            {
                "target": phone,
                "new_value": "03-9999-0000",
                "target_2": postal,
                "new_value_2": "100-0001",
                "details": "Wrong.",
            },
            subject=profile.user,
        )
        assert not form.is_valid()
        assert form.errors["new_value_2"] == ["This item already holds this value."]
        assert "new_value" not in form.errors
