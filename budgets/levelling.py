"""Resource levelling: remove people's over-allocation by delaying the tasks that can wait.

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
    BoolArray,
    IntArray,
    LinkInput,
    Network,
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


class _Followers:
    """Whether one task follows another through links, so delaying the first can move the
    second too (depth-first walks, remembered)."""

    def __init__(self, n: int, pred: IntArray, succ: IntArray) -> None:
        self._successors: list[list[int]] = [[] for _ in range(n)]
        for before, after in zip(pred.tolist(), succ.tolist(), strict=True):
            self._successors[before].append(after)
        self._reaches: dict[tuple[int, int], bool] = {}

    def drags(self, a: int, b: int) -> bool:
        """Whether ``b`` follows ``a`` through links."""
        if (a, b) not in self._reaches:
            seen, stack, found = {a}, [a], False
            while stack and not found:
                for nxt in self._successors[stack.pop()]:
                    if nxt == b:
                        found = True
                        break
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            self._reaches[(a, b)] = found
        return self._reaches[(a, b)]


@dataclass(frozen=True)
class _Bookings:
    """The demands as arrays: one entry per booking (person row, task position, hours per day
    in 1/10,000 h, task duration); people are rows in id order, with their capacity and days
    off."""

    demands: list[Demand]  # the bookings levelling can see: a known person and task, hours > 0
    resources: list[int]
    row: IntArray
    task: IntArray
    hours: IntArray
    duration: IntArray
    capacity: IntArray
    off_rows: IntArray
    off_days: IntArray

    @classmethod
    def of(
        cls,
        demands: Iterable[Demand],
        *,
        capacity: Mapping[int, Decimal],
        days_off: Mapping[int, frozenset[int]],
        position: Mapping[int, int],
        duration: IntArray,
    ) -> _Bookings:
        resources = sorted(capacity)
        resource_row = {r: k for k, r in enumerate(resources)}
        kept = [
            d
            for d in demands
            if d.resource_id in resource_row and d.task_id in position and d.hours_per_day > 0
        ]
        task = np.array([position[d.task_id] for d in kept], np.int64)
        return cls(
            demands=kept,
            resources=resources,
            row=np.array([resource_row[d.resource_id] for d in kept], np.int64),
            task=task,
            hours=np.array([_units(d.hours_per_day) for d in kept], np.int64),
            duration=duration[task] if kept else np.zeros(0, np.int64),
            capacity=np.array([_units(capacity[r]) for r in resources], np.int64),
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
        )

    def overload(self, start: IntArray) -> tuple[int, IntArray, BoolArray]:
        """(first day, capacity, over) matrices of people × days for the task starts."""
        begin = start[self.task]
        end = begin + self.duration
        low, high = int(begin.min()), int(end.max())
        width = high - low
        diff = np.zeros((len(self.resources), width + 1), np.int64)
        np.add.at(diff, (self.row, begin - low), self.hours)
        np.add.at(diff, (self.row, end - low), -self.hours)
        load = np.cumsum(diff, axis=1)[:, :width]
        limit = np.repeat(self.capacity[:, None], width, axis=1)
        inside = (self.off_days >= low) & (self.off_days < high)
        limit[self.off_rows[inside], self.off_days[inside] - low] = 0
        return low, limit, load > limit

    def conflicts(self, start: IntArray) -> int:
        """How many (person, day) cells are over-allocated with these task starts."""
        return int(self.overload(start)[2].sum())

    def on_day(self, start: IntArray, day: int, row: int) -> list[tuple[int, int]]:
        """(task position, hours) of person ``row``'s bookings that work on ``day``."""
        begin = start[self.task]
        on = (begin <= day) & (begin + self.duration > day) & (self.row == row)
        return [(int(self.task[k]), int(self.hours[k])) for k in np.flatnonzero(on).tolist()]


@dataclass(frozen=True)
class _Rules:
    """Which task may be delayed off a conflict day, and who keeps the day (step 2 of the
    module docstring), judged against the unlevelled plan."""

    movable: BoolArray  # has work and has not started
    latest: IntArray  # latest start (early start + total float)
    rank: Mapping[int, tuple[int, int, int]]  # sorted ascending, first keeps the day
    followers: _Followers
    allow_past_float: bool

    def can_move(self, task: int, hours: int, *, capacity: int, day: int) -> bool:
        return bool(
            self.movable[task]
            and hours <= capacity  # alone it fits a normal day somewhere later
            and (self.allow_past_float or day + 1 <= self.latest[task])
        )

    def delays(
        self, bookings: list[tuple[int, int]], *, room: int, capacity: int, day: int
    ) -> list[int] | None:
        """The tasks to delay so the rest of ``bookings`` (task, hours) fits ``room``; None when
        what cannot move already overruns it."""
        booked, keep = 0, []
        for task, hours in bookings:
            if self.can_move(task, hours, capacity=capacity, day=day):
                keep.append((self.rank[task], task, hours))
            else:  # what cannot move holds the day whatever its rank
                booked += hours
        # A task that others in the conflict follow keeps the day: delaying it would drag them
        # along and the conflict would move with it, round after round.
        others = [task for _, task, _ in keep]
        ordered = sorted(
            (not any(self.followers.drags(task, o) for o in others if o != task), rank, task, hours)
            for rank, task, hours in keep
        )
        delay = []
        for _, _, task, hours in ordered:
            if booked + hours <= room:
                booked += hours
            else:
                delay.append(task)
        return None if booked > room else delay


def _delays_on(
    day: int,
    start: IntArray,
    *,
    low: int,
    limit: IntArray,
    over: BoolArray,
    bookings: _Bookings,
    rules: _Rules,
) -> tuple[dict[int, int], list[int]]:
    """Clear ``day``: the tasks to delay (task position -> person row whose conflict delays it)
    and the person rows whose conflict no legal move can clear."""
    delayed: dict[int, int] = {}
    stuck: list[int] = []
    for row in np.flatnonzero(over[:, day - low]).tolist():
        booked = [(t, h) for t, h in bookings.on_day(start, day, row) if t not in delayed]
        delay = rules.delays(
            booked, room=int(limit[row, day - low]), capacity=int(bookings.capacity[row]), day=day
        )
        if delay is None:
            stuck.append(row)
            continue
        delayed.update(dict.fromkeys(delay, row))
    return delayed, stuck


def _level_rounds(
    network: Network,
    first: ScheduleArrays,
    bookings: _Bookings,
    rules: _Rules,
    *,
    max_rounds: int,
) -> tuple[IntArray, ScheduleArrays, dict[int, tuple[int, int]], bool]:
    """Steps 2 and 3 of the module docstring until no conflict a legal move can clear is left.

    Returns the constraints, their schedule, the levelled tasks (task position -> (resource
    id, day)) and whether it finished within ``max_rounds``.
    """
    constraint = network.constraint.copy()  # levelling adds start-no-earlier-than bounds
    levelled: dict[int, tuple[int, int]] = {}
    result = first
    complete = True
    rounds = 0
    ignored: set[tuple[int, int]] = set()  # (row, day) that no legal move can clear
    # A move within float can push work onto a day that cannot then be cleared; the plan
    # returned is the best state reached, never one with more conflicts than it started.
    best = (bookings.conflicts(first.early_start), constraint.copy(), result, dict(levelled))
    while True:
        start = result.early_start
        low, limit, over = bookings.overload(start)
        if int(over.sum()) < best[0]:
            best = (int(over.sum()), constraint.copy(), result, dict(levelled))
        for row, day in ignored:
            if low <= day < low + over.shape[1]:
                over[row, day - low] = False
        columns = over.any(axis=0)
        if not columns.any():
            break
        if rounds >= max_rounds:
            complete = False
            break
        rounds += 1
        day = low + int(np.argmax(columns))
        delayed, stuck = _delays_on(
            day, start, low=low, limit=limit, over=over, bookings=bookings, rules=rules
        )
        ignored.update((row, day) for row in stuck)
        for task, row in delayed.items():
            current = int(constraint[task])
            constraint[task] = day + 1 if current == MISSING else max(current, day + 1)
            levelled[task] = (bookings.resources[row], day)
        if delayed:
            result = network.schedule(constraint=constraint)
    if bookings.conflicts(result.early_start) > best[0]:
        _, constraint, result, levelled = best
    return constraint, result, levelled, complete


def _moves(
    ids: Sequence[int],
    start0: IntArray,
    latest0: IntArray,
    final: IntArray,
    constraint: IntArray,
    levelled: Mapping[int, tuple[int, int]],
) -> tuple[Move, ...]:
    """Every task whose start moved from ``start0`` to ``final``, by original start and id."""
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
    return tuple(moves)


def _remaining(
    bookings: _Bookings,
    final: IntArray,
    *,
    position: Mapping[int, int],
    duration: IntArray,
    capacity: Mapping[int, Decimal],
    days_off: Mapping[int, frozenset[int]],
) -> tuple[allocation.Conflict, ...]:
    """The over-allocations left with the levelled starts, counted as ``budgets.allocation``
    counts them."""
    loads = allocation.daily_loads(
        [
            allocation.Booking(
                resource_id=d.resource_id,
                task_id=d.task_id,
                start=int(final[position[d.task_id]]),
                duration=int(duration[position[d.task_id]]),
                hours_per_day=d.hours_per_day,
            )
            for d in bookings.demands
        ],
        capacity=capacity,
        days_off={r: frozenset(days) for r, days in days_off.items()},
    )
    return tuple(allocation.conflicts(loads))


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
    network = prepare_network(tasks, list(links))
    n = len(tasks)
    position = {task_id: i for i, task_id in enumerate(network.ids)}

    first = network.schedule()
    start0 = first.early_start.copy()
    latest0 = start0 + first.total_float
    rules = _Rules(
        movable=(network.durations > 0)
        & (network.actual_start == MISSING)
        & (network.actual_finish == MISSING),
        latest=latest0,
        rank={
            i: (-priority.get(task.id, DEFAULT_PRIORITY), int(first.total_float[i]), task.id)
            for i, task in enumerate(tasks)
        },
        followers=_Followers(n, network.pred, network.succ),
        allow_past_float=allow_past_float,
    )
    bookings = _Bookings.of(
        demands, capacity=capacity, days_off=days_off, position=position, duration=network.durations
    )

    constraint, result = network.constraint, first
    levelled: dict[int, tuple[int, int]] = {}
    complete = True
    conflicts_before = 0
    if bookings.demands:
        conflicts_before = bookings.conflicts(start0)
        constraint, result, levelled, complete = _level_rounds(
            network,
            first,
            bookings,
            rules,
            max_rounds=max_rounds if max_rounds is not None else 20 * n + 1000,
        )

    return Plan(
        moves=_moves(network.ids, start0, latest0, result.early_start, constraint, levelled),
        remaining=_remaining(
            bookings,
            result.early_start,
            position=position,
            duration=network.durations,
            capacity=capacity,
            days_off=days_off,
        ),
        conflicts_before=conflicts_before,
        finish_before=_finish(first),
        finish_after=_finish(result),
        allow_past_float=allow_past_float,
        complete=complete,
    )
