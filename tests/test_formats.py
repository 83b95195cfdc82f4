"""One date and one number style per language, on pages and in e-mails (issue 20, item 5)."""

import re

import pytest
from django.core import mail
from django.utils import formats, translation

from rights.choices import Kind
from rights.services import request_submit
from tests.factories import PaymentMethodFactory

pytestmark = pytest.mark.django_db

#: Date styles no page or e-mail may use any more: ISO, slashes, US, dropped minutes.
OTHER_STYLES = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|\d{1,2}/\d{1,2}/\d{4}|[ap]\.m\.")


def test_formats_per_language():
    with translation.override("ja"):
        assert formats.get_format("DATE_FORMAT") == "Y年n月j日"
        assert formats.get_format("SHORT_DATETIME_FORMAT") == "Y年n月j日 H:i"
    with translation.override("en"):
        assert formats.get_format("DATETIME_FORMAT") == "j M Y, H:i"
        assert formats.get_format("SHORT_DATE_FORMAT") == "j M Y"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_request_page_and_notice_write_dates_one_way(
    stepped_up_client, customer, language, django_capture_on_commit_callbacks
):
    customer.language = language
    customer.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = request_submit(
            subject=customer, requester=customer, kind=Kind.DISCLOSURE, delivery_method="paper"
        )
    stepped_up_client.cookies["django_language"] = language
    main = stepped_up_client.get(f"/requests/{request.pk}/").content.decode()
    main = main.split("<main", 1)[1]
    visible = re.sub(r'datetime="[^"]*"', "", main)
    assert not OTHER_STYLES.search(visible), OTHER_STYLES.search(visible).group(0)
    with translation.override(language):
        due = formats.date_format(request.due_at.astimezone(), "DATE_FORMAT")
    assert due in visible
    body = mail.outbox[-1].body
    assert due in body and not OTHER_STYLES.search(body)


def test_a_year_has_no_thousands_separator(stepped_up_client, customer):
    PaymentMethodFactory(user=customer, exp_year=2030)
    page = stepped_up_client.get("/my-data/").content.decode()
    assert "2030" in page and "2,030" not in page
