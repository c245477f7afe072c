"""Actual costs and commitments, and the CSV import of cost entries (all or nothing)."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from budgets import signals
from budgets.models import Category, Commitment, CostEntry
from budgets.services.base import (
    check_same_project,
    locked_current,
    parse_money,
    refuse_unknown,
    save_new,
    save_versioned,
)
from projects.models import Project
from projects.services.common import check_not_after_today
from scheduling.models import Task

COST_ENTRY_FIELDS = (
    "date",
    "kind",
    "amount",
    "category",
    "task",
    "vendor",
    "invoice_reference",
    "note",
)
COMMITMENT_FIELDS = ("date", "amount", "category", "vendor", "reference", "note")
# Reserves hold money back for the unknown; what is spent is booked where it was spent.
SPENDABLE = [c for c in Category.values if c not in ("contingency", "management_reserve")]


def _clean_category(value: Any, field: str = "category") -> str:
    text = str(value or "").strip()
    for choice in Category:
        if text.lower() in (choice.value, choice.label.lower()):
            if choice.value not in SPENDABLE:
                raise ValidationError(
                    {
                        field: f"{choice.label} is not spent directly: book the cost on the "
                        "category it was spent on."
                    }
                )
            return choice.value
    names = ", ".join(Category(c).label.lower() for c in SPENDABLE)
    raise ValidationError({field: f"“{text}” is not a cost category; use one of: {names}."})


def _clean_entry(project: Project, fields: dict[str, Any]) -> dict[str, Any]:
    if "date" in fields:
        check_not_after_today(project, fields["date"], "date", "A cost entry's date")
    if "amount" in fields:
        fields["amount"] = parse_money(fields["amount"], "amount")
    if "category" in fields:
        fields["category"] = _clean_category(fields["category"])
    if "kind" in fields and fields["kind"] not in CostEntry.Kind.values:
        raise ValidationError({"kind": "A cost entry is a cost or a credit."})
    check_same_project(project, fields.get("task"), "task")
    return fields


# --- cost entries ---------------------------------------------------------------------------------


@transaction.atomic
def cost_entry_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    date: datetime.date,
    amount: Any,
    category: str,
    **fields: Any,
) -> CostEntry:
    """Record money spent (or, with ``kind="credit"``, money given back)."""
    refuse_unknown(fields, COST_ENTRY_FIELDS, "Unknown field.")
    fields = _clean_entry(project, {"date": date, "amount": amount, "category": category, **fields})
    return save_new(CostEntry(project=project, created_by=by, **fields), by)


@transaction.atomic
def cost_entry_update(
    *, entry: CostEntry, by: AbstractBaseUser, version: int | None, **changes: Any
) -> CostEntry:
    refuse_unknown(changes, COST_ENTRY_FIELDS, "This field cannot be changed here.")
    current = locked_current(entry, version)
    for field_name, value in _clean_entry(current.project, changes).items():
        setattr(current, field_name, value)
    return save_versioned(current, by)


@transaction.atomic
def cost_entry_delete(*, entry: CostEntry, by: AbstractBaseUser) -> None:
    entry._history_user = by
    entry.delete()


# --- CSV import -----------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    "date",
    "amount",
    "category",
    "kind",
    "task",
    "vendor",
    "invoice_reference",
    "note",
)
REQUIRED_COLUMNS = ("date", "amount", "category")
MAX_IMPORT_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file; the header is line 1
    field: str
    message: str


@dataclass
class ImportReport:
    """What an import did: the entries created, or, when any row is bad, none and every error."""

    created: list[CostEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            {"date": f"“{text}” is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31."}
        ) from None


def _parse_past_date(project: Project, text: str) -> datetime.date:
    day = _parse_date(text)
    check_not_after_today(project, day, "date", "A cost entry's date")
    return day


def _task_lookup(project: Project) -> tuple[dict[int, Task], dict[str, list[Task]]]:
    tasks = list(Task.objects.filter(project=project).only("id", "name", "work_package_id"))
    by_name: dict[str, list[Task]] = {}
    for task in tasks:
        by_name.setdefault(task.name.strip().lower(), []).append(task)
    return {t.pk: t for t in tasks}, by_name


def _parse_task(text: str, by_id: dict[int, Task], by_name: dict[str, list[Task]]) -> Task | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        if int(text) in by_id:
            return by_id[int(text)]
        raise ValidationError({"task": f"This project has no task with id {text}."})
    found = by_name.get(text.lower(), [])
    if len(found) == 1:
        return found[0]
    if found:
        raise ValidationError(
            {"task": f"{len(found)} tasks are called “{text}”; give the task's id instead."}
        )
    raise ValidationError({"task": f"This project has no task called “{text}”."})


def _row_errors(row: int, error: ValidationError) -> list[RowError]:
    return [
        RowError(row=row, field=name, message=message)
        for name, messages in error.message_dict.items()
        for message in messages
    ]


@transaction.atomic
def cost_entries_import(
    *, project: Project, by: AbstractBaseUser, file: IO[str] | IO[bytes] | str | bytes
) -> ImportReport:
    """Import cost entries from CSV with a header row (columns ``IMPORT_COLUMNS``; date,
    amount and category required). Every row is checked first; if any row is bad, nothing is
    imported and the report lists every error by line and column."""
    data = file if isinstance(file, str | bytes) else file.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportReport(
                errors=[RowError(1, "file", "The file is not UTF-8 text; save it as CSV UTF-8.")]
            )
    text = data
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in IMPORT_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if unknown:
            problems.append("unknown " + ", ".join(unknown))
        return ImportReport(
            errors=[
                RowError(
                    1,
                    "header",
                    f"The header row has {'; '.join(problems)} column(s); use "
                    + ", ".join(IMPORT_COLUMNS)
                    + ".",
                )
            ]
        )
    reader.fieldnames = header
    by_id, by_name = _task_lookup(project)
    entries: list[CostEntry] = []
    errors: list[RowError] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            errors.append(
                RowError(number, "file", f"Import at most {MAX_IMPORT_ROWS} rows at a time.")
            )
            break
        if None in raw:  # more cells than columns
            errors.append(RowError(number, "row", "This row has more cells than the header."))
            continue
        values = {k: (v or "").strip() for k, v in raw.items()}
        if not any(values.values()):
            continue  # blank line
        row_errors: list[RowError] = []
        fields: dict[str, Any] = {}
        for name, parse in (
            ("date", lambda v: _parse_past_date(project, v)),
            ("amount", lambda v: parse_money(v, "amount")),
            ("category", lambda v: _clean_category(v)),
            ("task", lambda v: _parse_task(v, by_id, by_name)),
        ):
            try:
                fields[name] = parse(values.get(name, ""))
            except ValidationError as error:
                row_errors.extend(_row_errors(number, error))
        kind = values.get("kind", "").lower() or CostEntry.Kind.COST
        if kind not in CostEntry.Kind.values:
            row_errors.append(RowError(number, "kind", f"“{kind}” is not cost or credit."))
        for name, limit in (("vendor", 200), ("invoice_reference", 100)):
            if len(values.get(name, "")) > limit:
                row_errors.append(RowError(number, name, f"At most {limit} characters."))
        if row_errors:
            errors.extend(row_errors)
            continue
        entries.append(
            CostEntry(
                project=project,
                kind=kind,
                vendor=values.get("vendor", ""),
                invoice_reference=values.get("invoice_reference", ""),
                note=values.get("note", ""),
                created_by=by,
                **fields,
            )
        )
    if errors:
        return ImportReport(errors=errors)
    if not entries:
        return ImportReport(errors=[RowError(2, "file", "The file has no rows to import.")])
    created = bulk_create_with_history(entries, CostEntry, batch_size=500, default_user=by)
    signals.cost_entries_imported.send(sender=CostEntry, project=project, entries=created)
    return ImportReport(created=created)


# --- commitments ----------------------------------------------------------------------------------


def _clean_commitment(fields: dict[str, Any]) -> dict[str, Any]:
    if "amount" in fields:
        fields["amount"] = parse_money(fields["amount"], "amount")
    if "category" in fields:
        fields["category"] = _clean_category(fields["category"])
    return fields


@transaction.atomic
def commitment_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    date: datetime.date,
    amount: Any,
    category: str,
    **fields: Any,
) -> Commitment:
    """Record money ordered but not yet invoiced (a purchase order, a signed contract)."""
    refuse_unknown(fields, COMMITMENT_FIELDS, "Unknown field.")
    fields = _clean_commitment({"amount": amount, "category": category, **fields})
    return save_new(Commitment(project=project, date=date, **fields), by)


@transaction.atomic
def commitment_update(
    *, commitment: Commitment, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Commitment:
    refuse_unknown(changes, COMMITMENT_FIELDS, "This field cannot be changed here.")
    current = locked_current(commitment, version)
    if current.status != Commitment.Status.OPEN:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()}; only open commitments can "
            "be edited."
        )
    for field_name, value in _clean_commitment(changes).items():
        setattr(current, field_name, value)
    return save_versioned(current, by)


@transaction.atomic
def commitment_close(
    *, commitment: Commitment, by: AbstractBaseUser, to: str, version: int | None = None
) -> Commitment:
    """Mark an open commitment invoiced (its cost is now a cost entry) or cancelled."""
    current = locked_current(commitment, version)
    if to not in (Commitment.Status.INVOICED, Commitment.Status.CANCELLED):
        raise ValidationError({"status": "A commitment is closed as invoiced or cancelled."})
    if current.status != Commitment.Status.OPEN:
        raise ValidationError({"status": f"It is already {current.get_status_display().lower()}."})
    current.status = to
    return save_versioned(current, by)


@transaction.atomic
def commitment_delete(*, commitment: Commitment, by: AbstractBaseUser) -> None:
    commitment._history_user = by
    commitment.delete()
