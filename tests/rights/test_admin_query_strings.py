"""Whatever a staff member puts in an admin address's query string, the page answers without a 500.

The admin fills an add form from its query string (``?subject=12`` opens the
legal hold form for customer 12) and filters a list by it
(``?subject_id__exact=12``); links within the product build such addresses.
A value edited by hand that the field cannot hold is left out of the form,
as Django does for a plain select, and refused by the list as Django refuses
any bad lookup (``?e=1``).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db

NOT_VALUES = ["abc", "9" * 25, "1.5"]


def _urls(page):
    for model in admin.site._registry:
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")
        except NoReverseMatch:
            continue
        fields = [
            field
            for field in model._meta.get_fields()
            if field.concrete and field.editable and not field.auto_created
        ]
        yield url, fields


def test_an_add_form_prefilled_with_what_is_not_a_value_of_the_field_opens(officer_client):
    officer_client.raise_request_exception = False
    failures = []
    for url, fields in _urls("add"):
        keys = sorted(
            {field.name for field in fields}
            | {field.attname for field in fields if isinstance(field, models.ForeignKey)}
        )
        for value in NOT_VALUES:
            # The add form reads each key of its query string on its own, so one address
            # with every key asks all of them at once; only a failure is narrowed down.
            if officer_client.get(url, dict.fromkeys(keys, value)).status_code < 500:
                continue
            failures += [
                f"{url}?{key}={value}"
                for key in keys
                if officer_client.get(url, {key: value}).status_code >= 500
            ]
    assert failures == [], "\n".join(failures)


def test_a_hold_form_prefilled_with_a_customer_who_is_not_there_opens_empty(officer_client):
    response = officer_client.get("/admin/rights/legalhold/add/", {"subject": "abc"})

    assert response.status_code == 200
    assert response.context["adminform"].form.initial.get("subject") is None


def test_a_list_filtered_or_ordered_by_what_is_not_a_value_opens(officer_client):
    officer_client.raise_request_exception = False
    failures = []
    for url, fields in _urls("changelist"):
        queries = [{"o": "abc"}, {"p": "abc"}, {"p": "9" * 25}, {"q": "%\x00"}]
        queries += [{f"{field.attname}__exact": value} for field in fields for value in NOT_VALUES]
        for query in queries:
            if officer_client.get(url, query).status_code >= 500:
                failures.append(f"{url}?{query}")
    assert failures == [], "\n".join(failures)


def test_a_list_filtered_by_what_is_not_an_ip_address_says_so_and_shows_the_list(officer_client):
    response = officer_client.get(
        "/admin/portal/auditevent/",
        {"ip_address__exact": "abc"},
        headers={"accept-language": "en"},
        follow=True,
    )

    assert response.redirect_chain[-1][0].endswith("?e=1")
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        "“abc” is not a possible IP address: the list is shown without the filters of its address."
    ]


def test_a_list_filtered_by_a_bare_field_name_or_a_day_before_the_calendar_opens(
    officer_client,
):
    """``?service=<too big>`` reaches the SQL as ``service=...`` (Django filters by any
    parameter no list filter takes), and the first day of the calendar on a date-time
    field cannot be converted to UTC east of Greenwich."""
    officer_client.raise_request_exception = False
    failures = []
    for url, fields in _urls("changelist"):
        queries = [{field.name: "9" * 25} for field in fields if field.is_relation]
        queries += [
            {f"{field.name}__{lookup}": "0001-01-01"}
            for field in fields
            if isinstance(field, models.DateTimeField)
            for lookup in ("gte", "lt")
        ]
        for query in queries:
            if officer_client.get(url, query).status_code >= 500:
                failures.append(f"{url}?{query}")
    assert failures == [], "\n".join(failures)
