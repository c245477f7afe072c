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
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

import numpy as np
import numpy.typing as npt

__all__ = [
    "Booking",
    "Conflict",
    "DayLoad",
    "OverDay",
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
class OverDay:
    """A date on which a person's hours across projects exceed their capacity. ``projects``
    holds only the projects the reader may see (id, hours, task ids); the rest is summed in
    ``elsewhere``. ``across`` is true when no single project is over on its own."""

    person: int
    date: int  # day offset in the window
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


SCALE = 10_000  # hours are exact in 1/10,000 h: capacity has 2 places, units are whole %


@lru_cache(maxsize=4096)
def _hours(scaled: int) -> Decimal:
    """Scaled hours as a Decimal to the hundredth (a few distinct values repeat by the
    thousand: cached)."""
    return (Decimal(scaled) / SCALE).quantize(ZERO)


def _by_project(
    items: list[tuple[int, Decimal, tuple[int, ...]]] | None,
) -> tuple[tuple[int, Decimal, tuple[int, ...]], ...]:
    if not items:
        return ()
    return tuple(sorted(items, key=itemgetter(0))) if len(items) > 1 else (items[0],)


def across_projects(
    bookings: Sequence[Booking],
    *,
    person_of: Mapping[int, int],
    project_of: Mapping[int, int],
    day_offsets: Mapping[int, tuple[int, Sequence[int]]],
    capacity: Sequence[Decimal],
    working: npt.NDArray[np.bool_],
    visible: frozenset[int],
    over_limit: int | None = None,
    over_offset: int = 0,
) -> tuple[list[list[WeekCell]], list[OverDay], int]:
    """Per person and week: hours on the visible projects, hours elsewhere, capacity; the
    days, by person then day, on which the hours across all projects exceed the day's capacity
    (with ``over_limit``, only ``over_limit`` of them from ``over_offset``: the details of a
    day cost far more than the grid, and a year of a big portfolio has tens of thousands); and
    how many such days there are in all.

    The window is ``working.shape[1]`` days from a Monday (whole weeks); ``working[p, d]`` says
    whether day ``d`` is a working day of person ``p`` (of one of their projects, not off).
    Bookings are in each project's working-day indexes, as for ``daily_loads`` (the same rule:
    ``hours_per_day`` on each day ``[start, start + duration)``); ``day_offsets[project]`` is
    ``(first index, the window day of each index from it)``. ``person_of`` and ``project_of``
    map resources to person rows and projects. Days are summed as arrays (numpy): at 12,000
    assignments over a year the per-day dictionaries took 4–5 s, the arrays well under one.
    """
    people, days = working.shape
    resources = sorted(person_of)
    row = {r: n for n, r in enumerate(resources)}
    width = max((len(offsets) for _, offsets in day_offsets.values()), default=0)
    cap = np.array([int(c * SCALE) for c in capacity], dtype=np.int64)
    limit = np.where(working, cap[:, None], 0)
    weeks = days // 7
    available = limit.reshape(people, weeks, 7).sum(axis=2)
    shown = np.zeros((people, days), dtype=np.int64)
    hidden = np.zeros((people, days), dtype=np.int64)
    over_alone = np.zeros((people, days), dtype=bool)
    spans: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    if resources and width and bookings:
        offsets = np.full((len(resources), width), -1, dtype=np.int64)
        for r, n in row.items():
            project_offsets = day_offsets[project_of[r]][1]
            offsets[n, : len(project_offsets)] = project_offsets
        diff = np.zeros((len(resources), width + 1), dtype=np.int64)
        rows, begins, ends, hours = [], [], [], []
        for b in bookings:
            first = day_offsets[project_of[b.resource_id]][0]
            begin, end = b.start - first, b.start + b.duration - first
            rows.append(row[b.resource_id])
            begins.append(begin)
            ends.append(end)
            hours.append(int(b.hours_per_day * SCALE))
            spans[b.resource_id].append((begin, end, b.task_id))
        np.add.at(diff, (rows, begins), hours)
        np.add.at(diff, (rows, ends), np.negative(hours))
        load = np.cumsum(diff[:, :width], axis=1)
        rr, kk = np.nonzero((load != 0) & (offsets >= 0))
        values, dd = load[rr, kk], offsets[rr, kk]
        pp = np.array([person_of[resources[n]] for n in range(len(resources))])[rr]
        seen = np.array([project_of[r] in visible for r in resources])[rr]
        np.add.at(shown, (pp[seen], dd[seen]), values[seen])
        np.add.at(hidden, (pp[~seen], dd[~seen]), values[~seen])
        alone = values > limit[pp, dd]
        over_alone[pp[alone], dd[alone]] = True
    total = shown + hidden
    over = total > limit
    op, od = np.nonzero(over)
    over_total = int(op.size)
    listed = over
    if over_limit is not None:
        op, od = (
            op[over_offset : over_offset + over_limit],
            od[over_offset : over_offset + over_limit],
        )
        listed = np.zeros_like(over)
        listed[op, od] = True
    details: dict[tuple[int, int], list[tuple[int, Decimal, tuple[int, ...]]]] = defaultdict(list)
    if spans:
        pick = np.nonzero(seen & listed[pp, dd])[0]
        for r, k, p, d, value in zip(
            rr[pick].tolist(),
            kk[pick].tolist(),
            pp[pick].tolist(),
            dd[pick].tolist(),
            values[pick].tolist(),
            strict=True,
        ):
            resource = resources[r]
            tasks = [t for b, e, t in spans[resource] if b <= k < e]
            if len(tasks) > 1:
                tasks.sort()
            details[p, d].append((project_of[resource], _hours(value), tuple(tasks)))
    over_days = [
        OverDay(
            person=p,
            date=d,
            booked=_hours(booked),
            capacity=_hours(cap_day),
            projects=_by_project(details.get((p, d))),
            elsewhere=_hours(other),
            across=not alone,
        )
        for p, d, booked, cap_day, other, alone in zip(
            op.tolist(),
            od.tolist(),
            total[op, od].tolist(),
            limit[op, od].tolist(),
            hidden[op, od].tolist(),
            over_alone[op, od].tolist(),
            strict=True,
        )
    ]
    booked_weeks = shown.reshape(people, weeks, 7).sum(axis=2).tolist()
    hidden_weeks = hidden.reshape(people, weeks, 7).sum(axis=2).tolist()
    available_weeks = available.tolist()
    grid = [
        [
            WeekCell(booked=_hours(b), elsewhere=_hours(e), capacity=_hours(c))
            for b, e, c in zip(booked_weeks[p], hidden_weeks[p], available_weeks[p], strict=True)
        ]
        for p in range(people)
    ]
    return grid, over_days, over_total
