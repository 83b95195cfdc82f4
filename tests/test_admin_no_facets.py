"""Lists over large tables offer no "Show counts" (Django's facets).

A click on it counts, for each choice of each filter, the rows of the whole
filtered table: over the requests, the audit trail, the notices, the payments or
the records that is the full count those lists otherwise avoid (a capped count,
no ``date_hierarchy``). So ``show_facets`` is ``NEVER`` wherever the list is over
a large table, and ``?_facets=1`` typed by hand counts nothing.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.options import ShowFacets

from portal.kernel.admin_lists import CappedCountPaginator
from portal.kernel.models import AuditEvent
from rights.models import Payment, RequestNotification, RightsRequest

pytestmark = pytest.mark.django_db

#: Large whatever their list does about its count.
LARGE = {RightsRequest, AuditEvent, RequestNotification, Payment}


def _large_lists():
    for model, model_admin in admin.site._registry.items():
        if model in LARGE or issubclass(model_admin.paginator, CappedCountPaginator):
            yield model, model_admin


def test_every_list_over_a_large_table_offers_no_facets():
    found = dict(_large_lists())
    assert set(found) >= LARGE
    offered = [m._meta.label for m, a in found.items() if a.show_facets is not ShowFacets.NEVER]
    assert offered == []


@pytest.mark.parametrize(
    "url",
    [
        "/admin/rights/rightsrequest/",
        "/admin/portal/auditevent/",
        "/admin/rights/requestnotification/",
        "/admin/rights/payment/",
        "/admin/consent/consentrecord/",
    ],
)
def test_the_list_has_no_show_counts_link_even_asked(officer_client, url):
    officer_client.cookies["django_language"] = "en"
    for query in ("", "?_facets=1"):
        response = officer_client.get(url + query)
        assert response.status_code in (200, 302), url
        if response.status_code == 302:
            continue
        page = response.content.decode()
        assert "Show counts" not in page and "Hide counts" not in page
        assert response.context["cl"].add_facets is False
