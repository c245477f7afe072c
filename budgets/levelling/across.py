"""Levelling across projects (``level_across``; see "Across projects" in ``budgets.levelling``):
several projects' networks on their own calendars, people identified across them, load
elsewhere fixed.

Pure: no Django, no clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from budgets import allocation
from budgets.levelling.loads import (
    DEFAULT_PRIORITY,
    EPOCH_ORDINAL,
    Axis,
    Demand,
    Part,
    axis_day,
    to_hours,
)
from budgets.levelling.method import Move, Solution, finish_index, moves_of, solve
from scheduling.engine import IntArray, LinkInput, TaskInput, prepare_network
from scheduling.workdays import WorkCalendar


@dataclass(frozen=True)
class ProjectNetwork:
    """A project levelling may change: its tasks and links in working-day indexes of its
    ``calendar``, its priority among projects and its tasks' priorities (by task id)."""

    id: int
    calendar: WorkCalendar
    tasks: Sequence[TaskInput]
    links: Sequence[LinkInput] = ()
    priority: int = DEFAULT_PRIORITY
    task_priority: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FixedProject:
    """Load levelling works around but never moves: a project's bookings at their current
    dates (``resource_id`` is the person, ``start`` an index of ``calendar``)."""

    id: int
    calendar: WorkCalendar
    bookings: Sequence[allocation.Booking]


@dataclass(frozen=True)
class ProjectMoves:
    """One levelled project's part of a :class:`PortfolioPlan`: its moves and its finish before
    and after (exclusive indexes of its calendar, as in :class:`Plan`)."""

    project_id: int
    moves: tuple[Move, ...]
    finish_before: int
    finish_after: int

    @property
    def levelled(self) -> tuple[Move, ...]:
        return tuple(move for move in self.moves if move.levelled)


@dataclass(frozen=True)
class DateConflict:
    """A date on which a person's hours across projects stay over their capacity: the hours
    and tasks per project (levelled and fixed alike, by project id)."""

    person: int
    date: datetime.date
    booked: Decimal
    capacity: Decimal
    day_off: bool
    projects: tuple[tuple[int, Decimal, tuple[int, ...]], ...]


@dataclass(frozen=True)
class PortfolioPlan:
    """What levelling across projects would do: each levelled project's moves (in the order
    given), the conflicts that remain (by person, then date) and how many person-days were
    over-allocated before."""

    projects: tuple[ProjectMoves, ...]
    remaining: tuple[DateConflict, ...]
    conflicts_before: int
    allow_past_float: bool
    complete: bool = True

    @property
    def levelled(self) -> tuple[Move, ...]:
        return tuple(move for part in self.projects for move in part.levelled)


def _date_conflicts(
    solution: Solution, parts: Sequence[Part], ids: IntArray
) -> tuple[DateConflict, ...]:
    """The person-days still over capacity where a levelled project has work, with each
    project's hours and tasks that day (``ids``: the task id at each position)."""
    bookings, start = solution.bookings, solution.state.start
    levelled_parts = np.array([part.network is not None for part in parts], bool)
    load = bookings.overload(start, parts, levelled_parts)
    off = {(int(r), int(d)) for r, d in zip(bookings.off_rows, bookings.off_days, strict=True)}
    found = []
    for row, column in zip(*(axis.tolist() for axis in np.nonzero(load.over)), strict=True):
        day = load.low + column
        index = np.array([part.axis.index(day) for part in parts], np.int64)
        per_project: dict[int, tuple[int, list[int]]] = {}
        for task, hours, _ in bookings.on_day(start, index, row):
            project = parts[int(solution.part_of[task])].project_id
            booked, tasks = per_project.get(project, (0, []))
            per_project[project] = (booked + hours, [*tasks, int(ids[task])])
        found.append(
            DateConflict(
                person=bookings.resources[row],
                date=datetime.date.fromordinal(day + EPOCH_ORDINAL),
                booked=to_hours(int(load.total[row, column])),
                capacity=to_hours(int(load.limit[row, column])),
                day_off=(row, day) in off,
                projects=tuple(
                    (project, to_hours(booked), tuple(sorted(set(tasks))))
                    for project, (booked, tasks) in sorted(per_project.items())
                ),
            )
        )
    return tuple(found)


def level_across(
    projects: Sequence[ProjectNetwork],
    demands: Iterable[Demand],
    *,
    capacity: Mapping[int, Decimal],
    days_off: Mapping[int, Iterable[datetime.date]] | None = None,
    fixed: Sequence[FixedProject] = (),
    allow_past_float: bool = False,
    max_rounds: int | None = None,
) -> PortfolioPlan:
    """Level ``projects`` together (see "Across projects" in the module docstring).

    ``demands`` book people (``resource_id`` is the person) on the projects' tasks; ``fixed``
    holds the load elsewhere that cannot move; ``capacity`` is each person's hours per working
    day and ``days_off`` their days off as dates. Raises the engine's ``CycleError`` on a
    dependency loop (naming task ids) and ``ValueError`` when a task id appears twice.
    """
    parts: list[Part] = []
    position: dict[int, int] = {}
    durations: list[IntArray] = []
    task_priority: dict[int, int] = {}
    first = 0
    for project in projects:
        tasks = list(project.tasks)
        network = prepare_network(tasks, list(project.links))
        parts.append(
            Part(
                project_id=project.id,
                axis=Axis(project.calendar),
                first=first,
                size=len(tasks),
                network=network,
                priority=project.priority,
            )
        )
        for i, task_id in enumerate(network.ids):
            if task_id in position:
                raise ValueError(f"task {task_id} appears in two projects")
            position[task_id] = first + i
        durations.append(network.durations)
        task_priority.update(project.task_priority)
        first += len(tasks)
    networks_end = first
    fixed_starts: list[int] = []
    fixed_durations: list[int] = []
    fixed_demands: list[Demand] = []
    for project in fixed:
        size = 0
        for booking in project.bookings:
            if booking.task_id not in position:
                position[booking.task_id] = first + size
                fixed_starts.append(booking.start)
                fixed_durations.append(booking.duration)
                size += 1
            elif position[booking.task_id] < networks_end:
                raise ValueError(f"task {booking.task_id} is both levelled and fixed")
            fixed_demands.append(
                Demand(booking.resource_id, booking.task_id, booking.hours_per_day)
            )
        parts.append(
            Part(project_id=project.id, axis=Axis(project.calendar), first=first, size=size)
        )
        first += size
    fixed_start = np.zeros(first, np.int64)
    fixed_start[networks_end:] = fixed_starts
    duration = np.concatenate([*durations, np.array(fixed_durations, np.int64)])
    off = {
        person: frozenset(axis_day(day) for day in days)
        for person, days in (days_off or {}).items()
    }
    solution = solve(
        parts,
        fixed_start,
        duration.astype(np.int64),
        [*demands, *fixed_demands],
        position=position,
        capacity=capacity,
        days_off=off,
        task_priority=task_priority,
        allow_past_float=allow_past_float,
        max_rounds=max_rounds,
    )
    ids = np.zeros(first, np.int64)
    for task_id, at in position.items():
        ids[at] = task_id
    return PortfolioPlan(
        projects=tuple(
            ProjectMoves(
                project_id=part.project_id,
                moves=moves_of(part, solution),
                finish_before=finish_index(solution.first[k]),
                finish_after=finish_index(solution.state.schedules[k]),
            )
            for k, part in enumerate(parts)
            if part.network is not None
        ),
        remaining=_date_conflicts(solution, parts, ids),
        conflicts_before=solution.conflicts_before,
        allow_past_float=allow_past_float,
        complete=solution.complete,
    )
