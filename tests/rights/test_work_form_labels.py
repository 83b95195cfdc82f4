"""The small forms of a request's working page name their fields in the reader's
language when a post is refused: 「次の対応：正しく選択してください。…」, never the
field's name in code (「To：…」, 「Approve：…」)."""

import pytest
from django.contrib.messages import get_messages

from rights.admin_working_page import TransitionForm
from rights.fee_admin import UnfoundedForm
from rights.review_admin import (
    CorrectionDecisionForm,
    StatedCorrectionDecisionForm,
    StopDecisionForm,
)
from tests.rights.fee_support import in_review, phone_correction_in_review

pytestmark = pytest.mark.django_db

BASE = "/admin/rights/rightsrequest/{}/"

WORK_FORMS = [
    TransitionForm(),
    CorrectionDecisionForm(changes=[]),
    StatedCorrectionDecisionForm(items=[], targets=[]),
    StopDecisionForm(targets=[]),
    UnfoundedForm(),
]


@pytest.mark.parametrize("form", WORK_FORMS, ids=lambda form: type(form).__name__)
def test_every_field_of_the_working_page_forms_has_a_label(form):
    assert [name for name, field in form.fields.items() if field.label is None] == []


def _message(officer_client, url, data, language) -> str:
    officer_client.cookies["django_language"] = language
    response = officer_client.post(url, data)
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    return message


@pytest.mark.parametrize(
    ("language", "expected", "code_name"),
    [("ja", "次の対応：", "To"), ("en", "Next step: ", "To")],
)
def test_a_status_posted_out_of_the_list_is_refused_naming_the_next_step(
    officer_client, officer, customer, file_request, language, expected, code_name
):
    request = in_review(file_request, customer, officer)
    message = _message(
        officer_client, BASE.format(request.pk) + "transition/", {"to": "bogus"}, language
    )
    assert message.startswith(expected) and "bogus" in message, message
    assert not message.startswith(code_name)


@pytest.mark.parametrize(
    ("language", "expected"), [("ja", "反映する変更："), ("en", "Changes to apply: ")]
)
def test_a_change_posted_out_of_the_list_is_refused_naming_the_changes_to_apply(
    officer_client, officer, customer, file_request, language, expected
):
    request = phone_correction_in_review(file_request, customer, officer)
    message = _message(
        officer_client,
        BASE.format(request.pk) + "correction/",
        {"approve": "7", "decision": "apply"},
        language,
    )
    assert message.startswith(expected) and "7" in message, message
    assert "Approve" not in message
