"""The package states one record count, the same in README.txt, report.html and
data.json (issue 20, item 10)."""

import re

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma

from tests.rights.test_disclosure_package import _build, _data, twins  # noqa: F401

pytestmark = pytest.mark.django_db


def test_readme_report_and_data_agree_on_the_record_count(twins):  # noqa: F811
    """A profile's fields fall in four kinds of data: listed under each, counted once."""
    _a, _a_request, _b, b_request = twins
    summary, archive = _build(b_request)
    total = _data(archive)["total"]
    assert total == summary.total
    categories = _data(archive)["counts"]
    assert sum(categories.values()) > total  # the profile is listed under several kinds
    readme = archive.read("README.txt").decode()
    report = archive.read("report.html").decode()
    assert f"This package holds {intcomma(total)} records about you." in readme
    assert re.search(rf"We hold\s+{intcomma(total)} records about you", report)
