"""People across projects: a user's capacity, days off and default rate card, kept once.

Each project's resource for a user keeps its project rate and role; its ``capacity_hours`` and
days off are the person's, copied onto it in the same transaction as the person's edit, so
that every reader of resources (loads, levelling, earned value, heat maps) sees the person's
values without knowing about people. A day off copied from the person points at the person's
day (``DayOff.person_day_off``): removing it on the person removes every copy (cascade).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from budgets.models import ZERO, Assignment, DayOff, Person, PersonDayOff, Resource
from budgets.services.base import (
    locked_current,
    parse_decimal,
    parse_money,
    refuse_unknown,
    save_new,
    save_versioned,
)
from budgets.services.labour import labour_recompute
from projects.display import person_name
from projects.models import Project
from projects.services.common import lock_project

PERSON_FIELDS = ("capacity_hours", "rate", "rate_unit", "team")
EIGHT_HOURS = Decimal("8.00")


def person_where(user: AbstractBaseUser) -> str:
    """Where a person's capacity and days off are edited, for the messages that send there."""
    return f"People › {person_name(user)} ({reverse('budgets:person', args=[user.pk])})"


def person_of(
    user: AbstractBaseUser,
    *,
    capacity_hours: Decimal | None = None,
    rate: Decimal | None = None,
    rate_unit: str | None = None,
) -> Person:
    """The user's person record; a first one takes the given values (those of their first
    resource), else 8 hours a day and no rate."""
    person = Person.objects.filter(user=user).first()
    if person is None:
        person = Person(
            user=user,
            capacity_hours=capacity_hours or EIGHT_HOURS,
            rate=rate if rate is not None else ZERO,
            rate_unit=rate_unit or Resource.RateUnit.HOUR,
        )
        person.full_clean()
        person.save()
    return person


def resource_follow_person(resource: Resource, person: Person) -> None:
    """Make a linked resource's capacity and days off the person's (the person's win). Days
    the resource had off on its own stay, as the project's; a copy of another person's day
    (the resource changed hands) goes."""
    if resource.capacity_hours != person.capacity_hours:
        Resource.objects.filter(pk=resource.pk).update(capacity_hours=person.capacity_hours)
        resource.capacity_hours = person.capacity_hours
    DayOff.objects.filter(resource=resource, person_day_off__isnull=False).exclude(
        person_day_off__person=person
    ).delete()
    mine = {day.date: day for day in resource.days_off.all()}
    for day in PersonDayOff.objects.filter(person=person):
        row = mine.get(day.date)
        if row is None:
            DayOff.objects.create(
                resource=resource, date=day.date, note=day.note, person_day_off=day
            )
        elif row.person_day_off_id != day.pk:
            DayOff.objects.filter(pk=row.pk).update(person_day_off=day)


def resource_leave_person(resource: Resource) -> None:
    """A resource no longer linked to its user keeps its days off as its own."""
    DayOff.objects.filter(resource=resource, person_day_off__isnull=False).update(
        person_day_off=None
    )


def _resources_of(person: Person) -> list[Resource]:
    """The person's resources, their projects locked in id order (so two people's edits that
    share projects queue instead of deadlocking)."""
    resources = list(Resource.objects.filter(user_id=person.pk).order_by("project_id", "pk"))
    for project_id in sorted({r.project_id for r in resources}):
        lock_project(Project(pk=project_id))
    return resources


def _clean_person(changes: dict[str, Any]) -> dict[str, Any]:
    if "capacity_hours" in changes:
        changes["capacity_hours"] = parse_decimal(
            changes["capacity_hours"],
            "capacity_hours",
            places=2,
            low=Decimal(0),
            high=Decimal(24),
            what="Hours per working day",
        )
    if "rate" in changes:
        changes["rate"] = parse_money(changes["rate"], "rate", allow_zero=True)
    if "rate_unit" in changes and changes["rate_unit"] not in Resource.RateUnit.values:
        raise ValidationError({"rate_unit": "A rate is per “hour” or per “day”."})
    if "team" in changes:
        changes["team"] = str(changes["team"] or "").strip()
        if len(changes["team"]) > 120:
            raise ValidationError({"team": "A team's name has at most 120 characters."})
    return changes


@transaction.atomic
def person_update(
    *, user: AbstractBaseUser, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Person:
    """Edit a person's capacity, team or default rate. A new capacity becomes the capacity of
    every resource of theirs, in every project, re-costing the tasks they are booked on; the
    default rate is for resources added later (each project keeps its own rate)."""
    refuse_unknown(changes, PERSON_FIELDS, "This field cannot be changed on a person.")
    changes = _clean_person(changes)
    person = person_of(user)
    resources = _resources_of(person) if "capacity_hours" in changes else []
    current = locked_current(person, version)
    for name, value in changes.items():
        setattr(current, name, value)
    current = save_versioned(current, by)
    moved = [r for r in resources if r.capacity_hours != current.capacity_hours]
    for resource in moved:
        resource.capacity_hours = current.capacity_hours
        save_versioned(resource, by)
    if moved:
        labour_recompute(
            Assignment.objects.filter(resource__in=moved).values_list("task_id", flat=True)
        )
    return current


@transaction.atomic
def person_day_off_add(
    *, user: AbstractBaseUser, by: AbstractBaseUser, date: datetime.date, note: str = ""
) -> PersonDayOff:
    """A day the person does not work, copied onto each of their resources (a resource that
    already had that day off on its own now has it from the person)."""
    person = person_of(user)
    if person.days_off.filter(date=date).exists():
        raise ValidationError(
            {"date": f"{date:%d %b %Y} is already a day off for {person_name(user)}."}
        )
    day = save_new(PersonDayOff(person=person, date=date, note=note), by)
    for resource in _resources_of(person):
        row = resource.days_off.filter(date=date).first()
        if row is None:
            save_new(DayOff(resource=resource, date=date, note=note, person_day_off=day), by)
        else:
            row.person_day_off = day
            row._history_user = by
            row.save(update_fields=["person_day_off"])
    return day


@transaction.atomic
def person_day_off_remove(*, day_off: PersonDayOff, by: AbstractBaseUser) -> None:
    """The person works that day again, in every project (the copies go with it)."""
    _resources_of(day_off.person)
    for copy in day_off.copies.all():
        copy._history_user = by
        copy.delete()
    day_off._history_user = by
    day_off.delete()
