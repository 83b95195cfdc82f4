"""Generation tokens (portal.kernel.generations): read once per request, seen at once
outside one, and the values kept under them recomputed after every change."""

import contextlib

import pytest
import time_machine
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from portal.kernel import generations
from tests.consent_support import purpose

pytestmark = pytest.mark.django_db

WATCHED = "consent.texts"  # watched by consent.personal_data (Purpose among its models)


@pytest.fixture
def token_reads(monkeypatch):
    """Every cache round trip that reads a generation token, as the list of keys read."""
    reads: list[list[str]] = []
    get, get_many = cache.get, cache.get_many
    inside_get_many = []  # some backends' get_many calls their get for each key

    def spy_get(key, *args, **kwargs):
        if key.startswith("generation:") and not inside_get_many:
            reads.append([key])
        return get(key, *args, **kwargs)

    def spy_get_many(keys, *args, **kwargs):
        if any(key.startswith("generation:") for key in keys):
            reads.append(list(keys))
        inside_get_many.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside_get_many.pop()

    monkeypatch.setattr(cache, "get", spy_get)
    monkeypatch.setattr(cache, "get_many", spy_get_many)
    return reads


@contextlib.contextmanager
def a_request():
    """The signals of one request, as the handler sends them (without closing the
    test's database connection, as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        try:
            yield
        finally:
            request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _another_process_bumps(name: str) -> str:
    """What bump() does in another process: a new token in the shared cache."""
    cache.set(f"generation:{name}", "from-elsewhere", None)
    return "from-elsewhere"


def test_a_request_reads_every_token_in_one_round_trip_and_keeps_them(token_reads):
    for name in generations._names:
        generations.token(name)  # every token stored
    token_reads.clear()
    with a_request():
        first = {name: generations.token(name) for name in sorted(generations._names)}
        again = {name: generations.token(name) for name in sorted(generations._names)}
    assert len(generations._names) >= 3
    assert first == again
    assert len(token_reads) == 1 and len(token_reads[0]) == len(generations._names)


def test_a_change_made_by_the_request_itself_is_seen_by_the_rest_of_it():
    with a_request():
        before = generations.token(WATCHED)
        purpose("marketing").save()
        after = generations.token(WATCHED)
    assert after != before
    assert generations.token(WATCHED) == after


def test_another_process_s_change_reaches_the_next_request_and_any_code_outside_one():
    with a_request():
        during = generations.token(WATCHED)
        new = _another_process_bumps(WATCHED)
        assert generations.token(WATCHED) == during  # one request, one snapshot
    assert generations.token(WATCHED) == new  # outside a request: read each time
    with a_request():
        assert generations.token(WATCHED) == new


def test_a_cached_value_is_computed_once_per_token_and_again_after_a_change(token_reads):
    computed = []

    def compute():
        computed.append(1)
        return ["value", len(computed)]

    assert generations.cached(WATCHED, "test-generations", compute) == ["value", 1]
    assert generations.cached(WATCHED, "test-generations", compute) == ["value", 1]
    assert len(computed) == 1
    purpose("marketing").save()
    assert generations.cached(WATCHED, "test-generations", compute) == ["value", 2]
    _another_process_bumps(WATCHED)
    assert generations.cached(WATCHED, "test-generations", compute) == ["value", 3]


def test_a_cached_value_shared_by_another_process_is_not_computed_again():
    token = generations.token(WATCHED)
    cache.set(f"test-generations-shared:{token}", ["from another process"], generations.TTL)
    assert generations.cached(WATCHED, "test-generations-shared", list) == ["from another process"]


def test_a_cached_value_lives_ttl_at_most_without_a_change():
    """A change that sends no signal (QuerySet.update, raw SQL) is caught by the time limit."""
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert generations.cached(WATCHED, "test-generations-ttl", compute) == 1
    cache.delete(f"test-generations-ttl:{generations.token(WATCHED)}")
    assert generations.cached(WATCHED, "test-generations-ttl", compute) == 1  # held here
    with time_machine.travel(generations.time.time() + generations.TTL + 1):
        assert generations.cached(WATCHED, "test-generations-ttl", compute) == 2


def test_a_my_data_page_reads_the_tokens_once(stepped_up_client, token_reads):
    stepped_up_client.get("/my-data/")
    token_reads.clear()
    assert stepped_up_client.get("/my-data/").status_code == 200
    assert len(token_reads) == 1
