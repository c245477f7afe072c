"""Planned labour: an assignment's hours and cost, and each task's ``labour_cost`` (a
scheduling column the budgets app keeps, DESIGN §1 floors), re-derived by every write that can
change them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from budgets.models import ZERO, Assignment, Resource
from scheduling.models import Task

CENT = Decimal("0.01")


# --- planned labour -------------------------------------------------------------------------------


def assignment_plan(
    resource: Resource, *, duration: int, units: int, quantity: Decimal
) -> tuple[Decimal, Decimal]:
    """(planned hours, planned cost) of booking ``resource`` on a task of ``duration`` working
    days: a person's hours are duration × capacity × units / 100, costed at the hourly rate,
    or at the day rate per full day of capacity; a non-labour resource costs quantity × unit
    cost. Both to 2 places, half up."""
    if resource.kind == Resource.Kind.NON_LABOUR:
        return ZERO, (quantity * resource.unit_cost).quantize(CENT, ROUND_HALF_UP)
    share = Decimal(duration) * Decimal(units) / 100
    hours = share * resource.capacity_hours
    if resource.rate_unit == Resource.RateUnit.DAY:
        cost = share * resource.rate
    else:
        cost = hours * resource.rate
    return hours.quantize(CENT, ROUND_HALF_UP), cost.quantize(CENT, ROUND_HALF_UP)


def labour_recompute(task_ids: Iterable[int]) -> int:
    """Re-derive the planned hours and cost of the tasks' assignments and each task's
    ``labour_cost``; write only what changed. Returns the number of tasks changed."""
    ids = set(task_ids)
    if not ids:
        return 0
    durations = dict(Task.objects.filter(pk__in=ids).values_list("id", "duration"))
    current = dict(Task.objects.filter(pk__in=ids).values_list("id", "labour_cost"))
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    changed_assignments = []
    for assignment in Assignment.objects.filter(task_id__in=ids).select_related("resource"):
        hours, cost = assignment_plan(
            assignment.resource,
            duration=durations[assignment.task_id],
            units=assignment.units,
            quantity=assignment.quantity,
        )
        totals[assignment.task_id] += cost
        if (hours, cost) != (assignment.planned_hours, assignment.planned_cost):
            assignment.planned_hours, assignment.planned_cost = hours, cost
            changed_assignments.append(assignment)
    Assignment.objects.bulk_update(changed_assignments, ["planned_hours", "planned_cost"])
    changed_tasks = [
        Task(pk=pk, labour_cost=totals[pk]) for pk in durations if current[pk] != totals[pk]
    ]
    Task.objects.bulk_update(changed_tasks, ["labour_cost"])
    return len(changed_tasks)
