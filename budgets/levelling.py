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

Across projects (:func:`level_across`)
--------------------------------------
The same method over several projects that share people, each on its own calendar. People are
identified across projects (a ``Demand``'s ``resource_id`` is then the person), and days are
*dates*: each project's working-day indexes are placed on the calendar, so a holiday of one
project is a working day of another, and a person's hours on a date are summed over every
project that works that date. In step 2 the ranking starts with the **project's priority**
(higher keeps the day), then the rules above; a task delayed off a date starts on its own
project's next working day. Only tasks of the projects given as networks move; the bookings of
:class:`FixedProject` s (projects the user does not manage, or did not choose) count as load at
their current dates that nothing can move. In step 3 each project's own engine passes run again
(links stay within a project), so each project's float and finish are its own. Only the days on
which a levelled project has work count as conflicts: another project's over-allocation alone is
not ours to report.

Limits: tasks are not split and assignments are not reshaped (a task that alone books more than a
day's capacity can never be levelled, and is reported); delays are whole working days; the
result is a good plan, not an optimal one (optimal levelling is NP-hard).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
from scheduling.workdays import WorkCalendar, shown_finish_index

__all__ = [
    "DEFAULT_PRIORITY",
    "DateConflict",
    "Demand",
    "FixedProject",
    "Move",
    "Plan",
    "PortfolioPlan",
    "ProjectMoves",
    "ProjectNetwork",
    "level",
    "level_across",
]

#: A task's priority when none is given (MS Project's default; higher keeps its dates first).
DEFAULT_PRIORITY = 500

# Hours are compared exactly as integers of 1/10,000 h: capacity has 2 places and units are
# whole percentages, so capacity × units / 100 has at most 4.
_SCALE = 10_000

_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
# The index of a day in a project that does not work it: below every task's start.
_NOWHERE = int(np.iinfo(np.int64).min) // 2


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


# --- across projects: inputs and answer -----------------------------------------------------------


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


# --- the common day axis --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Axis:
    """Where a project's working-day indexes fall on the day axis levelling counts loads on:
    the indexes themselves for one project (no ``calendar``), or dates (days since 1970-01-01)
    so that projects on different calendars meet on the same day."""

    calendar: WorkCalendar | None = None

    def days(self, indexes: IntArray) -> IntArray:
        if self.calendar is None:
            return indexes
        return self.calendar.indexes_to_dates(indexes).astype(np.int64)

    def index(self, day: int) -> int:
        """The project's index of axis ``day``; :data:`_NOWHERE` on a day it does not work."""
        if self.calendar is None:
            return day
        date = datetime.date.fromordinal(day + _EPOCH_ORDINAL)
        if not self.calendar.is_working_day(date):
            return _NOWHERE
        return self.calendar.date_to_index(date)


def _axis_day(date: datetime.date) -> int:
    return date.toordinal() - _EPOCH_ORDINAL


@dataclass
class _Part:
    """One project among the tasks levelled together: positions ``[first, first + size)``.
    A part without a ``network`` is fixed load: its starts never change."""

    project_id: int
    axis: _Axis
    first: int
    size: int
    network: Network | None = None
    priority: int = DEFAULT_PRIORITY

    @property
    def span(self) -> slice:
        return slice(self.first, self.first + self.size)


# --- the method -----------------------------------------------------------------------------------


def _finish(schedule: ScheduleArrays) -> int:
    """The exclusive index after the schedule's shown finish (0 for no tasks)."""
    if not schedule.early_start.size:
        return 0
    return int(shown_finish_index(schedule.early_start, schedule.early_finish)) + 1


def _units(hours: Decimal) -> int:
    return int((Decimal(hours) * _SCALE).to_integral_value())


def _hours(units: int) -> Decimal:
    return Decimal(units) / _SCALE


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
class _Load:
    """People × axis days from ``low``: hours booked, the day's capacity, and the cells that
    are over capacity on a day a levelled project has work (hours in 1/10,000 h)."""

    low: int
    total: IntArray
    limit: IntArray
    over: BoolArray


@dataclass(frozen=True)
class _Bookings:
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
    ) -> _Bookings:
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
            hours=np.array([_units(d.hours_per_day) for d in kept], np.int64),
            duration=duration[task] if kept else np.zeros(0, np.int64),
            part=part,
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
            lanes=lanes,
        )

    def overload(self, start: IntArray, parts: Sequence[_Part], levelled: BoolArray) -> _Load:
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
        return _Load(low=low, total=total, limit=limit, over=over if mine is None else over & mine)

    def on_day(self, start: IntArray, index: IntArray, row: int) -> list[tuple[int, int, int]]:
        """(task position, hours, the day's index in its project) of person ``row``'s bookings
        that work on the axis day whose index in each part is ``index``."""
        begin = start[self.task]
        at = index[self.part]
        on = (begin <= at) & (begin + self.duration > at) & (self.row == row)
        return [
            (int(self.task[k]), int(self.hours[k]), int(at[k])) for k in np.flatnonzero(on).tolist()
        ]


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
    day: int, start: IntArray, index: IntArray, *, load: _Load, bookings: _Bookings, rules: _Rules
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
    parts: Sequence[_Part],
    state: _State,
    bookings: _Bookings,
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
class _Solution:
    """What the shared core found: the unlevelled schedules and latest starts, the final state
    and the bookings it counted."""

    first: dict[int, ScheduleArrays]
    start0: IntArray
    latest0: IntArray
    state: _State
    bookings: _Bookings
    part_of: IntArray
    conflicts_before: int
    complete: bool


def _solve(
    parts: list[_Part],
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
) -> _Solution:
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
    bookings = _Bookings.of(
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
    return _Solution(
        first=first,
        start0=start0,
        latest0=latest0,
        state=state,
        bookings=bookings,
        part_of=part_of,
        conflicts_before=conflicts_before,
        complete=complete,
    )


def _moves(part: _Part, solution: _Solution) -> tuple[Move, ...]:
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
    network = prepare_network(tasks, list(links))
    part = _Part(project_id=0, axis=_Axis(), first=0, size=len(tasks), network=network)
    position = {task_id: i for i, task_id in enumerate(network.ids)}
    solution = _solve(
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
        moves=_moves(part, solution),
        remaining=_remaining(
            solution.bookings,
            solution.state.start,
            position=position,
            duration=network.durations,
            capacity=capacity,
            days_off=days_off,
        ),
        conflicts_before=solution.conflicts_before,
        finish_before=_finish(solution.first[0]),
        finish_after=_finish(solution.state.schedules[0]),
        allow_past_float=allow_past_float,
        complete=solution.complete,
    )


def _date_conflicts(
    solution: _Solution, parts: Sequence[_Part], ids: IntArray
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
                date=datetime.date.fromordinal(day + _EPOCH_ORDINAL),
                booked=_hours(int(load.total[row, column])),
                capacity=_hours(int(load.limit[row, column])),
                day_off=(row, day) in off,
                projects=tuple(
                    (project, _hours(booked), tuple(sorted(set(tasks))))
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
    parts: list[_Part] = []
    position: dict[int, int] = {}
    durations: list[IntArray] = []
    task_priority: dict[int, int] = {}
    first = 0
    for project in projects:
        tasks = list(project.tasks)
        network = prepare_network(tasks, list(project.links))
        parts.append(
            _Part(
                project_id=project.id,
                axis=_Axis(project.calendar),
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
            _Part(project_id=project.id, axis=_Axis(project.calendar), first=first, size=size)
        )
        first += size
    fixed_start = np.zeros(first, np.int64)
    fixed_start[networks_end:] = fixed_starts
    duration = np.concatenate([*durations, np.array(fixed_durations, np.int64)])
    off = {
        person: frozenset(_axis_day(day) for day in days)
        for person, days in (days_off or {}).items()
    }
    solution = _solve(
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
                moves=_moves(part, solution),
                finish_before=_finish(solution.first[k]),
                finish_after=_finish(solution.state.schedules[k]),
            )
            for k, part in enumerate(parts)
            if part.network is not None
        ),
        remaining=_date_conflicts(solution, parts, ids),
        conflicts_before=solution.conflicts_before,
        allow_past_float=allow_past_float,
        complete=solution.complete,
    )
