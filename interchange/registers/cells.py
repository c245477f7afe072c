"""What a cell may say: the parsers that turn a cell (text from CSV; text, a number or a date
from Excel) into the value a service takes, and the project's records a cell may name."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from budgets.models import Resource
from projects.models import Deliverable, Project, WorkPackage
from projects.spreadsheets import csv_unguard
from scheduling.models import Phase, Task


class Lookups:
    """The project's records a cell may name (members, work packages, tasks, resources…), each
    read in one query the first time a column needs it."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, dict[str, Any]] = {}

    def _table(self, name: str, build: Callable[[], Iterable[tuple[str, Any]]]) -> dict[str, Any]:
        if name not in self._cache:
            table: dict[str, Any] = {}
            for key, value in build():
                # A key two records share names neither: the cell must say which.
                key = key.strip().lower()
                table[key] = None if key in table and table[key] != value else value
            self._cache[name] = table
        return self._cache[name]

    def member(self, text: str) -> AbstractBaseUser:
        def build():
            users = get_user_model()._default_manager.filter(memberships__project=self.project)
            for user in users:
                yield user.get_username(), user
                if user.email:
                    yield user.email, user

        found = self._table("member", build).get(text.lower())
        if found is None:
            raise ValidationError(f"“{text}” is not a member of {self.project.key}.")
        return found

    def work_package(self, text: str) -> WorkPackage:
        def build():
            for package in WorkPackage.objects.filter(project=self.project):
                yield package.code, package
                yield package.name, package

        found = self._table("work_package", build).get(text.lower())
        if found is None:
            raise ValidationError(
                f"{self.project.key} has no work package “{text}” (give its WBS code or name)."
            )
        return found

    def phase(self, text: str) -> Phase:
        found = self._table(
            "phase", lambda: ((p.name, p) for p in Phase.objects.filter(project=self.project))
        ).get(text.lower())
        if found is None:
            raise ValidationError(f"{self.project.key} has no phase “{text}”.")
        return found

    def task(self, text: str) -> Task:
        def build():
            for task in Task.objects.filter(project=self.project).only("id", "ref", "name"):
                yield str(task.ref), task
                yield f"#{task.ref}", task
                yield task.name, task

        found = self._table("task", build).get(text.lower())
        if found is None:
            raise ValidationError(
                f"{self.project.key} has no task “{text}” (give its number or its name)."
            )
        return found

    def resource(self, text: str) -> Resource:
        found = self._table(
            "resource",
            lambda: ((r.name, r) for r in Resource.objects.filter(project=self.project)),
        ).get(text.lower())
        if found is None:
            raise ValidationError(f"{self.project.key} has no resource “{text}”.")
        return found

    def deliverable(self, text: str) -> Deliverable:
        found = self._table(
            "deliverable",
            lambda: ((d.name, d) for d in Deliverable.objects.filter(project=self.project)),
        ).get(text.lower())
        if found is None:
            raise ValidationError(f"{self.project.key} has no deliverable “{text}”.")
        return found


# A parser turns one cell (text from CSV; text, a number or a date from Excel) into the value the
# service takes, or raises ValidationError with the message a person reads. Empty cells never
# reach a parser: the column's service default applies.
Parser = Callable[[Any, Lookups], Any]


def text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return csv_unguard(str(value).strip())


def text(max_length: int | None = None) -> Parser:
    def parse(value: Any, lookups: Lookups) -> str:
        result = text_of(value)
        if max_length is not None and len(result) > max_length:
            raise ValidationError(f"At most {max_length} characters (this has {len(result)}).")
        return result

    return parse


def whole(low: int, high: int) -> Parser:
    def parse(value: Any, lookups: Lookups) -> int:
        cell = text_of(value).rstrip("%").strip()
        try:
            number = Decimal(cell)
        except InvalidOperation:
            raise ValidationError(f"“{cell}” is not a number.") from None
        if number != number.to_integral_value() or not low <= number <= high:
            raise ValidationError(f"Give a whole number from {low} to {high:,}; “{cell}” is not.")
        return int(number)

    return parse


def decimal(places: int = 2) -> Parser:
    def parse(value: Any, lookups: Lookups) -> Decimal:
        cell = text_of(value).replace(",", "").replace(" ", "")
        try:
            number = Decimal(cell)
        except InvalidOperation:
            raise ValidationError(f"“{cell}” is not an amount, e.g. 1250.00.") from None
        if not number.is_finite():
            raise ValidationError(f"“{cell}” is not an amount, e.g. 1250.00.")
        return number.quantize(Decimal(1).scaleb(-places))

    return parse


def date(value: Any, lookups: Lookups) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    cell = text_of(value)
    try:
        return datetime.date.fromisoformat(cell[:10]) if len(cell) >= 10 else _bad_date(cell)
    except ValueError:
        return _bad_date(cell)


def _bad_date(cell: str) -> datetime.date:
    raise ValidationError(f"“{cell}” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.")


def key_of(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.lower())


def choice(choices: type) -> Parser:
    """A value of ``choices`` (a TextChoices), by its value or its label, in any case."""
    table = {key_of(value): value for value in choices.values} | {
        key_of(str(label)): value for value, label in choices.choices
    }

    def parse(value: Any, lookups: Lookups) -> str:
        cell = text_of(value)
        found = table.get(key_of(cell))
        if found is None:
            raise ValidationError(
                f"“{cell}” is not one of: {', '.join(str(v) for v in choices.values)}."
            )
        return found

    return parse


def lookup(name: str) -> Parser:
    return lambda value, lookups: getattr(lookups, name)(text_of(value))


def each(parse: Parser, separator: str = ";") -> Parser:
    """A list of values in one cell, separated by ``separator`` (or line breaks)."""

    def parse_all(value: Any, lookups: Lookups) -> list[Any]:
        parts = re.split(rf"[{re.escape(separator)}\n]", text_of(value))
        return [parse(part.strip(), lookups) for part in parts if part.strip()]

    return parse_all


def username_of(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""
