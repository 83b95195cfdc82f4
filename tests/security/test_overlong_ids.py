"""An id too long for the database is "not found" on every page, on SQLite and PostgreSQL.

A 30-digit id once reached SQLite as a Python int it cannot bind
(OverflowError, a 500). Every URL that takes a numeric id uses the ``id``
converter (portal/converters.py), which matches only the ids a 64-bit
primary key can hold, so an over-long id never reaches a view.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from portal.kernel.converters import IdConverter
from tests.conftest import admin_login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OVERLONG = "1" * 30
BIGGEST_BIGINT = str(2**63 - 1)  # 19 digits: the largest id a database can hold
JUST_TOO_BIG = str(2**63)


OWN_APPS = ("portal.", "rights.", "consent.")


def _routes(patterns=None, prefix=""):
    """Every route of the site as (text, module of its view), e.g. ``requests/<id:pk>/``."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route, getattr(entry.callback, "__module__", "")


def _numeric_routes(*, own: bool = True):
    return sorted(
        {
            route
            for route, module in _routes()
            if ("<int:" in route or "<id:" in route) and module.startswith(OWN_APPS) == own
        }
    )


def test_every_numeric_id_in_a_url_uses_the_bounded_converter():
    routes = _numeric_routes()
    assert len(routes) >= 20
    unbounded = [r for r in routes if "<int:" in r]
    assert unbounded == []


def _fill(route: str, number: str) -> str:
    import re

    url = re.sub(r"<(?:int|id):\w+>", number, route)
    url = re.sub(r"<slug:\w+>", "approve", url)
    url = re.sub(r"<(?:str|path):\w+>", number, url)
    return "/" + url


@pytest.fixture
def staff_client(client):
    from portal.kernel.staff import staff_create

    officer, _device, _ = staff_create(email="po@example.com", password=PASSWORD)
    return admin_login(client, officer)


def _answers(client, routes, number):
    return {
        (method, route): getattr(client, method)(_fill(route, number)).status_code
        for route in routes
        for method in ("get", "post")
    }


@pytest.mark.parametrize("number", [OVERLONG, JUST_TOO_BIG])
def test_overlong_ids_are_not_found_for_customers(stepped_up_client, number):
    routes = [r for r in _numeric_routes() if not r.startswith("admin/")]
    assert len(routes) >= 5
    answers = _answers(stepped_up_client, routes, number)
    assert {key: status for key, status in answers.items() if status != 404} == {}


@pytest.mark.parametrize("number", [OVERLONG, JUST_TOO_BIG])
def test_overlong_ids_are_not_found_for_staff(staff_client, number):
    routes = [r for r in _numeric_routes() if r.startswith("admin/")]
    assert len(routes) >= 15
    # No over-long id reaches a view of ours: the admin's catch-all pages take
    # the URL and send staff back to the list, "not found".
    reached = [r for r in routes if resolve(_fill(r, number)).route == r]
    assert reached == []
    answers = _answers(staff_client, routes, number)
    assert {key: status for key, status in answers.items() if status not in (302, 404)} == {}
    # Routes of other libraries (django-otp's device pages) answer without an error.
    answers = _answers(staff_client, _numeric_routes(own=False), number)
    assert {key: status for key, status in answers.items() if status >= 500} == {}


def test_overlong_ids_in_admin_change_pages_are_not_a_server_error(staff_client):
    """Django admin's own ``<path:object_id>`` pages: "not found" goes back to the index."""
    from django.contrib import admin

    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{OVERLONG}"
        for suffix in ("/change/", "/history/", "/delete/"):
            response = staff_client.get(base + suffix)
            assert response.status_code in (302, 403, 404), (base + suffix, response.status_code)


def test_the_converter_takes_every_id_a_database_holds():
    import re

    converter = IdConverter()
    pattern = re.compile(f"^{converter.regex}$")
    for good in ("1", "0042", BIGGEST_BIGINT):
        assert pattern.match(good)
        assert converter.to_python(good) == int(good)
    for bad in (OVERLONG, "-1", "1e3", "١٢"):
        assert not pattern.match(bad)
    with pytest.raises(ValueError):  # Django answers 404
        converter.to_python(JUST_TOO_BIG)
    assert converter.to_url(123) == "123"


def test_the_biggest_id_a_database_holds_is_simply_not_found(stepped_up_client):
    assert stepped_up_client.get(f"/requests/{BIGGEST_BIGINT}/").status_code == 404
