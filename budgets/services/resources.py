"""Resources, their days off, assignments (which keep each task's labour cost) and time.

A task's ``labour_cost`` (a scheduling column the budgets app keeps, DESIGN §1 floors) is
recomputed in the same transaction as every write that can change it: an assignment added,
changed or removed, a resource's rate or capacity changed, a task's duration changed (the
``post_save`` receiver in ``budgets.apps``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
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
from budgets.services.labour import assignment_plan as assignment_plan
from budgets.services.labour import labour_recompute
from budgets.services.people import (
    person_name,
    person_of,
    person_where,
    resource_follow_person,
    resource_leave_person,
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
    "is_placeholder",
    "headcount",
)
# Changing one of these changes what the resource's assignments cost.
COSTING_FIELDS = frozenset({"kind", "rate", "rate_unit", "capacity_hours", "unit_cost"})
MAX_HEADCOUNT = 999


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
    if "headcount" in fields:
        try:
            fields["headcount"] = int(str(fields["headcount"]).strip())
        except ValueError:
            raise ValidationError({"headcount": "A headcount is a whole number."}) from None
        if not 1 <= fields["headcount"] <= MAX_HEADCOUNT:
            raise ValidationError(
                {"headcount": f"A headcount is from 1 to {MAX_HEADCOUNT} people."}
            )
    if "is_placeholder" in fields:
        fields["is_placeholder"] = bool(fields["is_placeholder"])
    check_member(project, fields.get("user"), "user")
    return fields


def _check_placeholder(resource: Resource) -> None:
    """The message a person reads for the placeholder rules (the database holds them too)."""
    if resource.is_placeholder and resource.user_id is not None:
        raise ValidationError(
            {"user": "A placeholder has no member yet: use “assign a named person” instead."}
        )
    if resource.is_placeholder and resource.kind != Resource.Kind.PERSON:
        raise ValidationError({"is_placeholder": "Only a person can be a placeholder."})
    if resource.headcount != 1 and not resource.is_placeholder:
        raise ValidationError({"headcount": "Only a placeholder counts more than one head."})


def _refuse_away_from_person(resource: Resource, changes: dict[str, Any]) -> None:
    """A linked resource's capacity is the person's: a different one is refused, saying where
    it is set."""
    if resource.user is None or "capacity_hours" not in changes:
        return
    person = person_of(resource.user)
    if changes["capacity_hours"] != person.capacity_hours:
        raise ValidationError(
            {
                "capacity_hours": f"{person_name(resource.user)}'s capacity "
                f"({person.capacity_hours} h a day) is set on their person record, for every "
                f"project: change it at {person_where(resource.user)}."
            }
        )


@transaction.atomic
def resource_create(
    *, project: Project, by: AbstractBaseUser, name: str, **fields: Any
) -> Resource:
    """Add a resource. A member's resource takes their person's capacity and days off, and
    their default rate unless a project rate is given (a first resource makes the person)."""
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
    resource = Resource(project=project, name=name, **fields)
    _check_placeholder(resource)
    if user is None:
        return save_new(resource, by)
    person = person_of(
        user,
        capacity_hours=fields.get("capacity_hours"),
        rate=fields.get("rate"),
        rate_unit=fields.get("rate_unit"),
    )
    _refuse_away_from_person(resource, fields)
    resource.capacity_hours = person.capacity_hours
    if "rate" not in fields:
        resource.rate, resource.rate_unit = person.rate, person.rate_unit
    save_new(resource, by)
    resource_follow_person(resource, person)
    return resource


@transaction.atomic
def resource_update(
    *, resource: Resource, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Resource:
    """Edit a resource; a new rate or capacity re-costs the tasks it is assigned to. A linked
    resource's capacity is its person's; linking it to a member makes it so."""
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
    user_before = current.user_id
    for name, value in changes.items():
        setattr(current, name, value)
    _check_placeholder(current)
    relinked = current.user_id != user_before
    if current.user is not None and relinked:
        others = Resource.objects.filter(project=project, user=current.user)
        if others.exclude(pk=current.pk).exists():
            raise ValidationError(
                {"user": f"{current.user.get_username()} is already a resource of {project.key}."}
            )
        person = person_of(current.user, capacity_hours=current.capacity_hours, rate=current.rate)
        _refuse_away_from_person(current, changes)
        current.capacity_hours = person.capacity_hours
    else:
        _refuse_away_from_person(current, changes)
    current = save_versioned(current, by)
    if relinked:
        if current.user is None:
            resource_leave_person(current)
        else:
            resource_follow_person(current, person_of(current.user))
            changes["capacity_hours"] = current.capacity_hours
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
def placeholder_assign(
    *,
    placeholder: Resource,
    user: AbstractBaseUser,
    by: AbstractBaseUser,
    task_ids: list[int] | None = None,
) -> Resource:
    """Name one of a placeholder's people: its assignments (those on ``task_ids``, or all)
    move to the member's resource in this project, made for them if they have none (the
    placeholder's role and project rate, the person's capacity and days off). A placeholder
    of one head must hand over every task and is then removed; one of several heads counts
    one fewer. The tasks are re-costed at the person's capacity, in the same transaction."""
    project = lock_project(placeholder.project)
    placeholder = locked_current(placeholder, None)
    if not placeholder.is_placeholder:
        raise ValidationError({"resource": f"{placeholder} is not a placeholder."})
    check_member(project, user, "user")
    moving = Assignment.objects.filter(resource=placeholder).select_related("task")
    if task_ids is not None:
        moving = moving.filter(task_id__in=task_ids)
    moving = list(moving)
    if task_ids is not None and len(moving) != len(set(task_ids)):
        raise ValidationError({"tasks": f"Name only tasks {placeholder} is booked on."})
    left = Assignment.objects.filter(resource=placeholder).count() - len(moving)
    if placeholder.headcount == 1 and left:
        raise ValidationError(
            {"tasks": f"{placeholder} stands for one person: hand over all its tasks."}
        )
    target = Resource.objects.filter(project=project, user=user).first()
    if target is None:
        name = person_name(user)
        if Resource.objects.filter(project=project, name__iexact=name).exists():
            name = f"{name} ({user.get_username()})"
        target = resource_create(
            project=project,
            by=by,
            name=name,
            user=user,
            role=placeholder.role,
            rate=placeholder.rate,
            rate_unit=placeholder.rate_unit,
        )
    clash = sorted(
        Assignment.objects.filter(
            resource=target, task_id__in=[a.task_id for a in moving]
        ).values_list("task__name", flat=True)
    )
    if clash:
        raise ValidationError(
            {
                "user": f"{target} is already booked on "
                + ", ".join(f"“{n}”" for n in clash)
                + f": change those tasks' bookings before naming them for {placeholder}."
            }
        )
    for assignment in moving:
        assignment.resource = target
        assignment.version += 1
        assignment._history_user = by
        assignment.save(update_fields=["resource", "version"])
    if placeholder.headcount == 1:
        placeholder._history_user = by
        placeholder.delete()
    else:
        placeholder.headcount -= 1
        save_versioned(placeholder, by)
    labour_recompute([a.task_id for a in moving])
    return target


@transaction.atomic
def day_off_add(
    *, resource: Resource, by: AbstractBaseUser, date: datetime.date, note: str = ""
) -> DayOff:
    """A day off of one project's resource; a member's days off are set on their person."""
    if resource.user is not None:
        raise ValidationError(
            {
                "date": f"{person_name(resource.user)}'s days off are set on their person "
                f"record, for every project: add it at {person_where(resource.user)}."
            }
        )
    if resource.days_off.filter(date=date).exists():
        raise ValidationError({"date": f"{date:%d %b %Y} is already a day off for {resource}."})
    return save_new(DayOff(resource=resource, date=date, note=note), by)


@transaction.atomic
def day_off_remove(*, day_off: DayOff, by: AbstractBaseUser) -> None:
    """Remove a day off of the project's own; one copied from the person is removed there."""
    if day_off.person_day_off_id is not None:
        user = day_off.resource.user
        raise ValidationError(
            {
                "date": f"{day_off.date:%d %b %Y} is a day off of {person_name(user)}, set on "
                f"their person record for every project: remove it at {person_where(user)}."
            }
        )
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
    if resource.is_placeholder:
        raise ValidationError(
            {"resource": f"{resource} is a placeholder: name the person before logging time."}
        )
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
