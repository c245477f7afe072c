"""Resource levelling: remove over-allocation by delaying tasks (issue 5, item 6).

Pure, like ``budgets/evm.py`` and ``budgets/allocation.py``: no Django, no clock. Days are
working-day indexes of the project calendar, as in ``scheduling/engine.py``; a person's booking
puts ``hours_per_day`` on every day ``[ES, ES + duration)`` of its task, and the person is
over-allocated on a day when the hours booked exceed the capacity (0 on a day off), exactly as
``budgets.allocation`` counts it.

The method (serial levelling, one conflict day at a time)
--------------------------------------------------------
1. Schedule the plan with the critical-path engine; remember each task's early start and its
   latest start (early start + total float) in this *unlevelled* plan.
2. Find the earliest day on which some person is over-allocated. For each such person, rank the
   tasks booked on that day by who keeps the day: higher priority first, then less total float,
   then lower id. A task that cannot be delayed keeps its day whatever its rank: one that has
   started, and, unless ``allow_past_float``, one whose delay would exceed its float (a new start
   after its latest start, which would move the project finish). The others keep the day in rank
   order while they fit the capacity left; the rest are delayed to start the next working day
   (a "start no earlier than" constraint). If what cannot move already overruns the day, nothing
   is moved for that person and day and the conflict is reported as remaining.
3. Re-run the engine's passes with the new constraints, so every successor moves consistently
   with its links (all four types, lags and leads), and repeat from 2 until no over-allocation
   is left that a legal move could remove.

The answer is a :class:`Plan`: every task whose start moved (those delayed on purpose, and those
that follow them through links), the conflicts that remain, and the project finish before and
after. Applying it means setting each *levelled* move's constraint; the engine does the rest.

Limits: tasks are not split and assignments are not reshaped (a task that alone books more than a
day's capacity can never be levelled, and is reported); delays are whole working days; the
result is a good plan, not an optimal one (optimal levelling is NP-hard).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from budgets import allocation
from scheduling.engine import (
    MISSING,
    LinkInput,
    ScheduleArrays,
    TaskInput,
    prepare_network,
)
from scheduling.workdays import shown_finish_index

__all__ = ["DEFAULT_PRIORITY", "Demand", "Move", "Plan", "level"]

#: A task's priority when none is given (MS Project's default; higher keeps its dates first).
DEFAULT_PRIORITY = 500

# Hours are compared exactly as integers of 1/10,000 h: capacity has 2 places and units are
# whole percentages, so capacity × units / 100 has at most 4.
_SCALE = 10_000


@dataclass(frozen=True, slots=True)
class Demand:
    """A person booked on a task: ``hours_per_day`` on every working day of the task."""

    resource_id: int
    task_id: int
    hours_per_day: Decimal


@dataclass(frozen=True, slots=True)
class Move:
    """A task whose start moves. ``levelled``: delayed on purpose to clear ``resource_id``'s
    over-allocation on ``day``, held by the start-no-earlier-than index ``constraint``; otherwise
    it follows a delayed predecessor through its links. ``past_float``: it now starts after its
    latest start, so it delays the project finish (only with ``allow_past_float``)."""

    task_id: int
    from_start: int
    to_start: int
    levelled: bool
    past_float: bool
    resource_id: int | None = None
    day: int | None = None
    constraint: int | None = None

    @property
    def delay(self) -> int:
        return self.to_start - self.from_start


@dataclass(frozen=True)
class Plan:
    """What levelling would do. Finishes are exclusive indexes: the day after the project's
    shown finish (``scheduling.workdays.shown_finish_index``), so a plan that ends with a
    milestone finishes on the milestone's day, as the task table shows it."""

    moves: tuple[Move, ...]
    remaining: tuple[allocation.Conflict, ...]
    conflicts_before: int
    finish_before: int
    finish_after: int
    allow_past_float: bool
    complete: bool = True  # False when the round limit stopped it early

    @property
    def levelled(self) -> tuple[Move, ...]:
        return tuple(move for move in self.moves if move.levelled)


def _finish(schedule: ScheduleArrays) -> int:
    """The exclusive index after the schedule's shown finish (0 for no tasks)."""
    if not schedule.early_start.size:
        return 0
    return int(shown_finish_index(schedule.early_start, schedule.early_finish)) + 1


def _units(hours: Decimal) -> int:
    return int((Decimal(hours) * _SCALE).to_integral_value())


def level(
    tasks: Sequence[TaskInput],
    links: Sequence[LinkInput],
    demands: Iterable[Demand],
    *,
    capacity: Mapping[int, Decimal],
    days_off: Mapping[int, frozenset[int]] | None = None,
    priority: Mapping[int, int] | None = None,
    allow_past_float: bool = False,
    max_rounds: int | None = None,
) -> Plan:
    """Level ``tasks`` (see the module docstring). ``capacity`` is each person's hours per
    working day, ``days_off`` their days off as indexes, ``priority`` per task id (default
    :data:`DEFAULT_PRIORITY`; higher keeps its dates). Raises the engine's ``CycleError`` on a
    dependency loop."""
    tasks = list(tasks)
    days_off = days_off or {}
    priority = priority or {}
    links = list(links)
    network = prepare_network(tasks, links)
    n = len(tasks)
    position = {task_id: i for i, task_id in enumerate(network.ids)}
    ids = network.ids
    duration = network.durations
    constraint = network.constraint.copy()  # levelling adds start-no-earlier-than bounds
    started_at, finished_at = network.actual_start, network.actual_finish
    pred, succ = network.pred, network.succ

    def schedule():
        return network.schedule(constraint=constraint)

    first = schedule()
    start0 = first.early_start.copy()
    latest0 = start0 + first.total_float
    movable = (duration > 0) & (started_at == MISSING) & (finished_at == MISSING)
    successors: list[list[int]] = [[] for _ in range(n)]
    for before, after in zip(pred.tolist(), succ.tolist(), strict=True):
        successors[before].append(after)
    reaches: dict[tuple[int, int], bool] = {}

    def drags(a: int, b: int) -> bool:
        """Whether ``b`` follows ``a`` through links, so delaying ``a`` can move ``b`` too."""
        if (a, b) not in reaches:
            seen, stack, found = {a}, [a], False
            while stack and not found:
                for nxt in successors[stack.pop()]:
                    if nxt == b:
                        found = True
                        break
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            reaches[(a, b)] = found
        return reaches[(a, b)]

    rank = {  # who keeps a day: sorted ascending, first kept
        i: (-priority.get(task.id, DEFAULT_PRIORITY), int(first.total_float[i]), task.id)
        for i, task in enumerate(tasks)
    }

    resources = sorted(capacity)
    resource_row = {r: k for k, r in enumerate(resources)}
    demands = [
        d
        for d in demands
        if d.resource_id in resource_row and d.task_id in position and d.hours_per_day > 0
    ]
    d_row = np.array([resource_row[d.resource_id] for d in demands], np.int64)
    d_task = np.array([position[d.task_id] for d in demands], np.int64)
    d_hours = np.array([_units(d.hours_per_day) for d in demands], np.int64)
    d_duration = duration[d_task] if demands else np.zeros(0, np.int64)
    cap = np.array([_units(capacity[r]) for r in resources], np.int64)
    off_rows = np.array(
        [resource_row[r] for r, days in days_off.items() if r in resource_row for _ in days],
        np.int64,
    )
    off_days = np.array(
        [day for r, days in days_off.items() if r in resource_row for day in days], np.int64
    )

    def over_cells(start: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(first day, load, capacity, over) matrices of resources × days for the starts."""
        begin = start[d_task]
        end = begin + d_duration
        low, high = int(begin.min()), int(end.max())
        width = high - low
        diff = np.zeros((len(resources), width + 1), np.int64)
        np.add.at(diff, (d_row, begin - low), d_hours)
        np.add.at(diff, (d_row, end - low), -d_hours)
        load = np.cumsum(diff, axis=1)[:, :width]
        limit = np.repeat(cap[:, None], width, axis=1)
        inside = (off_days >= low) & (off_days < high)
        limit[off_rows[inside], off_days[inside] - low] = 0
        return low, load, limit, load > limit

    levelled: dict[int, tuple[int, int]] = {}  # task position -> (resource id, day)
    rounds = 0
    complete = True
    conflicts_before = 0
    result = first
    if demands:
        conflicts_before = int(over_cells(start0)[3].sum())
        limit_rounds = max_rounds if max_rounds is not None else 20 * n + 1000
        ignored: set[tuple[int, int]] = set()  # (row, day) that no legal move can clear
        # A move within float can push work onto a day that cannot then be cleared; the plan
        # returned is the best state reached, never one with more conflicts than it started.
        best = (conflicts_before, constraint.copy(), result, dict(levelled))
        while True:
            start = result.early_start
            low, load, limit, over = over_cells(start)
            if int(over.sum()) < best[0]:
                best = (int(over.sum()), constraint.copy(), result, dict(levelled))
            for row, day in ignored:
                if low <= day < low + over.shape[1]:
                    over[row, day - low] = False
            columns = over.any(axis=0)
            if not columns.any():
                break
            if rounds >= limit_rounds:
                complete = False
                break
            rounds += 1
            day = low + int(np.argmax(columns))
            begin = start[d_task]
            on_day = (begin <= day) & (begin + d_duration > day)
            delayed_now: set[int] = set()
            for row in np.flatnonzero(over[:, day - low]).tolist():
                room = int(limit[row, day - low])
                candidates = np.flatnonzero(on_day & (d_row == row)).tolist()
                candidates = [k for k in candidates if int(d_task[k]) not in delayed_now]
                booked, keep = 0, []
                for k in candidates:
                    task, hours = int(d_task[k]), int(d_hours[k])
                    can_move = (
                        movable[task]
                        and hours <= cap[row]  # alone it fits a normal day somewhere later
                        and (allow_past_float or day + 1 <= latest0[task])
                    )
                    if can_move:
                        keep.append((rank[task], task, hours))
                    else:  # what cannot move holds the day whatever its rank
                        booked += hours
                # A task that others in the conflict follow keeps the day: delaying it would
                # drag them along and the conflict would move with it, round after round.
                others = [task for _, task, _ in keep]
                keep = [
                    (not any(drags(task, o) for o in others if o != task), rank_, task, hours)
                    for rank_, task, hours in keep
                ]
                delay = []
                for _, _, task, hours in sorted(keep):
                    if booked + hours <= room:
                        booked += hours
                    else:
                        delay.append(task)
                if booked > room:
                    ignored.add((row, day))
                    continue
                for task in delay:
                    current = int(constraint[task])
                    constraint[task] = day + 1 if current == MISSING else max(current, day + 1)
                    levelled[task] = (resources[row], day)
                    delayed_now.add(task)
            if delayed_now:
                result = schedule()
        final_over = int(over_cells(result.early_start)[3].sum())
        if final_over > best[0]:
            _, constraint, result, levelled = best

    final = result.early_start
    moves = []
    for i in np.flatnonzero(final != start0).tolist():
        resource_id, day = levelled.get(i, (None, None))
        moves.append(
            Move(
                task_id=int(ids[i]),
                from_start=int(start0[i]),
                to_start=int(final[i]),
                levelled=i in levelled,
                past_float=bool(final[i] > latest0[i]),
                resource_id=resource_id,
                day=day,
                constraint=int(constraint[i]) if i in levelled else None,
            )
        )
    moves.sort(key=lambda move: (move.from_start, move.task_id))
    bookings = [
        allocation.Booking(
            resource_id=d.resource_id,
            task_id=d.task_id,
            start=int(final[position[d.task_id]]),
            duration=tasks[position[d.task_id]].duration,
            hours_per_day=d.hours_per_day,
        )
        for d in demands
    ]
    loads = allocation.daily_loads(
        bookings,
        capacity=capacity,
        days_off={r: frozenset(days) for r, days in days_off.items()},
    )
    return Plan(
        moves=tuple(moves),
        remaining=tuple(allocation.conflicts(loads)),
        conflicts_before=conflicts_before,
        finish_before=_finish(first),
        finish_after=_finish(result),
        allow_past_float=allow_past_float,
        complete=complete,
    )
