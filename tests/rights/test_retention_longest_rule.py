"""A record under several retention laws is kept until the longest ends.

Companies Act art. 432(2): accounting books and the important documents of the
business, 10 years from closing the books. Corporation Tax Act Enforcement
Regulations art. 59: transaction documents, 7 years from two months after the
fiscal year's end (10 for a loss year). Invoices and fee receipts are both
(``also_retained_under``); the sweep erases them only once every period ended.
"""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from portal.kernel.registry import registry
from portal.records.models import Invoice
from rights.retention import jobs

from .retention_support import at, customer_with_records

pytestmark = pytest.mark.django_db


def _left(customer) -> set[dt.date]:
    return set(Invoice.objects.filter(user=customer).values_list("issued_on", flat=True))


def test_invoices_and_receipts_are_under_both_laws():
    """Companies Act art. 432(2) beside the Corporation Tax Act for transaction documents."""
    for key in ("portal.invoice", "rights.payment"):
        assert registry.source(key).retention_codes == ("tax-records", "accounting-books")


def test_companies_act_art_432_2_the_sweep_keeps_invoices_10_years_from_closing_the_books():
    """Companies Act art. 432(2): an invoice of June 2018 (books closed 31 March 2019)
    outlives the tax period (31 May 2026) and goes after 31 March 2029."""
    with time_machine.travel(at(2018, 6, 1), tick=False):
        customer = customer_with_records(usage=0, invoices=[(2018, 6, 1)])
    with time_machine.travel(at(2026, 7, 1), tick=False):
        jobs.run_sweep()
    assert _left(customer) == {dt.date(2018, 6, 1)}
    with time_machine.travel(at(2029, 3, 31, 23), tick=False):
        jobs.run_sweep()
    assert _left(customer) == {dt.date(2018, 6, 1)}
    with time_machine.travel(at(2029, 4, 2), tick=False):
        run = jobs.run_sweep()
    assert _left(customer) == set()
    assert run.counts["tax-records"]["portal.invoice"] == 1


@override_settings(RIGHTS_LOSS_FISCAL_YEARS=[2020])
def test_corporation_tax_act_loss_year_outlasts_the_companies_act():
    """Corporation Tax Act Enforcement Regulations art. 59 / Companies Act art. 432(2): in a
    loss year the tax period (10 years from 31 May 2020) ends after the Companies Act's
    (31 March 2030); the longer wins."""
    with time_machine.travel(at(2019, 6, 1), tick=False):
        customer = customer_with_records(usage=0, invoices=[(2019, 6, 1)])
    with time_machine.travel(at(2030, 4, 15), tick=False):
        jobs.run_sweep()
    assert _left(customer) == {dt.date(2019, 6, 1)}
    with time_machine.travel(at(2030, 6, 2), tick=False):
        jobs.run_sweep()
    assert _left(customer) == set()
