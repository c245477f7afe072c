"""Check constraints validated in Python before the database sees the row.

Django validates a ``CheckConstraint`` by asking the database (``SELECT 1 WHERE <condition>``
inside a savepoint): a task's eight checks cost 24 round trips on every save, about a third of
an edit's time on PostgreSQL. The conditions of this project are plain comparisons of a row's
own fields, which Python decides exactly as SQL does, three-valued logic included (a check
passes unless its condition is false; a comparison with NULL is unknown). Anything else (a
function, an expression, a join) is still validated by the database.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

# Unknown (SQL NULL) in the three-valued logic; _UNDECIDED: Python cannot decide it here.
_UNKNOWN = None
_UNDECIDED = object()

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    # Case-sensitive, as PostgreSQL's LIKE (SQLite's is not: there the database decides too).
    "startswith": lambda value, prefix: str(value).startswith(str(prefix)),
}


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def _operand(value: Any, values: dict[str, Any]) -> Any:
    """The Python value of a lookup's right-hand side: a constant, a field of the row, or
    +, -, * of those; ``_UNDECIDED`` for anything else."""
    if isinstance(value, F):
        return values.get(value.name, _UNDECIDED)
    if isinstance(value, models.expressions.CombinedExpression):
        calculate = _ARITHMETIC.get(value.connector)
        left, right = _operand(value.lhs, values), _operand(value.rhs, values)
        if calculate is None or _UNDECIDED in (left, right):
            return _UNDECIDED
        return None if left is None or right is None else calculate(left, right)
    if isinstance(value, models.Value):
        return value.value
    if isinstance(value, models.expressions.Combinable | models.Model):
        return _UNDECIDED
    return value


def _lookup(node: tuple[str, Any], values: dict[str, Any]) -> Any:
    name, wanted = node
    field, _, lookup = name.rpartition("__")
    if lookup not in {*_COMPARISONS, "isnull", "in"}:
        field, lookup = name, "exact"
    if field not in values:
        return _UNDECIDED
    value = values[field]
    if isinstance(value, models.expressions.Combinable):
        return _UNDECIDED  # e.g. version = F("version") + 1, decided by the database
    if lookup == "isnull":
        return (value is None) == bool(wanted)
    if lookup == "in":
        if not isinstance(wanted, list | tuple | set | frozenset):
            return _UNDECIDED
        options = [_operand(option, values) for option in wanted]
        if _UNDECIDED in options:
            return _UNDECIDED
        if value is None:
            return _UNKNOWN
        return True if value in options else (_UNKNOWN if None in options else False)
    wanted = _operand(wanted, values)
    if wanted is _UNDECIDED:
        return _UNDECIDED
    if value is None or wanted is None:
        return _UNKNOWN
    try:
        return _COMPARISONS[lookup](value, wanted)
    except TypeError:
        return _UNDECIDED


def evaluate(condition: Q | tuple[str, Any], values: dict[str, Any]) -> Any:
    """True, False or None (unknown) for ``condition`` on ``values`` (field name → value), or
    ``_UNDECIDED`` when it holds anything but comparisons of the row's own fields."""
    if not isinstance(condition, Q):
        if isinstance(condition, tuple):
            return _lookup(condition, values)
        return _UNDECIDED
    results = [evaluate(child, values) for child in condition.children]
    if any(result is _UNDECIDED for result in results):
        return _UNDECIDED
    if condition.connector == Q.OR:
        verdict = True if True in results else (_UNKNOWN if _UNKNOWN in results else False)
    else:
        verdict = False if False in results else (_UNKNOWN if _UNKNOWN in results else True)
    if condition.negated and verdict is not _UNKNOWN:
        verdict = not verdict
    return verdict


class PythonChecksMixin(models.Model):
    """Validates the model's check constraints in Python where it can (see the module)."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        excluded = set(exclude or ())
        values = {
            field.name: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.name not in excluded
        }
        errors: dict[str, Any] = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                verdict = (
                    evaluate(constraint.condition, values)
                    if isinstance(constraint, models.CheckConstraint)
                    else _UNDECIDED
                )
                try:
                    if verdict is _UNDECIDED:
                        constraint.validate(model_class, self, exclude=exclude)
                    elif verdict is False:
                        raise ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                except ValidationError as error:
                    fields = getattr(constraint, "fields", ())
                    if getattr(error, "code", None) == "unique" and len(fields) == 1:
                        errors.setdefault(fields[0], []).append(error)  # as Django does
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
