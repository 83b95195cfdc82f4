"""The staff index and the admin's navigation start with the work: the request queue.

Django lists apps and their models alphabetically, which in Japanese put the
request queue last, below the fold of a 1280 px screen. The apps give the
order (``admin_position`` and ``admin_models`` on their AppConfig).
"""

import pytest
from django.utils import translation

from rights.apps import RightsConfig

pytestmark = pytest.mark.django_db

QUEUE = "/admin/rights/rightsrequest/"


def _order(app_list) -> list[tuple[str, list[str]]]:
    return [(app["app_label"], [m["object_name"] for m in app["models"]]) for app in app_list]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_index_lists_the_request_queue_first(officer_client, language):
    officer_client.cookies["django_language"] = language
    with translation.override(language):
        response = officer_client.get("/admin/")
    order = _order(response.context["app_list"])
    assert [label for label, _models in order][:3] == ["rights", "consent", "portal"]
    rights = dict(order)["rights"]
    assert rights[:4] == ["RightsRequest", "Payment", "LegalHold", "DeferredErasure"]
    html = response.content.decode()
    assert html.index(f'href="{QUEUE}"') < html.index('href="/admin/consent/')


def test_the_navigation_beside_a_list_has_the_same_order(officer_client):
    index = officer_client.get("/admin/").context["app_list"]
    beside = officer_client.get("/admin/rights/legalhold/").context["available_apps"]
    assert _order(beside) == _order(index)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_models_an_app_does_not_place_follow_by_name(officer_client, language):
    officer_client.cookies["django_language"] = language
    with translation.override(language):
        app_list = officer_client.get("/admin/").context["app_list"]
        rights = next(app for app in app_list if app["app_label"] == "rights")
        names = [str(model["name"]) for model in rights["models"]]
    placed = len(RightsConfig.admin_models)
    assert len(names) > placed  # settings and records the app leaves to the alphabet
    assert names[placed:] == sorted(names[placed:])
