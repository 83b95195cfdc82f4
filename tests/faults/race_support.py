"""Two sides of a race on their own database connections, one held in the gap
between its locks until the other waits for a lock (PostgreSQL): what the race
tests of this directory share."""

from __future__ import annotations

import threading
import time

from django.db import connection, connections


def waiting_for_a_lock() -> bool:
    """Whether another session of this database waits for a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def held_until_the_other_waits(monkeypatch, module, name: str, holding: threading.Event):
    """Replace ``module.name`` with one that first signals ``holding`` and waits (at
    most 5 s) until the other session waits for a lock."""
    original = getattr(module, name)

    def held(*args, **kwargs):
        holding.set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not waiting_for_a_lock():
            time.sleep(0.05)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, held)


def at_once(first, second, holding: threading.Event) -> dict:
    """Run ``first``; once it holds its first lock, ``second``; each on its own
    connection. What each returned, or the error it raised."""
    outcome = {}

    def run(name, call, wait_for=None):
        try:
            if wait_for is not None:
                assert wait_for.wait(10), "the first side never reached its gap"
            outcome[name] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcome[name] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=("first", first)),
        threading.Thread(target=run, args=("second", second, holding)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a side never finished"
    return outcome
