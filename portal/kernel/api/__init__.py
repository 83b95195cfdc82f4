"""The API for the company's own systems (docs/api.md).

- :mod:`.auth`       keys: made, checked, rate-limited; every call audited
- :mod:`.problems`   errors as RFC 9457 problem details
- :mod:`.callbacks`  signed status callbacks through the outbox, retried for a day
- :mod:`.app`        the NinjaAPI object the wiring builds from the apps' routers
- :mod:`.admin`      clients, keys and deliveries in the admin
"""
