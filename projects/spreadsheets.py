"""The formula-injection guard of every file Charter writes for a spreadsheet (CSV and Excel).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
one that starts with a tab or a line break) as a formula: a risk titled
``=HYPERLINK("http://evil", "Click")`` in an export would become a live link (CSV injection,
OWASP). Every export cell that holds text goes through :func:`csv_safe` (CSV) or
:func:`xlsx_text` (Excel); importers read such a cell back with :func:`csv_unguard`.

Pure: no Django. It lives on the ground floor so that every app's exports share it.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_unguard(text: str) -> str:
    """The text :func:`csv_safe` guarded, as it was: ``'=SUM(A1)`` reads back as ``=SUM(A1)``."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def xlsx_text(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl ``cell`` as text, never as a formula: guarded like
    :func:`csv_safe` and stored with the string type (openpyxl would otherwise take a leading
    ``=`` for a formula)."""
    # Control characters other than tab and newlines cannot be stored in the file at all.
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", csv_safe(value))
    cell.data_type = "s"
