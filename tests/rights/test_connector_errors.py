"""A failed call's error is stored in English and read in the reader's language.

The worker writes the error whatever language it runs in; the working page of a
Japanese-speaking officer showed 「No answer within 1 s」 as it was stored. The
external service is the test double on a loopback port.
"""

import pytest

from rights.connectors import errors
from rights.connectors.models import SystemTask

from .connector_support import (
    api_system,
    double_fixture,  # noqa: F401  (the fixture "double")
    seed_double,
    systems_section,
)
from .retention_support import approve, customer_with_records, file_deletion

pytestmark = pytest.mark.django_db


def test_a_timeout_reads_in_japanese_on_a_japanese_page(
    officer, officer_client, double, django_capture_on_commit_callbacks
):
    customer = customer_with_records()
    seed_double(double, customer)
    api_system(double, timeout_seconds=1)
    double.behaviour, double.hang_seconds = "hang", 1.5
    request = file_deletion(customer, categories=["contact"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    task = SystemTask.objects.get(request=request)
    assert task.last_error == "No answer within 1 s"  # as the worker stored it

    assert "1秒以内に応答がありません" in systems_section(officer_client, request, "ja")
    assert "No answer within 1 s" in systems_section(officer_client, request, "en")


@pytest.mark.parametrize(
    ("stored", "japanese"),
    [
        (
            "Unreachable: [Errno 111] Connection refused",
            "接続できません：[Errno 111] Connection refused",
        ),
        (errors.NOT_JSON, "応答がJSONではありません。"),
        (errors.COULD_NOT_DO_IT, "システムが処理できませんでした。"),
        (errors.ANSWERS_LATER, "システムは後で回答するため、すぐには読み取れません。"),
        ("HTTP 503", "HTTP 503"),
        ("The partner's own words", "The partner's own words"),
    ],
)
def test_each_stored_error_is_translated_or_shown_as_it_came(stored, japanese):
    from django.utils import translation

    with translation.override("ja"):
        assert errors.shown(stored) == japanese
    with translation.override("en"):
        assert errors.shown(stored) == stored


def test_a_failure_the_system_gives_no_words_for_reads_in_the_readers_language(
    officer, officer_client, double, django_capture_on_commit_callbacks
):
    """A system may answer "failed" without a message: the working page said "failed"
    in English on a Japanese page."""
    customer = customer_with_records()
    seed_double(double, customer)
    api_system(double)
    double.behaviour, double.raw_answer = "raw", b'{"status": "failed"}'
    request = file_deletion(customer, categories=["contact"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(request, officer)
    task = SystemTask.objects.get(request=request)
    assert task.state == SystemTask.State.FAILED

    assert "システムが処理できませんでした。" in systems_section(officer_client, request, "ja")
    assert "The system could not do it." in systems_section(officer_client, request, "en")
