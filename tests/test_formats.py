"""One date and one number style per language, on pages and in e-mails (issue 20, item 5)."""

import re

import pytest
from django.core import mail
from django.utils import formats, translation

from rights.choices import Kind
from rights.services import request_submit
from tests.factories import PaymentMethodFactory
from tests.formats_support import OTHER_STYLES

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("typed", ["12/04/1988", "04/12/88"])
def test_a_date_typed_in_another_order_than_the_one_asked_is_refused(
    stepped_up_client, customer, language, typed
):
    """The forms ask for YYYY-MM-DD; 「12/04/1988」 is 12 April to some and 4 December
    to others, so it is refused and nothing changes rather than read month first."""
    from portal.kernel.models import Profile

    before = Profile.objects.get(user=customer).date_of_birth
    with translation.override(language):
        response = stepped_up_client.post(
            "/account/",
            {"save_profile": "1", "full_name": "山田 花子", "date_of_birth": typed},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 200
    assert "date_of_birth" in response.context["profile_form"].errors
    assert Profile.objects.get(user=customer).date_of_birth == before


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(
    "typed",
    ["1988-04-12", "1988/04/12", "１９８８-０４-１２", "１９８８／４／１２", "1988年4月12日"],
)
def test_a_date_typed_year_first_is_read_as_written(stepped_up_client, customer, language, typed):
    """Year first, as asked: with ASCII or full-width digits (a Japanese input method in
    full-width mode, where the browser has no date picker), or as 年月日."""
    import datetime as dt

    from portal.kernel.models import Profile

    with translation.override(language):
        response = stepped_up_client.post(
            "/account/",
            {"save_profile": "1", "full_name": "山田 花子", "date_of_birth": typed},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 302
    assert Profile.objects.get(user=customer).date_of_birth == dt.date(1988, 4, 12)
