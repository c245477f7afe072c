"""Resources, their days off, assignments (which keep each task's labour cost) and time.

A task's ``labour_cost`` (a scheduling column the budgets app keeps, DESIGN §1 floors) is
recomputed in the same transaction as every write that can change it: an assignment added,
changed or removed, a resource's rate or capacity changed, a task's duration changed (the
``post_save`` receiver in ``budgets.apps``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from budgets.models import ZERO, Assignment, DayOff, Resource, TimeEntry
from budgets.services.base import (
    check_member,
    check_same_project,
    locked_current,
    parse_decimal,
    parse_money,
    refuse_unknown,
    save_new,
    save_versioned,
)
from budgets.services.timesheets import approved_on_write, check_entry_unlocked
from projects.models import Project
from projects.services.common import check_not_after_today
from scheduling.models import Task
from scheduling.services import lock_project

RESOURCE_FIELDS = (
    "name",
    "kind",
    "user",
    "role",
    "rate",
    "rate_unit",
    "capacity_hours",
    "unit_cost",
    "unit",
)
# Changing one of these changes what the resource's assignments cost.
COSTING_FIELDS = frozenset({"kind", "rate", "rate_unit", "capacity_hours", "unit_cost"})
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


# --- resources ------------------------------------------------------------------------------------


def _clean_resource(project: Project, fields: dict[str, Any]) -> dict[str, Any]:
    for name in ("rate", "unit_cost"):
        if name in fields:
            fields[name] = parse_money(fields[name], name, allow_zero=True)
    if "capacity_hours" in fields:
        fields["capacity_hours"] = parse_decimal(
            fields["capacity_hours"],
            "capacity_hours",
            places=2,
            low=Decimal(0),
            high=Decimal(24),
            what="Hours per working day",
        )
    check_member(project, fields.get("user"), "user")
    return fields


@transaction.atomic
def resource_create(
    *, project: Project, by: AbstractBaseUser, name: str, **fields: Any
) -> Resource:
    refuse_unknown(fields, RESOURCE_FIELDS, "Unknown field.")
    fields = _clean_resource(project, fields)
    name = name.strip()
    if Resource.objects.filter(project=project, name__iexact=name).exists():
        raise ValidationError({"name": f"{project.key} already has a resource called “{name}”."})
    user = fields.get("user")
    if user is not None and Resource.objects.filter(project=project, user=user).exists():
        raise ValidationError(
            {"user": f"{user.get_username()} is already a resource of {project.key}."}
        )
    return save_new(Resource(project=project, name=name, **fields), by)


@transaction.atomic
def resource_update(
    *, resource: Resource, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Resource:
    """Edit a resource; a new rate or capacity re-costs the tasks it is assigned to."""
    refuse_unknown(changes, RESOURCE_FIELDS, "This field cannot be changed here.")
    project = lock_project(resource.project)
    current = locked_current(resource, version)
    changes = _clean_resource(project, changes)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if (
            Resource.objects.filter(project=project, name__iexact=changes["name"])
            .exclude(pk=current.pk)
            .exists()
        ):
            raise ValidationError({"name": f"{project.key} already has a resource called that."})
    for name, value in changes.items():
        setattr(current, name, value)
    current = save_versioned(current, by)
    if COSTING_FIELDS & set(changes):
        labour_recompute(current.assignments.values_list("task_id", flat=True))
    return current


@transaction.atomic
def resource_delete(*, resource: Resource, by: AbstractBaseUser) -> None:
    """Remove a resource and its assignments (re-costing their tasks); a resource with logged
    time is actual cost on record and cannot be removed."""
    lock_project(resource.project)
    if resource.time_entries.exists():
        raise ValidationError(
            f"{resource} has logged time, which is actual cost on record; it cannot be removed."
        )
    task_ids = list(resource.assignments.values_list("task_id", flat=True))
    resource._history_user = by
    resource.delete()
    labour_recompute(task_ids)


@transaction.atomic
def day_off_add(
    *, resource: Resource, by: AbstractBaseUser, date: datetime.date, note: str = ""
) -> DayOff:
    if resource.days_off.filter(date=date).exists():
        raise ValidationError({"date": f"{date:%d %b %Y} is already a day off for {resource}."})
    return save_new(DayOff(resource=resource, date=date, note=note), by)


@transaction.atomic
def day_off_remove(*, day_off: DayOff, by: AbstractBaseUser) -> None:
    day_off._history_user = by
    day_off.delete()


# --- assignments ----------------------------------------------------------------------------------


def _clean_units(units: Any) -> int:
    try:
        value = int(units)
    except (TypeError, ValueError):
        raise ValidationError({"units": f"“{units}” is not a whole percentage."}) from None
    if not 1 <= value <= 1000 or str(units).strip() not in (str(value), f"{value}.0"):
        raise ValidationError(
            {"units": "Units are a whole percentage from 1 to 1000 (50 = half-time)."}
        )
    return value


@transaction.atomic
def assignment_add(
    *,
    task: Task,
    resource: Resource,
    by: AbstractBaseUser,
    units: Any = 100,
    quantity: Any = 0,
) -> Assignment:
    """Book ``units`` % of a resource (or a quantity of a non-labour one) on a task of the same
    project; the task's labour cost follows in the same transaction."""
    project = lock_project(task.project)
    check_same_project(project, resource, "resource")
    if resource.kind == Resource.Kind.PERSON and task.is_milestone:
        raise ValidationError({"task": f"“{task.name}” is a milestone: it has no work to book."})
    if Assignment.objects.filter(task=task, resource=resource).exists():
        raise ValidationError({"resource": f"{resource} is already assigned to “{task.name}”."})
    assignment = Assignment(
        project=project,
        task=task,
        resource=resource,
        units=_clean_units(units),
        quantity=parse_money(quantity, "quantity", allow_zero=True),
    )
    save_new(assignment, by)
    labour_recompute([task.pk])
    assignment.refresh_from_db()
    return assignment


@transaction.atomic
def assignment_update(
    *, assignment: Assignment, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Assignment:
    refuse_unknown(
        changes, ("units", "quantity"), "Remove the assignment and add another to change this."
    )
    lock_project(assignment.project)
    current = locked_current(assignment, version)
    if "units" in changes:
        current.units = _clean_units(changes["units"])
    if "quantity" in changes:
        current.quantity = parse_money(changes["quantity"], "quantity", allow_zero=True)
    save_versioned(current, by)
    labour_recompute([current.task_id])
    current.refresh_from_db()
    return current


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by: AbstractBaseUser) -> None:
    lock_project(assignment.project)
    task_id = assignment.task_id
    assignment._history_user = by
    assignment.delete()
    labour_recompute([task_id])


# --- time -----------------------------------------------------------------------------------------


@transaction.atomic
def time_entry_log(
    *,
    resource: Resource,
    task: Task,
    by: AbstractBaseUser,
    date: datetime.date,
    hours: Any,
    note: str = "",
    approved: bool | None = None,
) -> TimeEntry:
    """Record the hours a person worked on a task on a day (logging the same person, task
    and day again replaces the hours). Its cost is frozen at today's rate.

    Hours in a submitted or approved timesheet are locked (refused). ``approved`` says whether
    they count in actual cost at once; None: by ``timesheets.approved_on_write``'s rule (the
    timesheet page passes False: its hours wait for the week's approval)."""
    check_same_project(task.project, resource, "resource")
    check_not_after_today(task.project, date, "date", "Hours worked")
    check_entry_unlocked(resource=resource, project_id=task.project_id, day=date)
    if resource.kind != Resource.Kind.PERSON:
        raise ValidationError({"resource": f"{resource} is not a person; time is for people."})
    hours = parse_decimal(
        hours, "hours", places=2, low=Decimal(0), high=Decimal(24), what="Hours in a day"
    )
    entry = (
        TimeEntry.objects.select_for_update()
        .filter(resource=resource, task=task, date=date)
        .first()
    )
    others = (
        TimeEntry.objects.filter(resource=resource, date=date)
        .exclude(pk=entry.pk if entry else None)
        .aggregate(total=Sum("hours", default=ZERO))["total"]
    )
    if others + hours > 24:
        raise ValidationError(
            {
                "hours": f"{resource} already has {others} hours logged on {date:%d %b %Y}; a day "
                "has 24."
            }
        )
    if entry is None:
        entry = TimeEntry(
            project_id=task.project_id, resource=resource, task=task, date=date, created_by=by
        )
    else:
        entry.version += 1
    entry.hours, entry.note = hours, note
    entry.cost = resource.cost_of_hours(hours)
    if approved is None:
        approved = approved_on_write(resource=resource, project_id=task.project_id, by=by)
    entry.approved = approved
    return save_new(entry, by)


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, by: AbstractBaseUser) -> None:
    """Remove logged hours, unless they are in a submitted or approved timesheet (locked)."""
    check_entry_unlocked(resource=entry.resource, project_id=entry.project_id, day=entry.date)
    entry._history_user = by
    entry.delete()
