"""interchange.sheets and the guard it writes with (projects.spreadsheets): no database."""

import datetime
from decimal import Decimal

import pytest

from interchange import sheets
from projects.spreadsheets import csv_safe, csv_unguard


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\nx"])
def test_csv_unguard_reads_back_what_csv_safe_guarded(text):
    """Every guarded cell gets its quote, and reads back as it was written."""
    assert csv_safe(text) == "'" + text
    assert csv_unguard(csv_safe(text)) == text


def test_csv_unguard_keeps_a_quote_that_guards_nothing():
    """A quote in front of ordinary text is the text's own."""
    assert csv_unguard("'tis") == "'tis"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_read_table_finds_the_separator_and_numbers_rows_as_a_spreadsheet(delimiter):
    """Comma, semicolon (European Excel) or tab; the header is row 1 and blank rows are
    skipped without renumbering the rest."""
    text = delimiter.join(["Title", "Impact"]) + "\nA" + delimiter + "3\n\nB" + delimiter + "4\n"
    table = sheets.read_table(text.encode())
    assert table.header == ["Title", "Impact"]
    assert table.rows == [(2, ["A", "3"]), (4, ["B", "4"])]


def test_read_table_reads_excels_windows_csv():
    """A "CSV" saved by Excel on Windows (cp1252, no UTF-8) still reads."""
    table = sheets.read_table("Title\nCafé – 5 €\n".encode("cp1252"))
    assert table.rows == [(2, ["Café – 5 €"])]


def test_write_then_read_xlsx_keeps_types_and_guards_text():
    """Numbers and dates stay typed; formula-looking text is stored guarded, as text."""
    data = sheets.write_xlsx(
        "Risks",
        ["Title", "Score", "Cost", "Due"],
        [["=cmd", 12, Decimal("5.50"), datetime.date(2026, 3, 1)]],
    )
    table = sheets.read_table(data)
    assert table.format == "xlsx"
    title, score, cost, due = table.rows[0][1]
    assert (title, score, cost, due.date()) == ("'=cmd", 12, 5.5, datetime.date(2026, 3, 1))


def test_write_csv_guards_text_but_not_numbers():
    """A negative number is a number, not a formula; text starting with - is guarded."""
    data = sheets.write_csv(["Lag", "Note"], [[-2, "-2 days"]])
    assert data.decode("utf-8-sig").splitlines() == ["Lag,Note", "-2,'-2 days"]
