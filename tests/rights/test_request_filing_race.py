"""A request is filed once, however many times "File this request" arrives.

Two submissions at once used to file two requests (each chargeable), as each
checked for an open duplicate before the other had written: the check now runs
with the person's row locked. A confirmation to file beside a duplicate covers
the duplicates the review page showed, not one filed since.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from rights.choices import Kind
from rights.models import RightsRequest
from rights.services import DuplicateRequest, request_file
from tests.factories import UserFactory

NOTICE = {"kind": Kind.PURPOSE_NOTICE, "delivery_method": "electronic"}


def _file(subject, **kwargs):
    return request_file(subject=subject, requester=subject, **NOTICE, **kwargs)


@pytest.mark.django_db
def test_filing_beside_an_open_duplicate_needs_its_confirmation(customer):
    first = _file(customer)
    with pytest.raises(DuplicateRequest) as caught:
        _file(customer)
    assert [d.pk for d in caught.value.duplicates] == [first.pk]
    second = _file(customer, confirmed_duplicates={first.pk})
    # A confirmation covers what the review page showed: not the request just filed.
    with pytest.raises(DuplicateRequest):
        _file(customer, confirmed_duplicates={first.pk})
    assert RightsRequest.objects.filter(subject=customer).count() == 2
    assert second.pk != first.pk


def test_the_review_page_carries_the_duplicates_it_showed(stepped_up_client, customer):
    first = _file(customer)
    answers = {"delivery_method": "electronic", "details": ""}
    response = stepped_up_client.post("/requests/new/purpose_notice/", answers)
    assert f'name="confirm_duplicate" value="{first.pk}"' in response.content.decode()
    unconfirmed = stepped_up_client.post(
        "/requests/new/purpose_notice/", {**answers, "step": "file", "confirm_duplicate": "on"}
    )
    assert unconfirmed.status_code == 200
    assert RightsRequest.objects.filter(subject=customer).count() == 1
    filed = stepped_up_client.post(
        "/requests/new/purpose_notice/",
        {**answers, "step": "file", "confirm_duplicate": str(first.pk)},
    )
    assert filed.status_code == 302
    assert RightsRequest.objects.filter(subject=customer).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_file_one_request():
    """PostgreSQL: the second waits for the first's commit, then sees its request."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time anyway")
    customer = UserFactory()
    first_filed, release, outcome = threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                _file(customer)
                first_filed.set()
                release.wait(10)
        finally:
            connections.close_all()

    def second():
        try:
            _file(customer)
            outcome.append("filed")
        except DuplicateRequest:
            outcome.append("duplicate")
        finally:
            connections.close_all()

    one = threading.Thread(target=first)
    one.start()
    assert first_filed.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive(), "the second submission did not wait for the first"
    release.set()
    one.join(10)
    two.join(10)
    assert outcome == ["duplicate"]
    assert RightsRequest.objects.filter(subject=customer).count() == 1
