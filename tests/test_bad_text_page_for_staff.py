"""Text that cannot be read, sent to a staff page, is refused on a page for staff.

The bad-text page (``BadTextMiddleware``) answers before any view; on the admin
it must not show the customer's navigation (My data, Requests, Consent) nor
send a member of staff to the customer's home page.
"""

import pytest

pytestmark = pytest.mark.django_db


def test_unreadable_text_in_an_admin_search_is_refused_on_a_staff_page(officer_client):
    response = officer_client.get("/admin/portal/auditevent/", {"q": "\x00"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="/my-data/"' not in page
    assert 'href="/consent/"' not in page
    assert 'href="/admin/"' in page


def test_unreadable_text_on_a_customer_page_keeps_the_customers_navigation(client):
    response = client.get("/accounts/login/", {"next": "\x00"})

    assert response.status_code == 400
    assert 'href="/admin/"' not in response.content.decode()
