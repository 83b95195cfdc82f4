"""The portal's date and number formats, one style per language (FORMAT_MODULE_PATH).

Every page, e-mail and disclosure report writes a date with ``DATE_FORMAT`` and a
moment with ``DATETIME_FORMAT`` (the short formats are the same), and numbers with
a thousands separator; years are written without one. Machine-readable output
(``data.json``, CSV, ``datetime`` attributes) keeps ISO 8601.
"""
