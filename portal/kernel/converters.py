"""URL converters.

``id``: a primary key in a URL. Django's ``int`` converter takes any number
of digits, and an id past what a 64-bit key holds reaches the database: on
SQLite the driver cannot bind it (OverflowError, a 500). This one matches only
ids a ``BigAutoField`` can hold, so anything longer is "not found" (404) on
every database, before any view runs. Registered in ``PortalConfig.ready()``.
"""

from __future__ import annotations

BIGGEST_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGGEST_ID:
            raise ValueError("id out of range")  # the URL does not match: 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))
