"""A reason staff record is told to the requester (APPI art. 36; GDPR art. 12(4)):
on an agent's request the agent is told and the person gets a copy. The forms
say "told to the requester"; the help texts of the fields said "told to the person"."""

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.utils import translation

from rights import workflow
from rights.choices import Kind, Status
from rights.models import RequestEvent, RightsRequest

FIELDS = [(RightsRequest, "unfounded_reason"), (RequestEvent, "reason")]


def test_no_help_text_says_a_reason_is_told_to_the_person():
    said = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if "told to the person" in str(getattr(field, "help_text", ""))
    ]
    assert said == []


@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_the_reason_help_texts_name_the_requester_in_both_languages(model, name):
    field = model._meta.get_field(name)
    with translation.override("en"):
        assert "told to the requester" in str(field.help_text)
    with translation.override("ja"):
        assert "請求者" in str(field.help_text) and "本人" not in str(field.help_text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said", "not_said"),
    [
        ("en", "Please give a reason; the requester will be told it.", "the person"),
        ("ja", "理由を入力してください。理由は請求者に通知されます。", "本人"),
    ],
)
def test_a_rejection_without_a_reason_asks_for_the_one_told_to_the_requester(
    officer_client, customer, officer, file_request, language, said, not_said
):
    """The form's field is "Reason told to the requester"; the message when it was left
    empty said "the person will be told it"."""
    request = file_request(customer, kind=Kind.DISCLOSURE, delivery_method="electronic")
    workflow.transition(request, to=Status.IN_REVIEW, actor=officer)
    officer_client.cookies["django_language"] = language
    response = officer_client.post(
        f"/admin/rights/rightsrequest/{request.pk}/transition/",
        {"to": "rejected", "ground": "other", "reason": ""},
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [said] and not_said not in shown[0]
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
