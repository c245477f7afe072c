"""The registers as spreadsheets: one definition per register (its columns and the service that
creates its rows), and the export and the all-or-nothing import every register shares.

A column names its header, the keyword of the register's create service, how a record gives
its value (export) and how a cell becomes a value (import); a column without a parser is
computed (a risk's score, a task's dates) and only exported. An import reads the file
(``interchange.sheets``), maps columns by header (case, spaces and underscores do not matter),
parses every cell, and creates each row through the same service as the form and the API, so
a row is held to the same rules as typing it. Every row is tried, each in a savepoint, so the
report names every bad row; if any is bad, nothing is kept. Tasks are the exception to "one
service call per row": they go through ``scheduling.services.plan_load``, which writes them
and their links in bulk and recomputes the schedule once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from interchange import sheets
from interchange.registers.base import Column, ImportResult, Register, RowError, row_errors
from interchange.registers.budget import BUDGET_LINES, TIME_ENTRIES
from interchange.registers.cells import Lookups, key_of
from interchange.registers.people import STAKEHOLDERS
from interchange.registers.risks import ISSUES, RISKS
from interchange.registers.scope import DELIVERABLES, REQUIREMENTS
from interchange.registers.tasks import TASKS
from projects.models import Project
from projects.services.common import lock_project

__all__ = [
    "REGISTERS",
    "ImportResult",
    "Register",
    "RowError",
    "register_export",
    "register_import",
    "register_import_upload",
]

REGISTERS: dict[str, Register] = {
    register.slug: register
    for register in (
        TASKS,
        RISKS,
        ISSUES,
        STAKEHOLDERS,
        REQUIREMENTS,
        DELIVERABLES,
        BUDGET_LINES,
        TIME_ENTRIES,
    )
}


# --- export ---------------------------------------------------------------------------------------


def _filename(project: Project, register: Register, extension: str, template: bool) -> str:
    what = f"{register.slug}-template" if template else register.slug
    return f"{project.key}-{what}-{project.today():%Y-%m-%d}.{extension}"


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def register_export(
    *, register: Register, project: Project, format: str = "csv", template: bool = False
) -> ExportFile:
    """The register as CSV or Excel: a header row and a row per record (the same query however
    many rows), every text cell guarded against formula injection. ``template``: the columns an
    import reads, with one example row instead of the records."""
    if template:
        columns = register.importable
        rows: Iterable[Sequence[Any]] = [[column.example for column in columns]]
    else:
        columns = register.columns
        rows = ([column.value(record) for column in columns] for record in register.rows(project))
    header = [column.header for column in columns]
    if format == "xlsx":
        content = sheets.write_xlsx(register.title, header, rows)
        return ExportFile(content, sheets.XLSX_TYPE, _filename(project, register, "xlsx", template))
    return ExportFile(
        sheets.write_csv(header, rows),
        sheets.CSV_TYPE,
        _filename(project, register, "csv", template),
    )


# --- import ---------------------------------------------------------------------------------------


class _Refused(Exception):
    """Leaves the import's transaction (so that it rolls back) carrying the report."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def _map_header(
    register: Register, header: Sequence[str]
) -> tuple[list[tuple[int, Column]], list[str], list[Column]]:
    """(cell index, column) for each importable column found; the headers nobody knows; the
    required columns missing. Computed columns (a risk's score) are known and skipped."""
    by_key = {key: column for column in register.columns for key in column.keys}
    found: list[tuple[int, Column]] = []
    seen: set[str] = set()
    unknown: list[str] = []
    for index, name in enumerate(header):
        column = by_key.get(key_of(name))
        if column is None:
            if name.strip():
                unknown.append(name.strip())
            continue
        if column.field in seen or column.parse is None:
            continue
        seen.add(column.field)
        found.append((index, column))
    missing = [c for c in register.importable if c.required and c.field not in seen]
    return found, unknown, missing


def register_import_upload(
    *, register: Register, project: Project, by: AbstractBaseUser, upload: Any
) -> ImportResult:
    """Import an uploaded file (the page's and the API's), refusing a missing or oversized one
    with the reason before reading it."""
    if upload is None:
        return ImportResult(errors=[RowError(None, "file", "Choose a CSV or Excel file.")])
    if upload.size > sheets.MAX_BYTES:
        return ImportResult(
            errors=[
                RowError(
                    None,
                    "file",
                    f"The file is {upload.size / 1024 / 1024:.1f} MB; import at most "
                    f"{sheets.MAX_BYTES // 1024 // 1024} MB ({sheets.MAX_ROWS:,} rows) at a time.",
                )
            ]
        )
    return register_import(register=register, project=project, by=by, data=upload.read())


def register_import(
    *, register: Register, project: Project, by: AbstractBaseUser, data: bytes
) -> ImportResult:
    """Import the rows of a CSV or Excel file into the register: every row or none.

    Columns are matched by header; unknown ones are reported (``ignored_columns``) and skipped,
    a missing required one refuses the file. Each row goes through the register's service;
    when any row fails, nothing is kept and the result lists every error by row and column."""
    try:
        table = sheets.read_table(data)
    except sheets.SheetError as error:
        return ImportResult(errors=[RowError(None, "file", str(error))])
    columns, unknown, missing = _map_header(register, table.header)
    if missing:
        names = ", ".join(c.header for c in missing)
        return ImportResult(
            errors=[
                RowError(
                    1,
                    "header",
                    f"The file has no {names} column{'s' if len(missing) > 1 else ''}; "
                    f"the columns are: {', '.join(c.header for c in register.importable)}.",
                )
            ],
            ignored_columns=unknown,
        )
    if not table.rows:
        return ImportResult(errors=[RowError(2, "file", "The file has no rows to import.")])
    lookups = Lookups(project)
    try:
        with transaction.atomic():
            result = _import_rows(register, project, by, table, columns, lookups)
            result.ignored_columns = unknown
            if not result.ok:
                raise _Refused(result)
    except _Refused as refused:
        return refused.result
    return result


def _import_rows(
    register: Register,
    project: Project,
    by: AbstractBaseUser,
    table: sheets.Table,
    columns: list[tuple[int, Column]],
    lookups: Lookups,
) -> ImportResult:
    errors: list[RowError] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    refused: set[int] = set()
    for number, cells in table.rows:
        fields: dict[str, Any] = {}
        bad = False
        for index, column in columns:
            cell = cells[index] if index < len(cells) else None
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if column.required:
                    errors.append(RowError(number, column.field, f"{column.header} is needed."))
                    bad = True
                continue
            try:
                fields[column.field] = column.parse(cell, lookups)
            except ValidationError as error:
                errors.extend(RowError(number, column.field, m) for m in error.messages)
                bad = True
        parsed.append((number, fields))
        if bad:
            refused.add(number)
    if register.create_all is not None:
        # All rows, the refused ones too: a link to a row with a bad cell is not "unknown".
        created, more = register.create_all(
            project=project, by=by, rows=parsed, refused=frozenset(refused)
        )
        return ImportResult(created=len(created), errors=sorted_errors(errors + more))
    lock_project(project)
    created = 0
    for number, fields in parsed:
        if number in refused:
            continue
        try:
            # A savepoint per row: a refused row leaves nothing behind, and the next rows are
            # still tried so that the report names every bad row at once.
            with transaction.atomic():
                register.create(project=project, by=by, **fields)
            created += 1
        except ValidationError as error:
            errors.extend(row_errors(number, error))
    return ImportResult(created=created, errors=sorted_errors(errors))


def sorted_errors(errors: list[RowError]) -> list[RowError]:
    """By row (the file's errors first), in the order found within a row."""
    return sorted(errors, key=lambda e: -1 if e.row is None else e.row)
