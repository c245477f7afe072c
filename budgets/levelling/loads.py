"""Where levelling's hours fall: people's bookings as arrays, placed on a day axis shared by
the projects levelled together, and the over-allocation they make (see ``budgets.levelling``).

Pure: no Django, no clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from scheduling.engine import BoolArray, IntArray, Network
from scheduling.workdays import WorkCalendar

#: A task's priority when none is given (MS Project's default; higher keeps its dates first).
DEFAULT_PRIORITY = 500

# Hours are compared exactly as integers of 1/10,000 h: capacity has 2 places and units are
# whole percentages, so capacity × units / 100 has at most 4.
SCALE = 10_000

EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
# The index of a day in a project that does not work it: below every task's start.
NOWHERE = int(np.iinfo(np.int64).min) // 2


@dataclass(frozen=True, slots=True)
class Demand:
    """A person booked on a task: ``hours_per_day`` on every working day of the task."""

    resource_id: int
    task_id: int
    hours_per_day: Decimal


@dataclass(frozen=True)
class Axis:
    """Where a project's working-day indexes fall on the day axis levelling counts loads on:
    the indexes themselves for one project (no ``calendar``), or dates (days since 1970-01-01)
    so that projects on different calendars meet on the same day."""

    calendar: WorkCalendar | None = None

    def days(self, indexes: IntArray) -> IntArray:
        if self.calendar is None:
            return indexes
        return self.calendar.indexes_to_dates(indexes).astype(np.int64)

    def index(self, day: int) -> int:
        """The project's index of axis ``day``; :data:`NOWHERE` on a day it does not work."""
        if self.calendar is None:
            return day
        date = datetime.date.fromordinal(day + EPOCH_ORDINAL)
        if not self.calendar.is_working_day(date):
            return NOWHERE
        return self.calendar.date_to_index(date)


def axis_day(date: datetime.date) -> int:
    return date.toordinal() - EPOCH_ORDINAL


@dataclass
class Part:
    """One project among the tasks levelled together: positions ``[first, first + size)``.
    A part without a ``network`` is fixed load: its starts never change."""

    project_id: int
    axis: Axis
    first: int
    size: int
    network: Network | None = None
    priority: int = DEFAULT_PRIORITY

    @property
    def span(self) -> slice:
        return slice(self.first, self.first + self.size)


def to_units(hours: Decimal) -> int:
    return int((Decimal(hours) * SCALE).to_integral_value())


def to_hours(units: int) -> Decimal:
    return Decimal(units) / SCALE


@dataclass(frozen=True)
class Load:
    """People × axis days from ``low``: hours booked, the day's capacity, and the cells that
    are over capacity on a day a levelled project has work (hours in 1/10,000 h)."""

    low: int
    total: IntArray
    limit: IntArray
    over: BoolArray


@dataclass(frozen=True)
class Bookings:
    """The demands as arrays: one entry per booking (person row, task position, hours per day
    in 1/10,000 h, task duration, project part); people are rows in id order, with their
    capacity and days off (axis days). Per part, its bookings and their person rows ("lanes":
    one per person and project)."""

    demands: list[Demand]  # the bookings levelling can see: a known person and task, hours > 0
    resources: list[int]
    row: IntArray
    task: IntArray
    hours: IntArray
    duration: IntArray
    part: IntArray
    capacity: IntArray
    off_rows: IntArray
    off_days: IntArray
    lanes: list[tuple[IntArray, IntArray, IntArray]]  # per part: bookings, their lane, lane rows

    @classmethod
    def of(
        cls,
        demands: Iterable[Demand],
        *,
        capacity: Mapping[int, Decimal],
        days_off: Mapping[int, Iterable[int]],
        position: Mapping[int, int],
        duration: IntArray,
        part_of: IntArray,
        parts: int,
    ) -> Bookings:
        resources = sorted(capacity)
        resource_row = {r: k for k, r in enumerate(resources)}
        kept = [
            d
            for d in demands
            if d.resource_id in resource_row and d.task_id in position and d.hours_per_day > 0
        ]
        task = np.array([position[d.task_id] for d in kept], np.int64)
        row = np.array([resource_row[d.resource_id] for d in kept], np.int64)
        part = part_of[task] if kept else np.zeros(0, np.int64)
        lanes = []
        for k in range(parts):
            chosen = np.flatnonzero(part == k)
            rows, lane = np.unique(row[chosen], return_inverse=True)
            lanes.append((chosen, lane.reshape(-1).astype(np.int64), rows))
        return cls(
            demands=kept,
            resources=resources,
            row=row,
            task=task,
            hours=np.array([to_units(d.hours_per_day) for d in kept], np.int64),
            duration=duration[task] if kept else np.zeros(0, np.int64),
            part=part,
            capacity=np.array([to_units(capacity[r]) for r in resources], np.int64),
            off_rows=np.array(
                [
                    resource_row[r]
                    for r, days in days_off.items()
                    if r in resource_row
                    for _ in days
                ],
                np.int64,
            ),
            off_days=np.array(
                [day for r, days in days_off.items() if r in resource_row for day in days],
                np.int64,
            ),
            lanes=lanes,
        )

    def overload(self, start: IntArray, parts: Sequence[Part], levelled: BoolArray) -> Load:
        """The load of every person on every axis day the task starts put work on. Each
        project's bookings are summed on its own indexes (a difference array per person), then
        placed on the axis days those indexes fall on."""
        begin_all = start[self.task]
        end_all = begin_all + self.duration
        spans = []
        low = high = None
        for k, (chosen, lane, rows) in enumerate(self.lanes):
            if not chosen.size:
                continue
            begin, end = begin_all[chosen], end_all[chosen]
            first, last = int(begin.min()), int(end.max())
            if last <= first:
                continue
            days = parts[k].axis.days(np.arange(first, last, dtype=np.int64))
            spans.append((k, chosen, lane, rows, begin - first, end - first, days))
            low = int(days[0]) if low is None else min(low, int(days[0]))
            high = int(days[-1]) + 1 if high is None else max(high, int(days[-1]) + 1)
        if low is None or high is None:
            low = high = 0
        width = high - low
        people = len(self.resources)
        total = np.zeros((people, width), np.int64)
        # With nothing fixed, any load is a levelled project's: no mask needed.
        mine = None if levelled.all() else np.zeros((people, width), bool)
        for k, chosen, lane, rows, begin, end, days in spans:
            span = len(days)
            diff = np.zeros((len(rows), span + 1), np.int64)
            np.add.at(diff, (lane, begin), self.hours[chosen])
            np.add.at(diff, (lane, end), -self.hours[chosen])
            load = np.cumsum(diff, axis=1)[:, :span]
            # One lane per person and project, so no cell is added twice. On one project's
            # own indexes (no calendar) the days are consecutive: a slice is cheaper.
            if parts[k].axis.calendar is None:
                cells: tuple = (rows, slice(int(days[0]) - low, int(days[0]) - low + span))
            else:
                cells = np.ix_(rows, days - low)
            total[cells] += load
            if mine is not None and levelled[k]:
                mine[cells] |= load > 0
        limit = np.repeat(self.capacity[:, None], width, axis=1)
        inside = (self.off_days >= low) & (self.off_days < high)
        limit[self.off_rows[inside], self.off_days[inside] - low] = 0
        over = total > limit
        return Load(low=low, total=total, limit=limit, over=over if mine is None else over & mine)

    def on_day(self, start: IntArray, index: IntArray, row: int) -> list[tuple[int, int, int]]:
        """(task position, hours, the day's index in its project) of person ``row``'s bookings
        that work on the axis day whose index in each part is ``index``."""
        begin = start[self.task]
        at = index[self.part]
        on = (begin <= at) & (begin + self.duration > at) & (self.row == row)
        return [
            (int(self.task[k]), int(self.hours[k]), int(at[k])) for k in np.flatnonzero(on).tolist()
        ]
