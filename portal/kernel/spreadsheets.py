"""CSV files that staff open in a spreadsheet program: no cell runs as a formula.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one) as a formula, so a value a customer chose
(an e-mail address may start with any of them) could run one on a staff
member's machine: CSV injection. Such a cell is written with a leading
apostrophe, which spreadsheets show as text and do not display (OWASP's advice).
Numbers and other values that are not strings are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Written first, so that spreadsheet programs read Japanese text as UTF-8 rather
#: than as the system's code page (Shift_JIS on Japanese Windows).
BOM = "\ufeff"


def as_text(value):
    """``value`` as a cell no spreadsheet runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Writer:
    """``csv.writer`` of ``file`` whose rows go through :func:`as_text`."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable):
        return self._writer.writerow([as_text(value) for value in row])
