"""A NUL in a form's text is refused saying so, in Japanese too.

Django's own Japanese catalogue has 「何か文字を入力してください」 (type something)
for "Null characters are not allowed.": a customer whose pasted text held one
was told to write something in the box they had filled."""

import pytest
from django.utils import translation

from rights.forms import PurposeNoticeForm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "Null characters are not allowed."), ("ja", "ヌル文字は使用できません。")],
)
def test_details_with_a_null_character_are_refused_saying_so(customer, language, said):
    with translation.override(language):
        form = PurposeNoticeForm({"details": "Pasted\x00text"}, subject=customer)

        assert not form.is_valid()
        assert said in form.errors["details"]
