"""A register's definition (its columns, its rows, the service that creates a row) and what an
import reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

from interchange.registers.cells import Parser, key_of
from projects.models import Project


@dataclass(frozen=True)
class Column:
    """One column: its header, the service keyword (and error field) it fills, how a record
    gives its value, and how a cell is read (None: computed, exported only)."""

    header: str
    field: str
    value: Callable[[Any], Any]
    parse: Parser | None = None
    required: bool = False
    example: Any = ""
    aliases: tuple[str, ...] = ()

    @property
    def keys(self) -> set[str]:
        return {key_of(self.header), key_of(self.field), *(key_of(a) for a in self.aliases)}


def attr(name: str) -> Callable[[Any], Any]:
    return lambda record: getattr(record, name)


@dataclass(frozen=True)
class Register:
    """A register: its URL name, its sheet title, its columns, the rows an export reads (in
    the register's order, with what the columns need in the same query) and how a row is
    created: ``create(project=, by=, **fields)`` through the app's service."""

    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Project], QuerySet]
    create: Callable[..., Model] | None = None
    # Instead of ``create`` per row: all rows at once (tasks, whose links name each other),
    # ``(project=, by=, rows=[(row number, fields)], refused={row numbers with bad cells})``
    # -> (records, errors); it writes nothing when any row is refused.
    create_all: Callable[..., tuple[list[Model], list[RowError]]] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def importable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.parse is not None)


@dataclass(frozen=True)
class RowError:
    """What is wrong with a cell: the file's row (the header is 1; None: the file as a whole),
    the column's field name, and the message."""

    row: int | None
    field: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def row_errors(row: int | None, error: ValidationError, default: str = "row") -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(row, default if name == "__all__" else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(row, default, message) for message in error.messages]
