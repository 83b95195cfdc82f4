"""A form sent after the code check ran out is not lost.

The customer is sent to the code page; once the check is passed the page they
were on shows what they typed (once), kept encrypted in the session meanwhile.
"""

import pytest
from django.contrib.sessions.models import Session

from portal.kernel.models import Profile
from portal.kernel.stepup import KEPT_FORM_SESSION_KEY
from tests.stepup_support import check_runs_out, step_up_again

pytestmark = pytest.mark.django_db

REASON = "Please stop sending my address to the delivery partner 山田運輸."


def test_a_request_form_sent_after_the_check_ran_out_comes_back_filled_in(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    url = "/requests/new/stop_provision/"
    stepped_up_client.cookies["django_language"] = "en"
    check_runs_out(stepped_up_client)
    response = stepped_up_client.post(url, {"details": REASON, "everything": "on"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[0][0].startswith("/accounts/code/")
    assert "What you typed is kept" in page
    # Kept sealed: the session table does not hold it in clear.
    stored = Session.objects.get(session_key=stepped_up_client.session.session_key)
    assert KEPT_FORM_SESSION_KEY in stored.get_decoded()
    assert "山田運輸" not in str(stored.get_decoded())

    step_up_again(stepped_up_client, django_capture_on_commit_callbacks, url)
    page = stepped_up_client.get(url).content.decode()
    assert "山田運輸" in page
    assert 'name="everything"' in page and "checked" in page
    # Given back once: the next visit starts empty.
    assert "山田運輸" not in stepped_up_client.get(url).content.decode()


def test_another_page_does_not_receive_the_kept_form(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    check_runs_out(stepped_up_client)
    stepped_up_client.post("/requests/new/stop_provision/", {"details": REASON})
    step_up_again(stepped_up_client, django_capture_on_commit_callbacks, "/account/")
    assert "山田運輸" not in stepped_up_client.get("/account/").content.decode()


def test_the_account_page_keeps_the_details_typed(
    stepped_up_client, customer, django_capture_on_commit_callbacks
):
    Profile.objects.get_or_create(user=customer, defaults={"full_name": "佐藤 花子"})
    check_runs_out(stepped_up_client)
    stepped_up_client.post(
        "/account/",
        {"save_profile": "1", "full_name": "佐藤 花子", "address": "大阪府大阪市北区梅田3-1-3"},
    )
    step_up_again(stepped_up_client, django_capture_on_commit_callbacks, "/account/")
    page = stepped_up_client.get("/account/").content.decode()
    assert "大阪府大阪市北区梅田3-1-3" in page
    # Shown to check and save again: nothing was saved on the customer's behalf.
    assert Profile.objects.get(user=customer).address == ""


@pytest.mark.parametrize(
    "url, data",
    [
        # A password is never kept, even sealed.
        (
            "/account/password/",
            {
                "old_password": "correct horse",
                "new_password1": "battery staple 2026",
                "new_password2": "battery staple 2026",
            },
        ),
        # The consent page does not give a form back: nothing waits in the session.
        ("/consent/", {"purpose_1": "off"}),
    ],
)
def test_a_page_that_does_not_give_the_form_back_keeps_nothing_and_says_so(
    stepped_up_client, customer, url, data
):
    stepped_up_client.cookies["django_language"] = "en"
    check_runs_out(stepped_up_client)
    response = stepped_up_client.post(url, data, follow=True)
    assert response.redirect_chain[0][0].startswith("/accounts/code/")
    page = response.content.decode()
    assert "Nothing was changed: confirm it is you, then do it again." in page
    assert "What you typed is kept" not in page
    stored = Session.objects.get(session_key=stepped_up_client.session.session_key)
    assert KEPT_FORM_SESSION_KEY not in stored.get_decoded()
