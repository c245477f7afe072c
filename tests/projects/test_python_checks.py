"""Check constraints decided in Python agree with the database, and cost no queries."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from projects.models.checks import _UNDECIDED, evaluate
from scheduling.models import Task

pytestmark = pytest.mark.django_db

D = datetime.date


FIELDS = {
    "a": models.DecimalField(max_digits=6, decimal_places=2),
    "b": models.IntegerField(),
    "d1": models.DateField(),
    "d2": models.DateField(),
    "s": models.CharField(),
}


def database_says(condition: Q, values: dict) -> bool:
    """Django's own validation: ask the database whether ``condition`` holds (NULL passes)."""
    return Q(condition).check(
        {name: models.Value(value, output_field=FIELDS[name]) for name, value in values.items()}
    )


SAMPLES = {
    "a": [None, 0, 1, 100, 101, Decimal("-0.01"), Decimal("0")],
    "b": [None, 0, 1, 100],
    "d1": [None, D(2026, 1, 5), D(2026, 1, 9)],
    "d2": [None, D(2026, 1, 5), D(2026, 1, 6)],
    "s": [None, "", "open"],
}
CONDITIONS = [
    Q(a__gte=0),
    Q(a__lte=100),
    Q(a__gte=1, a__lte=100),
    Q(a__gt=0) | Q(b__isnull=True),
    Q(d2__isnull=True) | Q(d1__isnull=False),
    Q(d2__isnull=True) | Q(d1__lte=F("d2")),
    ~Q(a__lt=F("b")),
    Q(a__isnull=True) | (Q(a__lte=F("b")) & Q(b__lte=100)),
    Q(a=1) | ~Q(b=0),
    Q(s__in=["open", "closed"]),
    ~Q(s__in=["open"]) | Q(s=""),
    Q(a=F("b") * 2) | Q(b=F("b") + F("a") - 1),
    Q(s__startswith="op") | Q(s__startswith="ht"),
]


@pytest.mark.parametrize("condition", CONDITIONS, ids=str)
def test_python_and_the_database_agree_on_every_combination(condition):
    for a, b, s in itertools.product(SAMPLES["a"], SAMPLES["b"], SAMPLES["s"]):
        for d1, d2 in itertools.product(SAMPLES["d1"], SAMPLES["d2"]):
            values = {"a": a, "b": b, "d1": d1, "d2": d2, "s": s}
            verdict = evaluate(condition, values)
            assert verdict is not _UNDECIDED
            assert (verdict is not False) == database_says(condition, values), values


def test_every_check_constraint_of_the_project_is_decided_in_python():
    """A new constraint Python cannot decide would silently cost queries again: list it here."""
    undecided = []
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                values = {field.name: None for field in model._meta.concrete_fields}
                if evaluate(constraint.condition, values) is _UNDECIDED:
                    undecided.append(f"{model.__name__}.{constraint.name}")
    assert undecided == []


def test_a_task_is_validated_without_a_query_and_with_the_constraints_message(
    project, django_assert_num_queries
):
    task = Task(project=project, ref=1, name="Cut over", duration=2, position=1)
    task.actual_finish = D(2026, 1, 9)
    with django_assert_num_queries(0), pytest.raises(ValidationError) as caught:
        task.validate_constraints(exclude={"project", "ref"})
    assert caught.value.messages == ["A task cannot have finished without having started."]
    task.actual_start = D(2026, 1, 12)
    with pytest.raises(ValidationError) as caught:
        task.validate_constraints(exclude={"project", "ref"})
    assert caught.value.messages == ["The actual finish cannot be before the actual start."]
