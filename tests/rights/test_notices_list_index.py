"""The "Notices to customers" list reads an index, not the whole table.

During a mail-server outage an officer opens the list filtered on the notices not
e-mailed yet, newest first: among millions of notices sent, the few waiting are
read from a partial index in the list's order, with no sort of the table.
"""

import pytest
from django.db import connection
from django.utils import timezone

from rights.models import RequestNotification

pytestmark = pytest.mark.django_db

LIST = "/admin/rights/requestnotification/"


@pytest.fixture
def many_notices(customer, file_request):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's; SQLite plans differently")
    request = file_request(customer)
    now = timezone.now()
    RequestNotification.objects.bulk_create(
        RequestNotification(
            request=request,
            kind="status_changed",
            created_at=now - timezone.timedelta(minutes=i),
            emailed_at=None if i % 5 == 0 else now,  # an outage: 1,000 wait
        )
        for i in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rights_requestnotification")


def _plan(client, query):
    cl = client.get(LIST + query).context["cl"]
    return cl.queryset[: cl.list_per_page].explain()


def test_the_not_emailed_notices_are_read_from_their_index(officer_client, many_notices):
    plan = _plan(officer_client, "?emailed=no")
    assert "rights_notice_unsent_new" in plan, plan
    assert "Sort" not in plan.split("rights_notice_unsent_new")[0], plan


def test_every_notice_newest_first_is_read_from_an_index(officer_client, many_notices):
    plan = _plan(officer_client, "")
    assert "rights_notice_created_id" in plan, plan
    assert "Sort" not in plan.split("rights_notice_created_id")[0], plan
