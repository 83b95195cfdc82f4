"""Disclosure packages and notices of purposes of use: their content
(:mod:`rights.disclosure.package`), and their encryption at rest, delivery,
download and purge (:mod:`~rights.disclosure.services` and its neighbours)."""
