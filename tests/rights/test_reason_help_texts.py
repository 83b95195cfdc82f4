"""A reason staff record is told to the requester (APPI art. 36; GDPR art. 12(4)):
on an agent's request the agent is told and the person gets a copy. The forms
say "told to the requester"; the help texts of the fields said "told to the person"."""

import pytest
from django.apps import apps
from django.utils import translation

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
