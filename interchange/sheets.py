"""Tables in and out of files: CSV and Excel (.xlsx), the format sniffed from the content.

Pure: no Django. ``read_table`` gives the header and the rows with their row numbers as a
spreadsheet shows them (the header is row 1), ``write_csv`` and ``write_xlsx`` write a header and
rows with every text cell guarded against formula injection (``projects.spreadsheets``).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from projects.spreadsheets import csv_safe, xlsx_text

# A register of 5,000 rows with long texts is well under 5 MB in either format; a bigger file is
# not a register, and reading it would hold a web process for seconds.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
# What the workbook's XML may unpack to: 5,000 rows of 20 long cells is a few tens of MB.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# An .xlsx is a zip file; a "CSV" starting like one was saved as Excel under the wrong name.
_ZIP_MAGIC = b"PK\x03\x04"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


class SheetError(ValueError):
    """The file cannot be read as a table; the message says why, for the person uploading it."""


@dataclass(frozen=True)
class Table:
    """A file's header row and its data rows as (row number, cells); blank rows are left out."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]
    format: str


def read_table(data: bytes) -> Table:
    """The table in ``data``, an .xlsx workbook (its first sheet) or CSV text (UTF-8, or the
    Windows code page Excel saves "CSV" in; comma, semicolon or tab separated)."""
    if len(data) > MAX_BYTES:
        raise SheetError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; import at most "
            f"{MAX_BYTES // 1024 // 1024} MB ({MAX_ROWS:,} rows) at a time."
        )
    if not data.strip():
        raise SheetError("The file is empty.")
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data)
    return _read_csv(data)


def _too_many() -> SheetError:
    return SheetError(f"The file has more than {MAX_ROWS:,} rows; import at most that at a time.")


def _blank(cells: Sequence[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _read_csv(data: bytes) -> Table:
    if b"\x00" in data[:4096]:
        raise SheetError("This is not a CSV or Excel (.xlsx) file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows; every byte decodes, so this never fails.
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if any(c in first for c in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise SheetError("The file is empty.")
        rows = []
        for number, cells in enumerate(reader, start=2):
            if _blank(cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many()
            rows.append((number, cells))
    except csv.Error as error:
        raise SheetError(f"The CSV file cannot be read: {error}.") from None
    return Table(header=[h.strip() for h in header], rows=rows, format="csv")


def _read_xlsx(data: bytes) -> Table:
    try:
        unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise SheetError(f"The Excel file cannot be read ({error}); save it as .xlsx.") from None
    if unpacked > MAX_UNPACKED_BYTES:
        # A few MB that unpack to gigabytes (a zip bomb) would hold the process's memory.
        raise SheetError(
            f"The Excel file unpacks to {unpacked // 1024 // 1024} MB; a register is at most "
            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB. Save it as CSV or split it."
        )
    try:
        # read_only streams the rows; data_only reads a formula's last value, never the formula.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # whatever breaks in an uploaded file is its fault
        raise SheetError(f"The Excel file cannot be read ({error}); save it as .xlsx.") from None
    try:
        return _read_sheet(workbook)
    except SheetError:
        raise
    except Exception as error:  # rows are parsed lazily, as they are read
        raise SheetError(f"The Excel file cannot be read ({error}); save it as .xlsx.") from None
    finally:
        workbook.close()


def _read_sheet(workbook: Any) -> Table:
    """The first sheet's header and rows (the header is row 1)."""
    sheet = workbook.worksheets[0]
    rows_in = sheet.iter_rows(values_only=True)
    header_row = next(rows_in, None)
    if header_row is None:
        raise SheetError("The first sheet is empty.")
    header = ["" if h is None else str(h).strip() for h in header_row]
    while header and not header[-1]:
        header.pop()
    rows = []
    for number, cells in enumerate(rows_in, start=2):
        if _blank(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise _too_many()
        rows.append((number, list(cells)))
    return Table(header=header, rows=rows, format="xlsx")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal | float):
        return str(value)  # a number is never a formula, "-2" included
    if isinstance(value, datetime.date):
        return value.isoformat()
    return csv_safe(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark (so Excel reads it as UTF-8); text cells guarded."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An Excel workbook of one sheet: a bold, frozen header; dates as dates, numbers as
    numbers, every other cell stored as guarded text."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    for column, name in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=column)
        xlsx_text(cell, name)
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=column)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                xlsx_text(cell, "yes" if value else "no")
            elif isinstance(value, int | Decimal | float):
                cell.value = value
                if isinstance(value, Decimal):
                    cell.number_format = "0.00"
            elif isinstance(value, datetime.date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            else:
                xlsx_text(cell, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
