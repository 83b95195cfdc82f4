"""Correction requests: before/after review, approve all, approve part, reject.

APPI art. 34 (correction where the content is untrue; tell the result and
what changed) and GDPR art. 16 (rectification).
"""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from portal.kernel.models import AuditEvent, Profile
from rights import correction
from rights.choices import EventKind, Kind, RejectionGround, Status, told_ground
from rights.forms import CorrectionForm
from rights.models import RequestEvent, RequestNotification
from rights.notice_text import render_notice
from rights.workflow import transition
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

CHANGE = "/admin/rights/rightsrequest/{}/change/"


@pytest.fixture
def profile(db):
    return ProfileFactory(
        phone="03-1111-2222",
        address="東京都千代田区1-1",
        date_of_birth=dt.date(1980, 5, 17),
        user__language="en",
    )


def _change(profile, field, new_value, current):
    return {
        "source": "portal.profile",
        "record": str(profile.pk),
        "field": field,
        "label": f"Profile — {field}",
        "current_value": current,
        "new_value": new_value,
    }


@pytest.fixture
def correction_request(profile, officer, file_request):
    """Phone, address and date of birth asked to change; in review."""
    request = file_request(
        profile.user,
        kind=Kind.CORRECTION,
        scope={
            "changes": [
                _change(profile, "phone", "090-3333-4444", "03-1111-2222"),
                _change(profile, "address", "大阪府大阪市北区2-2", "東京都千代田区1-1"),
                _change(profile, "date_of_birth", "1980-05-18", "1980-05-17"),
            ]
        },
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    return request


def _notice(request, kind):
    notification = RequestNotification.objects.get(request=request, kind=kind)
    return render_notice(notification, language="en")[1]


def test_the_form_stores_several_changes(profile):
    """APPI art. 34: the customer names each item and its correct value."""
    form = CorrectionForm(subject=profile.user)
    phone = next(t for t in form.targets if t.endswith("|phone"))
    address = next(t for t in form.targets if t.endswith("|address"))
    form = CorrectionForm(
        {
            "target": phone,
            "new_value": "090-3333-4444",
            "target_2": address,
            "new_value_2": "大阪府大阪市北区2-2",
            "details": "Moved.",
        },
        subject=profile.user,
    )
    assert form.is_valid(), form.errors
    changes = form.scope()["changes"]
    assert [(c["field"], c["current_value"], c["new_value"]) for c in changes] == [
        ("phone", "03-1111-2222", "090-3333-4444"),
        ("address", "東京都千代田区1-1", "大阪府大阪市北区2-2"),
    ]


def test_the_form_refuses_the_same_item_twice_and_a_value_without_item(profile):
    form = CorrectionForm(subject=profile.user)
    phone = next(t for t in form.targets if t.endswith("|phone"))
    form = CorrectionForm(
        {
            "target": phone,
            "new_value": "090-3333-4444",
            "target_2": phone,
            "new_value_2": "090-5555-6666",
            "new_value_3": "lost value",
            "details": "x",
        },
        subject=profile.user,
    )
    assert not form.is_valid()
    assert "target_2" in form.errors and "target_3" in form.errors


def test_review_shows_each_change_against_the_registry_value_now(correction_request, profile):
    Profile.objects.filter(pk=profile.pk).update(address="東京都港区3-3")
    rows = {r.change.field: r for r in correction.review(correction_request)}
    assert (rows["phone"].current, rows["phone"].requested) == ("03-1111-2222", "090-3333-4444")
    assert not rows["phone"].changed_since and not rows["phone"].problem
    # The registry changed after the customer filed: staff see it.
    assert rows["address"].current == "東京都港区3-3"
    assert rows["address"].changed_since


def test_approving_all_changes_the_registry_and_the_timeline_shows_before_after(
    correction_request, profile, officer, django_capture_on_commit_callbacks
):
    """APPI art. 34(3) / GDPR art. 16: the values change and the person is told what changed."""
    with django_capture_on_commit_callbacks(execute=True):
        correction.correction_decide(request=correction_request, approve=[0, 1, 2], actor=officer)
    profile.refresh_from_db()
    assert profile.phone == "090-3333-4444"
    assert profile.address == "大阪府大阪市北区2-2"
    assert profile.date_of_birth == dt.date(1980, 5, 18)
    assert correction_request.status == Status.COMPLETED

    event = RequestEvent.objects.get(request=correction_request, kind=EventKind.CORRECTION)
    before_after = {c["field"]: (c["before"], c["after"]) for c in event.details["changed"]}
    assert before_after == {
        "phone": ("03-1111-2222", "090-3333-4444"),
        "address": ("東京都千代田区1-1", "大阪府大阪市北区2-2"),
        "date_of_birth": ("1980-05-17", "1980-05-18"),
    }
    body = _notice(correction_request, "completed")
    assert "03-1111-2222 → 090-3333-4444" in body
    assert "17 May 1980 → 18 May 1980" in body
    assert "did not change" not in body


def test_audit_rows_name_the_fields_never_the_values(correction_request, officer):
    correction.correction_decide(request=correction_request, approve=[0], actor=officer, reason="x")
    rows = AuditEvent.objects.filter(action__in=["data.corrected", "request.correction_decided"])
    assert rows.count() == 2
    text = " ".join(str(r.details) for r in rows)
    assert "portal.profile.phone" in text or "phone" in text
    for value in ("090-3333-4444", "03-1111-2222", "大阪", "東京"):
        assert value not in text


def test_partial_approval_changes_only_the_chosen_fields_and_says_why(
    correction_request, profile, officer
):
    """APPI art. 34: only what is untrue is corrected; the rest is explained."""
    with pytest.raises(ValidationError, match="Say why"):
        correction.correction_decide(request=correction_request, approve=[0], actor=officer)
    correction.correction_decide(
        request=correction_request,
        approve=[0],
        actor=officer,
        reason="Our records show you still live in Tokyo.",
    )
    profile.refresh_from_db()
    assert profile.phone == "090-3333-4444"
    assert profile.address == "東京都千代田区1-1"
    assert profile.date_of_birth == dt.date(1980, 5, 17)
    assert correction_request.status == Status.PARTIALLY_COMPLETED
    body = _notice(correction_request, "partially_completed")
    assert "03-1111-2222 → 090-3333-4444" in body
    assert "What we did not change" in body
    assert "大阪府大阪市北区2-2" in body and "Our records show you still live in Tokyo." in body


def test_a_partial_approval_with_a_legal_ground_tells_the_ground(
    correction_request, profile, officer
):
    """APPI art. 34(3), GDPR art. 12(4): the ground staff give for what is not corrected,
    which the confirmation says the person is told, is in the notice in their language."""
    correction.correction_decide(
        request=correction_request,
        approve=[0],
        actor=officer,
        reason="Our records show you still live in Tokyo.",
        ground=RejectionGround.ACCURATE,
    )
    assert correction_request.status == Status.PARTIALLY_COMPLETED
    notification = RequestNotification.objects.get(
        request=correction_request, kind="partially_completed"
    )
    # The article of the request's own law only (APPI here): no GDPR article.
    with translation.override("en"):
        english = told_ground(RejectionGround.ACCURATE, correction_request.regime)
    with translation.override("ja"):
        japanese = told_ground(RejectionGround.ACCURATE, correction_request.regime)
    assert english == "The data is accurate: no correction is due (APPI 34(1))"
    assert f"Legal ground: {english}" in render_notice(notification, language="en")[1]
    assert japanese in render_notice(notification, language="ja")[1]


def test_a_rejection_changes_nothing_and_gives_reason_and_ground(
    correction_request, profile, officer
):
    """APPI art. 34(1), GDPR art. 16: accurate data is not changed; the person is told why."""
    with pytest.raises(ValidationError, match="ground"):
        correction.correction_decide(
            request=correction_request, approve=[], actor=officer, reason="Accurate."
        )
    correction.correction_decide(
        request=correction_request,
        approve=[],
        actor=officer,
        reason="The number is the one on your contract.",
        ground=RejectionGround.ACCURATE,
    )
    profile.refresh_from_db()
    assert (profile.phone, profile.address) == ("03-1111-2222", "東京都千代田区1-1")
    assert correction_request.status == Status.REJECTED
    assert not AuditEvent.objects.filter(action="data.corrected").exists()
    body = _notice(correction_request, "rejected")
    assert "The data is accurate" in body and "What we did not change" in body


def test_a_value_that_no_longer_validates_writes_nothing(correction_request, profile, officer):
    scope = correction_request.scope
    scope["changes"][2]["new_value"] = "1980-02-30"
    type(correction_request).objects.filter(pk=correction_request.pk).update(scope=scope)
    correction_request.refresh_from_db()
    with pytest.raises(ValidationError, match="not valid now.*Nothing was changed"):
        correction.correction_decide(request=correction_request, approve=[0, 1, 2], actor=officer)
    profile.refresh_from_db()
    assert profile.phone == "03-1111-2222"  # the valid change before it was rolled back too
    correction_request.refresh_from_db()
    assert correction_request.status == Status.IN_REVIEW
    assert not RequestEvent.objects.filter(kind=EventKind.CORRECTION).exists()


def test_a_closed_request_cannot_be_decided_again(correction_request, profile, officer):
    correction.correction_decide(request=correction_request, approve=[0, 1, 2], actor=officer)
    Profile.objects.filter(pk=profile.pk).update(phone="03-0000-0000")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        correction.correction_decide(request=correction_request, approve=[0], actor=officer)
    # Not "move it to review first": a closed request cannot be moved anywhere.
    assert refused.value.messages == [
        "This request is closed (Completed): it can no longer be decided."
    ]
    profile.refresh_from_db()
    assert profile.phone == "03-0000-0000"


def test_a_request_filed_with_one_change_at_the_top_level_still_works(
    profile, officer, file_request
):
    request = file_request(
        profile.user,
        kind=Kind.CORRECTION,
        scope=_change(profile, "phone", "090-7777-8888", "03-1111-2222"),
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    correction.correction_decide(request=request, approve=[0], actor=officer)
    profile.refresh_from_db()
    assert profile.phone == "090-7777-8888"


# -- the working page in admin ---------------------------------------------------------


def test_admin_shows_the_diff_and_hides_the_bare_completion_buttons(
    officer_client, correction_request
):
    page = officer_client.get(CHANGE.format(correction_request.pk)).content.decode()
    assert 'id="rr-correction"' in page
    assert "<del>03-1111-2222</del>" in page and "<ins>090-3333-4444</ins>" in page
    assert 'name="approve" value="2"' in page
    assert 'name="to" value="completed"' not in page
    assert 'name="to" value="partially_completed"' not in page


def test_admin_approves_part_through_the_form(officer_client, correction_request, profile):
    url = f"/admin/rights/rightsrequest/{correction_request.pk}/correction/"
    response = officer_client.post(
        url,
        {
            "decision": "apply",
            "approve": ["0", "2"],
            "reason": "The address is right.",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.phone, profile.date_of_birth) == ("090-3333-4444", dt.date(1980, 5, 18))
    assert profile.address == "東京都千代田区1-1"
    correction_request.refresh_from_db()
    assert correction_request.status == Status.PARTIALLY_COMPLETED
    page = officer_client.get(CHANGE.format(correction_request.pk)).content.decode()
    assert "<del>03-1111-2222</del>" in page  # the timeline keeps the before/after


def test_admin_reject_without_a_ground_changes_nothing_and_says_so(
    officer_client, correction_request, profile
):
    url = f"/admin/rights/rightsrequest/{correction_request.pk}/correction/"
    response = officer_client.post(url, {"decision": "reject", "approve": ["0"], "reason": "No."})
    with translation.override("ja"):  # the admin speaks the default language
        expected = gettext("Choose the legal ground of the rejection.")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [expected]
    correction_request.refresh_from_db()
    assert correction_request.status == Status.IN_REVIEW
    profile.refresh_from_db()
    assert profile.phone == "03-1111-2222"


def test_a_bare_status_button_cannot_complete_a_correction(officer_client, correction_request):
    url = f"/admin/rights/rightsrequest/{correction_request.pk}/transition/"
    officer_client.post(url, {"to": "completed"})
    correction_request.refresh_from_db()
    assert correction_request.status == Status.IN_REVIEW


def test_the_customer_sees_before_and_after_on_the_request_page(
    correction_request, officer, stepped_up_client, profile, customer
):
    # The stepped-up client is ``customer``; file the request for them.
    from rights.services import request_submit

    request = request_submit(
        subject=customer,
        requester=customer,
        kind=Kind.CORRECTION,
        scope={"changes": [_change(customer.profile, "phone", "090-1234-5678", "")]},
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    correction.correction_decide(request=request, approve=[0], actor=officer)
    page = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    assert "<ins>090-1234-5678</ins>" in page


# -- a choice filed in one language, reviewed in another -------------------------------------


def _gender_request(profile, officer, file_request, *, language):
    """The customer, using the portal in ``language``, asks to change their gender."""
    with translation.override(language):
        form = CorrectionForm(subject=profile.user)
        gender = next(t for t in form.targets if t.endswith("|gender"))
        form = CorrectionForm(
            {"target": gender, "new_value": Profile.Gender.OTHER, "details": "Wrong."},
            subject=profile.user,
        )
        assert form.is_valid(), form.errors
    request = file_request(profile.user, kind=Kind.CORRECTION, scope=form.scope())
    transition(request, to=Status.IN_REVIEW, actor=officer)
    return request


def test_the_form_shows_a_choice_as_its_label_and_stores_the_value(profile):
    Profile.objects.filter(pk=profile.pk).update(gender=Profile.Gender.FEMALE)
    with translation.override("ja"):
        form = CorrectionForm(subject=profile.user)
        gender = next(t for t in form.targets if t.endswith("|gender"))
        shown = dict(form.fields["target"].choices)[gender]
        assert shown.endswith("：" + str(Profile.Gender.FEMALE.label))
        assert shown.endswith("女性")
        form = CorrectionForm(
            {"target": gender, "new_value": "other", "details": "x"}, subject=profile.user
        )
        assert form.is_valid(), form.errors
    assert form.scope()["changes"][0]["current_value"] == "female"


def test_a_choice_filed_in_japanese_is_not_flagged_when_reviewed_in_english(
    profile, officer, officer_client, file_request
):
    Profile.objects.filter(pk=profile.pk).update(gender=Profile.Gender.FEMALE)
    request = _gender_request(profile, officer, file_request, language="ja")
    with translation.override("en"):
        (row,) = correction.review(request)
    assert not row.changed_since and not row.problem and not row.already
    assert (row.current, row.requested) == ("Female", "Other")
    page = officer_client.get(CHANGE.format(request.pk), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "<del>Female</del>" in html
    assert "Changed since the request" not in html


def test_a_request_filed_earlier_with_the_japanese_label_is_not_flagged_in_english(
    profile, officer, file_request
):
    """Requests filed before the value was stored hold the label the customer saw."""
    Profile.objects.filter(pk=profile.pk).update(gender=Profile.Gender.FEMALE)
    with translation.override("ja"):
        seen = str(Profile.Gender.FEMALE.label)
    request = file_request(
        profile.user,
        kind=Kind.CORRECTION,
        scope={"changes": [_change(profile, "gender", "other", seen)]},
    )
    transition(request, to=Status.IN_REVIEW, actor=officer)
    with translation.override("en"):
        (row,) = correction.review(request)
    assert not row.changed_since
    Profile.objects.filter(pk=profile.pk).update(gender=Profile.Gender.MALE)
    with translation.override("en"):
        (row,) = correction.review(request)
    assert row.changed_since


def test_a_choice_changed_since_the_request_is_flagged_with_the_label_the_viewer_reads(
    profile, officer, officer_client, file_request
):
    Profile.objects.filter(pk=profile.pk).update(gender=Profile.Gender.FEMALE)
    request = _gender_request(profile, officer, file_request, language="ja")
    Profile.objects.filter(pk=profile.pk).update(gender=Profile.Gender.MALE)
    with translation.override("en"):
        (row,) = correction.review(request)
    assert row.changed_since and row.current == "Male"
    page = officer_client.get(CHANGE.format(request.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert "Changed since the request (the person saw “Female”)." in page.content.decode()


def test_the_customer_reads_the_choice_asked_for_as_its_label(
    profile, officer, file_request, client, django_capture_on_commit_callbacks
):
    from tests.conftest import last_code

    Profile.objects.filter(pk=profile.pk).update(gender=Profile.Gender.FEMALE)
    request = _gender_request(profile, officer, file_request, language="ja")
    client.force_login(profile.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/code/", {"send": "1"})
    client.post("/accounts/code/", {"token": last_code(), "verify": "1"})
    page = client.get(f"/requests/{request.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Female → Other" in page


def test_the_values_asked_for_and_changed_are_encrypted_at_rest(correction_request, officer):
    """Issue 10: the request's scope, its timeline and its notice hold the person's values;
    the database holds them as tokens, while the pages and the notice read them."""
    from django.db import connection

    from portal.kernel.encryption import looks_like_token

    correction.correction_decide(request=correction_request, approve=[0, 1, 2], actor=officer)
    queries = {
        "scope": ("SELECT scope FROM rights_rightsrequest WHERE id = %s", correction_request.pk),
        "details": (
            "SELECT details FROM rights_requestevent WHERE request_id = %s AND kind = %s",
            correction_request.pk,
            EventKind.CORRECTION,
        ),
        "context": (
            "SELECT context FROM rights_requestnotification WHERE request_id = %s",
            correction_request.pk,
        ),
    }
    with connection.cursor() as cursor:
        for sql, *params in queries.values():
            cursor.execute(sql, params)
            for (stored,) in cursor.fetchall():
                assert stored == "" or looks_like_token(stored), stored
                for plain in ("090-3333-4444", "03-1111-2222", "大阪府", "1980-05-18"):
                    assert plain not in stored
    event = RequestEvent.objects.get(request=correction_request, kind=EventKind.CORRECTION)
    assert {c["field"]: c["after"] for c in event.details["changed"]}["phone"] == "090-3333-4444"
    assert "090-3333-4444" in _notice(correction_request, RequestNotification.Kind.COMPLETED)


def test_the_customer_asks_to_remove_an_item_that_is_not_true(profile, officer, file_request):
    """APPI art. 34(1): correction, addition or deletion of untrue content. The form
    promised "delete the wrong part" but refused an item without a correct value."""
    Profile.objects.filter(pk=profile.pk).update(occupation="engineer")
    form = CorrectionForm(subject=profile.user)
    occupation = next(t for t in form.targets if t.endswith("|occupation"))
    form = CorrectionForm(
        {"target": occupation, "new_value": "", "remove": "on", "details": "Never said so."},
        subject=profile.user,
    )
    assert form.is_valid(), form.errors
    (change,) = form.scope()["changes"]
    assert (change["field"], change["current_value"], change["new_value"]) == (
        "occupation",
        "engineer",
        "",
    )
    request = file_request(profile.user, kind=Kind.CORRECTION, scope=form.scope())
    transition(request, to=Status.IN_REVIEW, actor=officer)
    correction.correction_decide(request=request, approve=[0], actor=officer)
    profile.refresh_from_db()
    assert profile.occupation == ""


def test_removing_an_item_the_data_needs_is_refused_by_name(profile):
    form = CorrectionForm(subject=profile.user)
    name = next(t for t in form.targets if t.endswith("|full_name"))
    form = CorrectionForm(
        {"target": name, "new_value": "", "remove": "on", "details": "x"}, subject=profile.user
    )
    assert not form.is_valid()
    with translation.override("en"):
        assert "cannot be left empty" in " ".join(form.errors["remove"])


def test_a_value_and_a_removal_of_the_same_item_are_refused(profile):
    form = CorrectionForm(subject=profile.user)
    phone = next(t for t in form.targets if t.endswith("|phone"))
    form = CorrectionForm(
        {"target": phone, "new_value": "090-3333-4444", "remove": "on", "details": "x"},
        subject=profile.user,
    )
    assert not form.is_valid()
    assert "remove" in form.errors
    empty = CorrectionForm({"target": phone, "new_value": "", "details": "x"}, subject=profile.user)
    assert not empty.is_valid() and "new_value" in empty.errors


@pytest.fixture
def registration(profile):
    """A contract from 2021-05-01 to 2023-03-31 whose both dates are wrong."""
    from tests.factories import RegistrationFactory

    return RegistrationFactory(
        user=profile.user, started_on=dt.date(2021, 5, 1), ended_on=dt.date(2023, 3, 31)
    )


def _registration_dates(profile, registration, started, ended):
    form = CorrectionForm(subject=profile.user)
    start = next(t for t in form.targets if t.endswith(f"|{registration.pk}|started_on"))
    end = next(t for t in form.targets if t.endswith(f"|{registration.pk}|ended_on"))
    return CorrectionForm(
        {
            "target": start,
            "new_value": started,
            "target_2": end,
            "new_value_2": ended,
            "details": "The contract ran in 2024.",
        },
        subject=profile.user,
    )


def test_two_dates_of_one_record_are_checked_together(profile, registration, officer, file_request):
    """GDPR art. 16, APPI art. 34: the start moved past the old end was refused ("the
    end cannot be before the start") although the end was corrected in the same request."""
    form = _registration_dates(profile, registration, "2024-01-01", "2025-01-01")
    assert form.is_valid(), form.errors
    request = file_request(profile.user, kind=Kind.CORRECTION, scope=form.scope())
    transition(request, to=Status.IN_REVIEW, actor=officer)
    correction.correction_decide(request=request, approve=[0, 1], actor=officer)
    registration.refresh_from_db()
    assert (registration.started_on, registration.ended_on) == (
        dt.date(2024, 1, 1),
        dt.date(2025, 1, 1),
    )
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    changed = request.events.get(kind=EventKind.CORRECTION).details["changed"]
    assert [(c["field"], c["before"], c["after"]) for c in changed] == [
        ("started_on", "2021-05-01", "2024-01-01"),
        ("ended_on", "2023-03-31", "2025-01-01"),
    ]


def test_dates_that_contradict_each_other_are_still_refused(profile, registration):
    form = _registration_dates(profile, registration, "2025-01-01", "2024-01-01")
    assert not form.is_valid()
    registration.refresh_from_db()
    assert registration.started_on == dt.date(2021, 5, 1)


def test_approving_only_one_of_two_linked_dates_is_refused_and_writes_nothing(
    profile, registration, officer, file_request
):
    form = _registration_dates(profile, registration, "2024-01-01", "2025-01-01")
    assert form.is_valid(), form.errors
    request = file_request(profile.user, kind=Kind.CORRECTION, scope=form.scope())
    transition(request, to=Status.IN_REVIEW, actor=officer)
    with pytest.raises(ValidationError):
        correction.correction_decide(
            request=request, approve=[0], actor=officer, reason="Only the start."
        )
    registration.refresh_from_db()
    assert registration.started_on == dt.date(2021, 5, 1)
