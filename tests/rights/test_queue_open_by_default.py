"""The staff queue opens on the open requests: closed ones came first among them by
their old deadlines ("R-000004 Rejected" at the top). Closed ones stay one click, a
status or a search away."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from rights import deadlines, workflow
from rights.choices import Status
from rights.models import RightsRequest

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/rights/rightsrequest/"


@pytest.fixture
def open_and_closed(customer, officer, file_request):
    closed = file_request(customer)
    workflow.transition(closed, to=Status.WITHDRAWN, actor=officer, reason="By mistake")
    opened = file_request(customer, kind="deletion", scope={"everything": True})
    # The closed one had the earlier deadline: it came first.
    RightsRequest.objects.filter(pk=closed.pk).update(due_at=opened.due_at.replace(year=2025))
    return opened, closed


def _shown(client, query=""):
    return [r.pk for r in client.get(CHANGELIST + query).context["cl"].result_list]


def test_the_queue_shows_the_open_requests_by_default(officer_client, open_and_closed):
    opened, closed = open_and_closed
    assert _shown(officer_client) == [opened.pk]
    assert _shown(officer_client, "?state=closed") == [closed.pk]
    assert _shown(officer_client, "?state=all") == [closed.pk, opened.pk]


def test_a_status_or_a_search_reaches_closed_requests(officer_client, open_and_closed):
    opened, closed = open_and_closed
    assert _shown(officer_client, f"?status={Status.WITHDRAWN}") == [closed.pk]
    assert _shown(officer_client, f"?q={closed.reference}") == [closed.pk]


@pytest.mark.parametrize(
    ("language", "title", "choices"),
    [
        ("ja", "対応中・終了", ["対応中", "終了", "すべて"]),
        ("en", "open or closed", ["Open", "Closed", "All"]),
    ],
)
def test_the_filter_says_which_requests_are_shown(
    officer_client, open_and_closed, language, title, choices
):
    import re

    officer_client.cookies["django_language"] = language
    page = officer_client.get(CHANGELIST).content.decode()
    block = page[page.index(f"{title}で絞り込む" if language == "ja" else f"By {title}") :]
    block = block[: block.index("</ul>")]
    links = re.findall(
        r'<li( class="selected")?>\s*<a href="\?state=(\w+)"[^>]*>([^<]+)</a>', block
    )
    assert [(text, bool(selected)) for selected, _value, text in links] == [
        (choices[0], True),
        (choices[1], False),
        (choices[2], False),
    ]


def test_the_default_queue_reads_the_open_requests_index(officer_client, customer):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's; SQLite plans differently")
    now = timezone.now()
    RightsRequest.objects.bulk_create(
        RightsRequest(
            subject=customer,
            requester=customer,
            kind="disclosure",
            status=Status.WITHDRAWN if i % 2 else Status.SUBMITTED,
            received_at=now - dt.timedelta(minutes=i),
            due_at=deadlines.due_at("appi", now - dt.timedelta(minutes=i)),
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rights_rightsrequest")
    cl = officer_client.get(CHANGELIST).context["cl"]
    plan = cl.queryset[: cl.list_per_page].explain()
    assert "rights_queue_open_due_id" in plan, plan
    assert "Sort" not in plan.split("rights_queue_open_due_id")[0], plan


def test_show_all_beside_the_count_shows_every_request(officer_client, open_and_closed):
    """The "(Show all)" beside a search's count led to the default view, the open
    requests only: a closed request found by the search was gone again."""
    import re

    opened, closed = open_and_closed
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(CHANGELIST + f"?q={closed.reference}").content.decode()
    links = re.findall(r'<a href="(\?[^"]*)">Show all</a>', page)
    assert len(links) == 1, page
    assert sorted(_shown(officer_client, links[0].replace("&amp;", "&"))) == sorted(
        [opened.pk, closed.pk]
    )
