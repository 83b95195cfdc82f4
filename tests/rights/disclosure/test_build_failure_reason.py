"""Why a package could not be prepared, read in the language of the staff member.

The build runs in a worker, in whatever language the worker has active; the
reason used to be stored as it was written there (``Refused: Mailing service:
…``, a Python class name and the worker's words). A system that cannot answer
now reads as a sentence in the reader's language, naming the system; an error
nobody expected keeps its class and first line for whoever runs the portal,
after a sentence saying so; a reason stored before reads as it was stored. The
external system is the connector test double on a loopback port.
"""

from __future__ import annotations

from django.utils import translation

from rights.disclosure.models import DisclosureDelivery
from tests.rights.connector_support import (
    api_system,
    double_fixture,  # noqa: F401  (the fixture "double")
    seed_double,
)
from tests.rights.disclosure_support import disclosure_in_progress

State = DisclosureDelivery.State


def _delivery_section(client, request, language: str) -> str:
    """The request's admin page in ``language``, its delivery section only."""
    client.cookies["django_language"] = language
    page = client.get(f"/admin/rights/rightsrequest/{request.pk}/change/").content.decode()
    start = page.index('id="rr-delivery"')
    return page[start : page.index("</fieldset>", start)]


def _failed_build(subject, officer, capture):
    with capture(execute=True):
        request = disclosure_in_progress(subject, officer)
    assert DisclosureDelivery.objects.get(request=request).state == State.FAILED
    return request


def _package_writer_raising(monkeypatch, error: Exception) -> None:
    """Writing the package's content raises ``error``, at every attempt."""
    import rights.disclosure.package as content

    def broken(rights_request, fileobj):
        raise error

    monkeypatch.setattr(content, "write_package", broken)


def test_a_system_refusing_reads_as_a_sentence_in_the_readers_language(
    subject, officer, officer_client, double, settings, django_capture_on_commit_callbacks
):
    seed_double(double, subject)
    api_system(double)
    settings.CONNECTOR_ANSWER_MAX_BYTES = 100  # the double's answer is larger: refused
    with translation.override("ja"):  # the worker's language is not the reader's
        request = _failed_build(subject, officer, django_capture_on_commit_callbacks)

    english = _delivery_section(officer_client, request, "en")
    assert "Mailing service could not answer: The answer is larger than 100 bytes" in english
    japanese = _delivery_section(officer_client, request, "ja")
    assert (
        "Mailing serviceから回答を得られませんでした：応答が、ポータルの読み込む上限の100バイト"
        in japanese
    )
    for page in (english, japanese):
        assert "Refused" not in page


def test_a_system_down_reads_as_a_sentence_with_its_reason_translated(
    subject, officer, officer_client, double, django_capture_on_commit_callbacks
):
    seed_double(double, subject)
    api_system(double)
    double.stop()  # the port refuses connections
    request = _failed_build(subject, officer, django_capture_on_commit_callbacks)

    english = _delivery_section(officer_client, request, "en")
    assert "Mailing service could not answer: Unreachable: " in english
    japanese = _delivery_section(officer_client, request, "ja")
    assert "Mailing serviceから回答を得られませんでした：接続できません：" in japanese
    assert "Unavailable" not in english + japanese


def test_an_unexpected_error_keeps_its_class_and_first_line_for_the_operator(
    subject, officer, officer_client, monkeypatch, django_capture_on_commit_callbacks
):
    _package_writer_raising(monkeypatch, ValueError("the zip writer broke\nrow 12: Hanako Sato"))
    request = _failed_build(subject, officer, django_capture_on_commit_callbacks)

    english = _delivery_section(officer_client, request, "en")
    assert "Unexpected error; the details are in the portal logs" in english
    assert "<code>ValueError: the zip writer broke</code>" in english
    japanese = _delivery_section(officer_client, request, "ja")
    assert "予期しないエラーです。詳細はポータルのログにあります：" in japanese
    assert "<code>ValueError: the zip writer broke</code>" in japanese
    assert "Hanako" not in english + japanese  # a second line can quote row values


def test_a_reason_stored_before_reads_as_it_was_stored(
    subject, officer, officer_client, monkeypatch, django_capture_on_commit_callbacks
):
    _package_writer_raising(monkeypatch, OSError("disk full"))
    request = _failed_build(subject, officer, django_capture_on_commit_callbacks)
    old = "Refused: Mailing service: HTTP 422: no such customer"
    DisclosureDelivery.objects.filter(request=request).update(error=old, cause={})

    for language in ("en", "ja"):
        section = _delivery_section(officer_client, request, language)
        assert f"<code>{old}</code>" in section
        assert "Unexpected error" not in section and "予期しない" not in section
