"""The method of ``budgets.levelling`` (see its docstring): who keeps a conflict day, the rounds
that delay the others until no legal move is left, and ``level`` for one project.

Pure: no Django, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from budgets import allocation
from budgets.levelling.loads import DEFAULT_PRIORITY, Axis, Bookings, Demand, Load, Part
from scheduling.engine import (
    MISSING,
    BoolArray,
    IntArray,
    LinkInput,
    ScheduleArrays,
    TaskInput,
    prepare_network,
)
from scheduling.workdays import shown_finish_index


@dataclass(frozen=True, slots=True)
class Move:
    """A task whose start moves. ``levelled``: delayed on purpose to clear ``resource_id``'s
    over-allocation on ``day``, held by the start-no-earlier-than index ``constraint``; otherwise
    it follows a delayed predecessor through its links. ``past_float``: it now starts after its
    latest start, so it delays the project finish (only with ``allow_past_float``). Indexes are
    on the task's own project calendar."""

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


def finish_index(schedule: ScheduleArrays) -> int:
    """The exclusive index after the schedule's shown finish (0 for no tasks)."""
    if not schedule.early_start.size:
        return 0
    return int(shown_finish_index(schedule.early_start, schedule.early_finish)) + 1


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
class _Rules:
    """Which task may be delayed off a conflict day, and who keeps the day (step 2 of the
    module docstring), judged against the unlevelled plan."""

    movable: BoolArray  # has work, has not started, in a project being levelled
    latest: IntArray  # latest start (early start + total float)
    rank: Mapping[int, tuple[int, int, int, int]]  # sorted ascending, first keeps the day
    followers: _Followers
    allow_past_float: bool

    def can_move(self, task: int, hours: int, *, capacity: int, index: int) -> bool:
        return bool(
            self.movable[task]
            and hours <= capacity  # alone it fits a normal day somewhere later
            and (self.allow_past_float or index + 1 <= self.latest[task])
        )

    def delays(
        self, bookings: list[tuple[int, int, int]], *, room: int, capacity: int
    ) -> list[tuple[int, int]] | None:
        """The tasks to delay, with the day's index in their project, so the rest of
        ``bookings`` (task, hours, index) fits ``room``; None when what cannot move already
        overruns it."""
        booked, keep = 0, []
        for task, hours, index in bookings:
            if self.can_move(task, hours, capacity=capacity, index=index):
                keep.append((self.rank[task], task, hours, index))
            else:  # what cannot move holds the day whatever its rank
                booked += hours
        # A task that others in the conflict follow keeps the day: delaying it would drag them
        # along and the conflict would move with it, round after round.
        others = [task for _, task, _, _ in keep]
        ordered = sorted(
            (
                not any(self.followers.drags(task, o) for o in others if o != task),
                rank,
                task,
                hours,
                index,
            )
            for rank, task, hours, index in keep
        )
        delay = []
        for _, _, task, hours, index in ordered:
            if booked + hours <= room:
                booked += hours
            else:
                delay.append((task, index))
        return None if booked > room else delay


def _delays_on(
    day: int, start: IntArray, index: IntArray, *, load: Load, bookings: Bookings, rules: _Rules
) -> tuple[dict[int, tuple[int, int]], list[int]]:
    """Clear axis ``day``: the tasks to delay (task position -> (person row whose conflict
    delays it, the day's index in the task's project)) and the person rows whose conflict no
    legal move can clear."""
    delayed: dict[int, tuple[int, int]] = {}
    stuck: list[int] = []
    column = day - load.low
    for row in np.flatnonzero(load.over[:, column]).tolist():
        booked = [b for b in bookings.on_day(start, index, row) if b[0] not in delayed]
        delay = rules.delays(
            booked, room=int(load.limit[row, column]), capacity=int(bookings.capacity[row])
        )
        if delay is None:
            stuck.append(row)
            continue
        for task, at in delay:
            delayed[task] = (row, at)
    return delayed, stuck


@dataclass
class _State:
    """Where levelling stands: the constraints it added, each levelled part's schedule, every
    task's start, and the tasks delayed on purpose (position -> (person id, day index))."""

    constraint: IntArray
    schedules: dict[int, ScheduleArrays]
    start: IntArray
    levelled: dict[int, tuple[int, int]]

    def copy(self) -> _State:
        return _State(
            self.constraint.copy(), dict(self.schedules), self.start.copy(), dict(self.levelled)
        )


def _level_rounds(
    parts: Sequence[Part],
    state: _State,
    bookings: Bookings,
    rules: _Rules,
    *,
    part_of: IntArray,
    max_rounds: int,
) -> tuple[_State, bool]:
    """Steps 2 and 3 of the module docstring until no conflict a legal move can clear is left.

    Returns the final state and whether it finished within ``max_rounds``.
    """
    levelled_parts = np.array([part.network is not None for part in parts], bool)
    complete = True
    rounds = 0
    ignored: set[tuple[int, int]] = set()  # (row, axis day) that no legal move can clear
    # A move within float can push work onto a day that cannot then be cleared; the plan
    # returned is the best state reached, never one with more conflicts than it started.
    best = (int(bookings.overload(state.start, parts, levelled_parts).over.sum()), state.copy())
    while True:
        load = bookings.overload(state.start, parts, levelled_parts)
        over = load.over
        if int(over.sum()) < best[0]:
            best = (int(over.sum()), state.copy())
        for row, day in ignored:
            if load.low <= day < load.low + over.shape[1]:
                over[row, day - load.low] = False
        columns = over.any(axis=0)
        if not columns.any():
            break
        if rounds >= max_rounds:
            complete = False
            break
        rounds += 1
        day = load.low + int(np.argmax(columns))
        index = np.array([part.axis.index(day) for part in parts], np.int64)
        delayed, stuck = _delays_on(
            day, state.start, index, load=load, bookings=bookings, rules=rules
        )
        ignored.update((row, day) for row in stuck)
        touched = set()
        for task, (row, at) in delayed.items():
            current = int(state.constraint[task])
            state.constraint[task] = at + 1 if current == MISSING else max(current, at + 1)
            state.levelled[task] = (bookings.resources[row], at)
            touched.add(int(part_of[task]))
        for k in sorted(touched):
            part = parts[k]
            assert part.network is not None  # fixed load is never delayed
            schedule = part.network.schedule(constraint=state.constraint[part.span])
            state.schedules[k] = schedule
            state.start[part.span] = schedule.early_start
    if int(bookings.overload(state.start, parts, levelled_parts).over.sum()) > best[0]:
        state = best[1]
    return state, complete


@dataclass(frozen=True)
class Solution:
    """What the shared core found: the unlevelled schedules and latest starts, the final state
    and the bookings it counted."""

    first: dict[int, ScheduleArrays]
    start0: IntArray
    latest0: IntArray
    state: _State
    bookings: Bookings
    part_of: IntArray
    conflicts_before: int
    complete: bool


def solve(
    parts: list[Part],
    fixed_start: IntArray,
    duration: IntArray,
    demands: Iterable[Demand],
    *,
    position: Mapping[int, int],
    capacity: Mapping[int, Decimal],
    days_off: Mapping[int, Iterable[int]],
    task_priority: Mapping[int, int],
    allow_past_float: bool,
    max_rounds: int | None,
) -> Solution:
    """Level ``parts`` together: the networks' tasks first (by part), then the fixed tasks,
    whose starts are ``fixed_start`` (the positions after the networks')."""
    networks = [k for k, part in enumerate(parts) if part.network is not None]
    first = {k: parts[k].network.schedule() for k in networks}  # type: ignore[union-attr]
    n = len(duration)
    part_of = np.zeros(n, np.int64)
    for k, part in enumerate(parts):
        part_of[part.span] = k
    start0 = fixed_start.copy()
    latest0 = fixed_start.copy()
    constraint = np.full(n, MISSING, np.int64)
    movable = np.zeros(n, bool)
    rank: dict[int, tuple[int, int, int, int]] = {}
    preds, succs = [], []
    for k in networks:
        part, schedule = parts[k], first[k]
        network = part.network
        assert network is not None
        span = part.span
        start0[span] = schedule.early_start
        latest0[span] = schedule.early_start + schedule.total_float
        constraint[span] = network.constraint
        movable[span] = (
            (network.durations > 0)
            & (network.actual_start == MISSING)
            & (network.actual_finish == MISSING)
        )
        floats = schedule.total_float.tolist()
        for i, task_id in enumerate(network.ids):
            rank[part.first + i] = (
                -part.priority,
                -task_priority.get(task_id, DEFAULT_PRIORITY),
                int(floats[i]),
                task_id,
            )
        preds.append(network.pred + part.first)
        succs.append(network.succ + part.first)
    rules = _Rules(
        movable=movable,
        latest=latest0,
        rank=rank,
        followers=_Followers(
            n,
            np.concatenate(preds) if preds else np.zeros(0, np.int64),
            np.concatenate(succs) if succs else np.zeros(0, np.int64),
        ),
        allow_past_float=allow_past_float,
    )
    bookings = Bookings.of(
        demands,
        capacity=capacity,
        days_off=days_off,
        position=position,
        duration=duration,
        part_of=part_of,
        parts=len(parts),
    )
    state = _State(constraint, dict(first), start0.copy(), {})
    complete = True
    conflicts_before = 0
    if bookings.demands:
        levelled_parts = np.array([part.network is not None for part in parts], bool)
        conflicts_before = int(bookings.overload(start0, parts, levelled_parts).over.sum())
        tasks = sum(parts[k].size for k in networks)
        state, complete = _level_rounds(
            parts,
            state,
            bookings,
            rules,
            part_of=part_of,
            max_rounds=max_rounds if max_rounds is not None else 20 * tasks + 1000,
        )
    return Solution(
        first=first,
        start0=start0,
        latest0=latest0,
        state=state,
        bookings=bookings,
        part_of=part_of,
        conflicts_before=conflicts_before,
        complete=complete,
    )


def moves_of(part: Part, solution: Solution) -> tuple[Move, ...]:
    """Every task of ``part`` whose start moved, by original start and id."""
    span, first = part.span, part.first
    assert part.network is not None
    ids = part.network.ids
    start0, latest0 = solution.start0[span], solution.latest0[span]
    final, constraint = solution.state.start[span], solution.state.constraint[span]
    levelled = solution.state.levelled
    moves = []
    for i in np.flatnonzero(final != start0).tolist():
        resource_id, day = levelled.get(first + i, (None, None))
        moves.append(
            Move(
                task_id=int(ids[i]),
                from_start=int(start0[i]),
                to_start=int(final[i]),
                levelled=first + i in levelled,
                past_float=bool(final[i] > latest0[i]),
                resource_id=resource_id,
                day=day,
                constraint=int(constraint[i]) if first + i in levelled else None,
            )
        )
    moves.sort(key=lambda move: (move.from_start, move.task_id))
    return tuple(moves)


def _remaining(
    bookings: Bookings,
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
    network = prepare_network(tasks, list(links))
    part = Part(project_id=0, axis=Axis(), first=0, size=len(tasks), network=network)
    position = {task_id: i for i, task_id in enumerate(network.ids)}
    solution = solve(
        [part],
        np.zeros(len(tasks), np.int64),
        network.durations,
        demands,
        position=position,
        capacity=capacity,
        days_off=days_off,
        task_priority=priority or {},
        allow_past_float=allow_past_float,
        max_rounds=max_rounds,
    )
    return Plan(
        moves=moves_of(part, solution),
        remaining=_remaining(
            solution.bookings,
            solution.state.start,
            position=position,
            duration=network.durations,
            capacity=capacity,
            days_off=days_off,
        ),
        conflicts_before=solution.conflicts_before,
        finish_before=finish_index(solution.first[0]),
        finish_after=finish_index(solution.state.schedules[0]),
        allow_past_float=allow_past_float,
        complete=solution.complete,
    )
