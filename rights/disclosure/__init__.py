"""Disclosure packages and notices of purposes of use (see :mod:`rights.disclosure.package`)."""
