"""A restriction placed on data a deletion kept, before its reason cited the request's
own law, still reads "(GDPR art. 18, 17(3))" on an APPI request. The stored reason is
the record of what was written and only staff read it (in the consent admin, in their
language); the customer's pages never show it, so an APPI customer is never told of a
European article (LEGAL.md: APPI art. 35 has no article restricting kept data)."""

import pytest

from consent.kept_reasons import KEPT_GDPR
from consent.models import ProcessingRestriction
from consent.services import restriction_create

pytestmark = pytest.mark.django_db


def test_an_old_gdpr_worded_reason_is_not_shown_to_an_appi_customer_appi_art_35(
    stepped_up_client, customer, settings
):
    settings.RIGHTS_DEFAULT_REGIME = "appi"
    settings.LANGUAGE_CODE = "en"
    restriction_create(
        subject=customer,
        scope=ProcessingRestriction.Scope.USE,
        source=ProcessingRestriction.Source.ERASURE_KEPT,
        reason=KEPT_GDPR % {"reference": "R-2026-000001"},
    )
    page = stepped_up_client.get("/my-data/").content.decode()
    assert "Stops of use and of provision" in page
    assert "R-2026-000001" not in page and "17(3)" not in page
