"""Property-based tests (hypothesis) of the correction form and the other request forms.

Whatever text and choices are sent, a request form either files exactly what
was typed (stripped of surrounding spaces, within its limits, readable text)
or files nothing and says why; it never fails with a server error.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.kernel.middleware import UNREADABLE_TEXT
from portal.kernel.registry import registry
from rights.choices import DeliveryMethod
from rights.correctable import correctable_fields
from rights.correction import requested_changes
from rights.models import RightsRequest
from tests.intake_support import file_from_review, is_review

from .conftest import snapshot

pytestmark = pytest.mark.django_db

# Any character UTF-8 can carry (lone surrogates cannot be sent in a form at
# all), control characters and NUL included; short and long.
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.text(
    alphabet=st.characters(codec="utf-8"), min_size=290, max_size=4100
)
TRICKY = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE portal_profile; --",
        "1990-02-31",
        "2001-01-01",
        "０３−１２３４−５６７８",
        " ",
        "\u202eevil",
    ]
)
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _readable(*values: str) -> bool:
    return not any(UNREADABLE_TEXT.search(value) for value in values)


def _check_refusal(response, before):
    assert response.status_code in (200, 400), response.status_code
    assert snapshot() == before
    if response.status_code == 200:
        assert response.context["form"].errors
    else:
        assert "Nothing was saved" in response.content.decode()


@EXAMPLES
@given(data=st.data(), new_value=TEXT | TRICKY, details=TEXT | TRICKY)
def test_correction_form_files_exactly_what_was_typed_or_nothing(
    stepped_up_client, customer, data, new_value, details
):
    targets = [t for t, _label, _value in correctable_fields(customer)]
    target = data.draw(st.sampled_from(targets) | st.text(max_size=40), label="target")
    before = snapshot()
    response = stepped_up_client.post(
        "/requests/new/correction/",
        {
            "target": target,
            "new_value": new_value,
            "details": details,
            "confirm_duplicate": "on",
        },
    )
    if response.status_code == 200 and is_review(response):
        # Nothing is filed before "File this request"; what the review carries files.
        assert snapshot() == before
        response = file_from_review(stepped_up_client, "/requests/new/correction/", response)
        assert response.status_code == 302, response.context["form"].errors
    if response.status_code != 302:
        _check_refusal(response, before)
        if target in targets and _readable(new_value, details):
            # Refused for a reason the form states: empty, too long, or not a valid value.
            errors = response.context["form"].errors
            assert set(errors) <= {"new_value", "details"}
        return
    filed = RightsRequest.objects.filter(subject=customer, kind="correction").latest("pk")
    assert target in targets
    assert _readable(new_value, details)
    assert requested_changes(filed)[0].new_value == new_value.strip()
    assert filed.details == details.strip()
    assert 0 < len(requested_changes(filed)[0].new_value) <= 300
    assert len(filed.details) <= 4000
    source_key, _record, field_name = target.split("|", 2)
    model = registry.source(source_key).model
    model._meta.get_field(field_name).clean(requested_changes(filed)[0].new_value, None)
    after = snapshot()
    assert after["rights.RightsRequest"] == before["rights.RightsRequest"] + 1


KINDS = ["disclosure", "purpose_notice", "deletion", "stop_use", "stop_provision"]


@EXAMPLES
@given(
    data=st.data(),
    kind=st.sampled_from(KINDS),
    details=TEXT | TRICKY,
    delivery=st.sampled_from(DeliveryMethod.values) | st.text(max_size=20),
    everything=st.sampled_from(["", "on", "yes", "0"]),
)
def test_request_forms_file_only_valid_choices_and_readable_text(
    stepped_up_client, customer, data, kind, details, delivery, everything
):
    from consent.selectors import active_purposes, active_recipients

    own_services = [str(r.service_id) for r in customer.service_registrations.all()]
    choice = st.text(max_size=12) | st.sampled_from(own_services)
    purposes = [p.code for p in active_purposes()]
    recipients = [str(r.pk) for r in active_recipients()]
    payload = {
        "details": details,
        "delivery_method": delivery,
        "everything": everything,
        "services": data.draw(st.lists(choice, max_size=3), label="services"),
        "purposes": data.draw(
            st.lists(st.sampled_from(purposes or ["none"]) | st.text(max_size=12), max_size=3),
            label="purposes",
        ),
        "recipients": data.draw(
            st.lists(st.sampled_from(recipients or ["0"]) | st.text(max_size=12), max_size=3),
            label="recipients",
        ),
        "confirm_duplicate": "on",
    }
    before = snapshot()
    response = stepped_up_client.post(f"/requests/new/{kind}/", payload)
    if response.status_code == 200 and is_review(response):
        assert snapshot() == before
        response = file_from_review(stepped_up_client, f"/requests/new/{kind}/", response)
        assert response.status_code == 302, response.context["form"].errors
    if response.status_code != 302:
        _check_refusal(response, before)
        return
    filed = RightsRequest.objects.filter(subject=customer, kind=kind).latest("pk")
    assert _readable(details)
    assert filed.details == details.strip()
    assert len(filed.details) <= 4000
    assert {str(pk) for pk in filed.services.values_list("pk", flat=True)} <= set(own_services)
    if kind in ("disclosure", "purpose_notice"):
        assert filed.delivery_method in DeliveryMethod.values
    if kind == "stop_use" and filed.scope.get("everything"):
        # A ticked checkbox sends its value, whatever it is ("on" from a browser):
        # any value but an empty one (or "false") ticks it, "0" included.
        assert filed.scope["purposes"] == [] and everything != ""
    elif kind == "stop_use":
        assert filed.scope["purposes"] and set(filed.scope["purposes"]) <= set(purposes)
    if kind == "stop_provision":
        assert {str(pk) for pk in filed.scope["recipients"]} <= set(recipients)
    assert snapshot()["rights.RightsRequest"] == before["rights.RightsRequest"] + 1
