"""Resource loading: booked hours per resource per working day, over-allocation and utilisation
(DESIGN §4 "Earned value", last rule).

Pure, like ``budgets/evm.py`` (kept apart because it is about people, not money): no Django, no
clock. Days are working-day indexes of the project calendar (see ``scheduling/engine.py``); an
assignment books ``capacity × units / 100`` hours on every working day ``[start, start +
duration)`` of its task. A resource's capacity is its hours per working day, and 0 on its days
off. It is over-allocated on a day when the hours booked exceed that day's capacity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = [
    "Booking",
    "Conflict",
    "DayLoad",
    "OverDay",
    "ProjectDay",
    "WeekCell",
    "across_projects",
    "conflicts",
    "daily_loads",
    "utilisation",
]

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Booking:
    """One assignment of a person on a task, in working-day indexes."""

    resource_id: int
    task_id: int
    start: int
    duration: int
    hours_per_day: Decimal


@dataclass(frozen=True, slots=True)
class DayLoad:
    resource_id: int
    day: int
    booked: Decimal
    capacity: Decimal
    task_ids: tuple[int, ...]

    @property
    def over(self) -> bool:
        return self.booked > self.capacity


Conflict = DayLoad  # a day load that is over capacity


def daily_loads(
    bookings: Iterable[Booking],
    *,
    capacity: Mapping[int, Decimal],
    days_off: Mapping[int, frozenset[int]],
) -> list[DayLoad]:
    """Hours booked per resource per working day that has any booking, by resource then day."""
    booked: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    tasks: dict[tuple[int, int], list[int]] = defaultdict(list)
    for b in bookings:
        for day in range(b.start, b.start + b.duration):
            booked[b.resource_id, day] += b.hours_per_day
            tasks[b.resource_id, day].append(b.task_id)
    loads = []
    for (resource, day), hours in sorted(booked.items()):
        off = day in days_off.get(resource, frozenset())
        loads.append(
            DayLoad(
                resource_id=resource,
                day=day,
                booked=hours,
                capacity=ZERO if off else capacity[resource],
                task_ids=tuple(sorted(set(tasks[resource, day]))),
            )
        )
    return loads


def conflicts(loads: Iterable[DayLoad]) -> list[Conflict]:
    """The over-allocated days, by resource then day."""
    return [load for load in loads if load.over]


def utilisation(
    loads: Sequence[DayLoad],
    *,
    weeks: Sequence[Sequence[int]],
    capacity: Mapping[int, Decimal],
    days_off: Mapping[int, frozenset[int]],
) -> dict[int, list[dict]]:
    """Per resource, per week (the working-day indexes of each week): booked hours, capacity
    (hours per day × working days that are not days off), ``ratio`` = booked / capacity
    (``None`` when the capacity is 0), and the over-allocated days with their tasks."""
    by_resource_day = {(load.resource_id, load.day): load for load in loads}
    grid: dict[int, list[dict]] = {}
    for resource, per_day in capacity.items():
        off = days_off.get(resource, frozenset())
        row = []
        for days in weeks:
            cell_loads = [
                by_resource_day[resource, d] for d in days if (resource, d) in by_resource_day
            ]
            booked = sum((load.booked for load in cell_loads), ZERO)
            available = per_day * sum(1 for d in days if d not in off)
            row.append(
                {
                    "booked": booked,
                    "capacity": available,
                    "ratio": None
                    if available == 0
                    else (booked / available).quantize(Decimal("0.01")),
                    "over_days": [load for load in cell_loads if load.over],
                }
            )
        grid[resource] = row
    return grid


# --- across projects ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectDay:
    """A person's hours on one date in one project: a project's ``DayLoad`` placed on its date
    (each project counts its own working days), for the person it belongs to."""

    person: str
    project_id: int
    date: date
    booked: Decimal
    task_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OverDay:
    """A date on which a person's hours across projects exceed their capacity. ``projects``
    holds only the projects the reader may see (id, hours, task ids); the rest is summed in
    ``elsewhere``. ``across`` is true when no single project is over on its own."""

    person: str
    date: date
    booked: Decimal
    capacity: Decimal
    projects: tuple[tuple[int, Decimal, tuple[int, ...]], ...]
    elsewhere: Decimal
    across: bool


@dataclass(frozen=True, slots=True)
class WeekCell:
    booked: Decimal  # on projects the reader may see
    elsewhere: Decimal  # on the others
    capacity: Decimal

    @property
    def total(self) -> Decimal:
        return self.booked + self.elsewhere

    @property
    def ratio(self) -> Decimal | None:
        if self.capacity == 0:
            return None
        return (self.total / self.capacity).quantize(Decimal("0.01"))


def across_projects(
    days: Iterable[ProjectDay],
    *,
    people: Sequence[str],
    capacity: Mapping[str, Decimal],
    working: Mapping[str, frozenset[date]],
    weeks: Sequence[date],
    visible: frozenset[int],
) -> tuple[dict[str, list[WeekCell]], list[OverDay]]:
    """Per person and week (``weeks`` are Mondays): hours on the visible projects, hours
    elsewhere and capacity (hours per day × the person's working dates that week: a date that
    is a working day of one of their projects and not a day off); and the dates, by person then
    date, on which the hours across all projects exceed the day's capacity (0 off work)."""
    if not weeks:
        return {person: [] for person in people}, []
    first, count = weeks[0], len(weeks)
    booked = {person: [ZERO] * count for person in people}
    elsewhere = {person: [ZERO] * count for person in people}
    available = {person: [ZERO] * count for person in people}
    for person in people:
        for day in working.get(person, frozenset()):
            week = (day - first).days // 7
            if 0 <= week < count:
                available[person][week] += capacity[person]
    per_date: dict[tuple[str, date], list[ProjectDay]] = defaultdict(list)
    for item in days:
        if item.person in booked:
            per_date[item.person, item.date].append(item)
    over: list[OverDay] = []
    for (person, day), items in sorted(per_date.items()):
        week = (day - first).days // 7
        if not 0 <= week < count:
            continue
        seen = sorted((d for d in items if d.project_id in visible), key=lambda d: d.project_id)
        shown = sum((d.booked for d in seen), ZERO)
        hidden = sum((d.booked for d in items if d.project_id not in visible), ZERO)
        booked[person][week] += shown
        elsewhere[person][week] += hidden
        limit = capacity[person] if day in working.get(person, frozenset()) else ZERO
        if shown + hidden > limit:
            over.append(
                OverDay(
                    person=person,
                    date=day,
                    booked=shown + hidden,
                    capacity=limit,
                    projects=tuple((d.project_id, d.booked, d.task_ids) for d in seen),
                    elsewhere=hidden,
                    across=all(d.booked <= limit for d in items),
                )
            )
    grid = {
        person: [
            WeekCell(booked=b, elsewhere=e, capacity=c)
            for b, e, c in zip(booked[person], elsewhere[person], available[person], strict=True)
        ]
        for person in people
    }
    return grid, over
