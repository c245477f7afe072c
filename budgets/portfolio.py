"""The portfolio utilisation heat map: people × ISO weeks across every project a reader can see,
and the days on which a person's hours across projects exceed their capacity.

A person is a user linked to resources (one per project); a resource without a user is a row of
its own. Each project's bookings are loaded day by day with ``allocation.daily_loads`` on that
project's calendar (the per-project heat map's computation), placed on their dates, and summed
across projects by ``allocation.across_projects``.

Visibility: rows are the people with a resource in a project the reader can see
(``projects_for``). Their hours on other projects count towards their load, but only as a sum
("booked elsewhere"): no name, key, id or task of such a project leaves this module.

A fixed number of queries (seven) whatever the number of people, projects and weeks.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from budgets import allocation
from budgets.models import Assignment, DayOff, Resource
from budgets.selectors import _calendars
from projects.clock import today
from projects.models import Project
from projects.selectors import projects_for

ZERO = Decimal("0.00")
MAX_WEEKS = 104
DEFAULT_WEEKS = 13  # this week and the next twelve


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def default_window(
    start: datetime.date | None = None, end: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The weeks shown when not given: from this week (or ``start``) twelve more weeks; an end
    alone before this week starts there."""
    start = start or monday_of(today())
    end = end or start + datetime.timedelta(weeks=DEFAULT_WEEKS - 1)
    return min(start, end), end


@dataclass
class Person:
    key: str  # "u<user id>" or "r<resource id>"
    name: str
    user_id: int | None
    roles: list[str]
    capacity_per_day: Decimal
    capacity_note: str = ""
    team: str = ""
    placeholder: bool = False
    headcount: int = 1
    cells: list[allocation.WeekCell] = field(default_factory=list)


@dataclass(slots=True)
class OverAllocation:
    person: Person
    date: datetime.date
    booked: Decimal
    capacity: Decimal
    elsewhere: Decimal
    across: bool
    # Visible projects only: {"id", "key", "name", "hours", "tasks": [(id, name)]}
    projects: list[dict[str, Any]]


@dataclass
class Utilisation:
    start: datetime.date
    end: datetime.date
    weeks: list[datetime.date]
    people: list[Person]
    over: list[OverAllocation]
    roles: list[str]
    teams: list[str] = field(default_factory=list)
    # Every over-allocated day in the window (``over`` may list a page of them from the offset).
    over_total: int = 0
    over_offset: int = 0

    @property
    def over_next(self) -> int | None:
        """The offset of the next page of over-allocated days, if there is one."""
        following = self.over_offset + len(self.over)
        return following if following < self.over_total else None


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def portfolio_utilisation(
    user: AbstractBaseUser,
    *,
    start: datetime.date,
    end: datetime.date,
    role: str = "",
    team: str = "",
    project: Project | None = None,
    user_id: int | None = None,
    over_limit: int | None = None,
    over_offset: int = 0,
) -> Utilisation:
    """People × ISO weeks from the week of ``start`` to the week of ``end``: hours booked on
    the projects ``user`` can see, hours booked elsewhere, capacity; and the over-allocated
    days. ``role`` keeps the people with that role (``Resource.role``) on a visible project,
    ``team`` those of that team (``Person.team``), ``user_id`` that one person.
    A person's capacity is their person record's; a placeholder's counts once per head.
    With ``project`` (one the user can see), the rows are its people and every other project
    counts as elsewhere: a project page's view of its people's load on other projects.
    With ``over_limit``, the over-allocated days listed are ``over_limit`` from ``over_offset``
    (``over_total`` counts them all)."""
    first, last = monday_of(start), monday_of(end)
    weeks = [first + datetime.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    window_end = last + datetime.timedelta(days=6)
    readable = projects_for(user)
    if project is not None:
        readable = readable.filter(pk=project.pk)
    visible = set(readable.values_list("id", flat=True))
    shared_users = Resource.objects.filter(
        project_id__in=visible, kind=Resource.Kind.PERSON, user__isnull=False
    ).values("user_id")
    resources = list(
        Resource.objects.filter(kind=Resource.Kind.PERSON)
        .filter(Q(project_id__in=visible) | Q(user_id__in=shared_users))
        .values(
            "id",
            "project_id",
            "user_id",
            "name",
            "role",
            "capacity_hours",
            "is_placeholder",
            "headcount",
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__person__capacity_hours",
            "user__person__team",
        )
    )
    project_rows = list(
        Project.objects.filter(pk__in={r["project_id"] for r in resources}).values(
            "id", "key", "name", "start_date"
        )
    )
    calendars = _calendars(project_rows)
    # Only the visible projects' names and keys are kept.
    names = {p["id"]: (p["key"], p["name"]) for p in project_rows if p["id"] in visible}

    person_of: dict[int, str] = {}
    people: dict[str, Person] = {}
    capacities: dict[str, set[Decimal]] = defaultdict(set)
    for r in sorted(resources, key=lambda r: r["id"]):
        key = f"u{r['user_id']}" if r["user_id"] else f"r{r['id']}"
        person_of[r["id"]] = key
        if key not in people:
            if r["user_id"]:
                full = f"{r['user__first_name']} {r['user__last_name']}".strip()
                name = full or r["user__username"]
            else:
                name = f"{r['name']} ({names[r['project_id']][0]})"
            people[key] = Person(
                key=key,
                name=name,
                user_id=r["user_id"],
                roles=[],
                capacity_per_day=ZERO,
                team=r["user__person__team"] or "",
                placeholder=r["is_placeholder"],
                headcount=r["headcount"],
            )
        person = people[key]
        if r["user__person__capacity_hours"] is not None:
            # The person record's capacity wins over any resource's.
            person.capacity_per_day = r["user__person__capacity_hours"]
        else:
            per_day = r["capacity_hours"] * r["headcount"]
            capacities[key].add(per_day)
            person.capacity_per_day = max(person.capacity_per_day, per_day)
        if r["project_id"] in visible and r["role"] and r["role"] not in person.roles:
            person.roles.append(r["role"])
    for key, values in capacities.items():
        if len(values) > 1:
            low, high = min(values), max(values)
            people[key].capacity_note = (
                f"Capacity differs between projects ({_hours(low)}–{_hours(high)} h a day); "
                f"the largest is used."
            )
    all_roles = sorted({r for p in people.values() for r in p.roles}, key=str.lower)
    all_teams = sorted({p.team for p in people.values() if p.team}, key=str.lower)
    if role:
        people = {k: p for k, p in people.items() if role.lower() in (x.lower() for x in p.roles)}
    if team:
        people = {k: p for k, p in people.items() if p.team.lower() == team.lower()}
    if user_id is not None:
        people = {k: p for k, p in people.items() if p.user_id == user_id}

    # Each project's working days in the window: its first index there, and the window day
    # (0 = the first Monday) of each index from it.
    span = (window_end - first).days + 1
    day_offsets: dict[int, tuple[int, list[int]]] = {}
    working_of: dict[int, np.ndarray] = {}
    weekday = (np.arange(span) % 7) + 1  # ISO weekdays from the first Monday
    for pk, calendar in calendars.items():
        mask = np.isin(weekday, list(calendar.working_weekdays))
        for holiday in calendar.holidays:
            if first <= holiday <= window_end:
                mask[(holiday - first).days] = False
        day_offsets[pk] = (calendar.date_to_index(first), np.flatnonzero(mask).tolist())
        working_of[pk] = mask

    ordered = sorted(people.values(), key=lambda p: (p.name.lower(), p.key))
    position = {p.key: n for n, p in enumerate(ordered)}
    working = np.zeros((len(ordered), span), dtype=bool)
    project_of: dict[int, int] = {}
    person_row: dict[int, int] = {}
    for r in resources:
        key = person_of[r["id"]]
        if key in position:
            project_of[r["id"]] = r["project_id"]
            person_row[r["id"]] = position[key]
            working[position[key]] |= working_of[r["project_id"]]
    for resource_id, day in DayOff.objects.filter(
        resource_id__in=list(person_row), date__gte=first, date__lte=window_end
    ).values_list("resource_id", "date"):
        working[person_row[resource_id], (day - first).days] = False

    capacity_of = {r["id"]: r["capacity_hours"] for r in resources}
    bookings: list[allocation.Booking] = []
    task_names: dict[int, str] = {}
    for row in Assignment.objects.filter(
        resource_id__in=list(person_row),
        task__early_start__isnull=False,
        task__start_date__lte=window_end,
        task__finish_date__gte=first,
    ).values(
        "resource_id",
        "task_id",
        "project_id",
        "units",
        "task__early_start",
        "task__duration",
        "task__name",
    ):
        project_id = row["project_id"]
        if project_id in visible:
            task_names[row["task_id"]] = row["task__name"]
        low, offsets = day_offsets[project_id]
        begin = max(row["task__early_start"], low)
        finish = min(row["task__early_start"] + row["task__duration"], low + len(offsets))
        if finish <= begin:
            continue
        bookings.append(
            allocation.Booking(
                resource_id=row["resource_id"],
                task_id=row["task_id"],
                start=begin,
                duration=finish - begin,
                hours_per_day=capacity_of[row["resource_id"]] * row["units"] / 100,
            )
        )
    grid, over_days, over_total = allocation.across_projects(
        bookings,
        person_of=person_row,
        project_of=project_of,
        day_offsets=day_offsets,
        capacity=[p.capacity_per_day for p in ordered],
        working=working,
        visible=frozenset(visible),
        over_limit=over_limit,
        over_offset=over_offset,
    )
    for person, cells in zip(ordered, grid, strict=True):
        person.cells = cells
    tasks_of: dict[tuple[int, ...], list[tuple[int, str]]] = {}

    def _project(pk: int, hours: Decimal, task_ids: tuple[int, ...]) -> dict[str, Any]:
        tasks = tasks_of.get(task_ids)
        if tasks is None:
            tasks = tasks_of[task_ids] = [(t, task_names[t]) for t in task_ids]
        key, name = names[pk]
        return {"id": pk, "key": key, "name": name, "hours": hours, "tasks": tasks}

    dates = [first + datetime.timedelta(days=d) for d in range(span)]
    over = [
        OverAllocation(
            person=ordered[o.person],
            date=dates[o.date],
            booked=o.booked,
            capacity=o.capacity,
            elsewhere=o.elsewhere,
            across=o.across,
            projects=[_project(*item) for item in o.projects],
        )
        for o in over_days
    ]
    return Utilisation(
        start=first,
        end=window_end,
        weeks=weeks,
        people=ordered,
        over=over,
        over_total=over_total,
        over_offset=over_offset,
        roles=all_roles,
        teams=all_teams,
    )
