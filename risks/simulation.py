"""Monte Carlo schedule and cost forecast driven by the risk register (DESIGN §4 "Risk").

Pure: numpy and the schedule engine only, no Django, no clock, no I/O. Services feed frozen
dataclasses in and store the :class:`SimulationResult`.

What one iteration is
---------------------
Every task gets a duration in whole working days: a task with a three-point estimate draws one
from its triangular (default) or beta-PERT (lambda = 4) distribution, a task without one keeps
its ``duration``. Each risk event fires with its probability; a fired event adds its schedule
impact to the named tasks' durations and its cost impact to the cost. The network is then
scheduled with exactly the rules of :mod:`scheduling.engine` (FS/SS/FF/SF links with lags and
leads, "start no earlier than" constraints, no start before index 0, actual starts and finishes
fixed, deadlines and ``must_finish_by`` in the backward pass), giving the iteration's finish
index and which tasks were critical (total float <= 0).

Whole working days
------------------
A sampled duration is rounded half up to whole days (``floor(x + 0.5)``). The engine, the
calendar and every date the user sees work in whole working days, so a fractional day has no
meaning downstream; integers also keep money exact (whole days times a rate in cents is a
whole number of cents, which float64 holds exactly), which is what lets a certain cost event of
1,000 move every cost percentile by exactly 1,000.00. Rounding adds about 1/12 day² of
variance per uncertain task (Sheppard's correction) and leaves the mean within a few hundredths
of a day. Estimates must be >= 0, so a rounded duration is never negative; a negative schedule
impact (an opportunity) is clamped so a duration never drops below 0. With every task fixed and
no risk events each iteration *is* the CPM schedule, so every percentile equals the engine's
finish exactly.

Semantics worth knowing
-----------------------
* A finished task (actual finish) keeps its actual length: no sampling, no risk impact.
  A started task keeps its actual start and samples its duration from it.
* ``duration`` is the plan: the deterministic CPM (``deterministic_finish``) uses it and the
  cost of a task moves by ``cost_per_day`` times (sampled duration - ``duration``).
  ``most_likely`` defaults to ``duration`` when only optimistic and pessimistic are given.
* Percentiles are order statistics: P80 is the smallest finish index (exclusive, like
  :attr:`ScheduleResult.finish`; the shown finish date is the working day at index - 1) that at
  least 80 % of iterations reach, likewise for cost.
* Drivers (tornado chart) are Spearman rank correlations, with mid-ranks for ties, between each
  uncertain task's sampled duration (before risk impacts), or each risk event's firing, and the
  finish, over the first ``DRIVER_SAMPLE`` iterations (standard error about 0.02, far below
  what changes a tornado's order; ranks over all 10,000 would need every sampled duration
  kept, 160 MB at 10,000 tasks). Only tasks critical in at least one iteration are ranked: a
  task that never is cannot move the finish, and its correlation would be noise.
* Same seed, same result: the random numbers come from generators per block of ``BLOCK``
  iterations, seeded from ``(seed, block, 0)`` for the risks and ``(seed, block, 1)`` for the
  durations. So the answer does not depend on how many iterations are simulated together (the
  memory budget), and adding a risk changes no task's samples (a certain cost event shifts
  every cost percentile by exactly its amount).

Speed and memory
----------------
Iterations are simulated in chunks, the chunk's arrays shaped ``(tasks, iterations)`` so that
one task's values for all iterations are one contiguous row. Tasks are renumbered by
topological level (longest path in links from a task without predecessors), so a level is a
contiguous block of rows; each level's incoming links are gathered in one ``np.take`` and
reduced per successor with a few slice-wide ``np.maximum`` calls (see :class:`_Step`); the
backward pass replays the levels in reverse with ``np.minimum``. Early and late dates share one
buffer (early start/finish rows are overwritten by late start/finish once a level's
criticality is counted). The passes are bound by memory traffic, so the matrices are int16
whenever a bound on every value they can hold fits (:func:`_value_range`; any network shorter
than ~125 years of working days), int32 otherwise: about 6-12 bytes per task and iteration.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from scheduling.engine import (
    LINK_TYPES,
    MISSING,
    CycleError,
    LinkInput,
    compute_schedule_arrays,
)

__all__ = [
    "BLOCK",
    "DRIVER_SAMPLE",
    "PERCENTILES",
    "Distribution",
    "Driver",
    "LinkInput",
    "RiskEvent",
    "SampledSchedules",
    "SimulationResult",
    "SimulationTask",
    "schedule_samples",
    "simulate",
]

Distribution = Literal["triangular", "pert"]

#: The percentiles reported for finish and cost.
PERCENTILES: tuple[int, ...] = (10, 50, 80, 90, 95)
#: Iterations drawn from one seeded generator; chunks are whole multiples of it.
BLOCK = 500
#: Iterations the driver (tornado) correlations are computed over.
DRIVER_SAMPLE = 2_000
#: Default bytes for one chunk's working arrays; the rest of a run needs far less.
MEMORY_BUDGET = 160 * 2**20

_CENT = Decimal("0.01")
_FS, _SS, _FF, _SF = range(4)
_LINK_CODE = {name: code for code, name in enumerate(LINK_TYPES)}
# Samples are generated in row groups of about this many values so the ~10 temporary passes of
# the inverse CDF stay in the CPU cache instead of streaming through memory.
_SAMPLE_GROUP = 1 << 16
# The range of the compact int16 matrices.
_INT16_MIN, _INT16_MAX = int(np.iinfo(np.int16).min), int(np.iinfo(np.int16).max)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


# --- Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimulationTask:
    """A task to simulate; day indexes and working days as in :mod:`scheduling.engine`.

    ``duration`` is the planned (deterministic) duration. With ``optimistic`` and
    ``pessimistic`` set (``most_likely`` defaults to ``duration``) each iteration samples the
    duration instead. ``cost_per_day`` is what one more (or less) working day costs.
    """

    id: int
    duration: int
    optimistic: float | None = None
    most_likely: float | None = None
    pessimistic: float | None = None
    constraint: int | None = None
    deadline: int | None = None
    actual_start: int | None = None
    actual_finish: int | None = None
    cost_per_day: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A risk that fires with ``probability`` (0-1) in an iteration.

    When it fires, ``schedule_impact`` (task id -> working days) is added to those tasks'
    durations and ``cost_impact`` to the cost. Negative values model opportunities.
    """

    id: int
    probability: float
    schedule_impact: Mapping[int, int] = field(default_factory=dict)
    cost_impact: Decimal = Decimal(0)


class _ScheduledTask(Protocol):
    """What :func:`schedule_samples` reads from a task (``TaskInput`` has it too)."""

    @property
    def id(self) -> int: ...
    @property
    def duration(self) -> int: ...
    @property
    def constraint(self) -> int | None: ...
    @property
    def deadline(self) -> int | None: ...
    @property
    def actual_start(self) -> int | None: ...
    @property
    def actual_finish(self) -> int | None: ...


# --- Results -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Driver:
    """One bar of the tornado chart: Spearman correlation of a task or risk with the finish."""

    kind: Literal["task", "risk"]
    id: int
    correlation: float


@dataclass(frozen=True)
class SimulationResult:
    """The forecast.

    Finish values are exclusive finish indexes (the engine's ``finish``). The finish
    distribution lists every index from the earliest to the latest simulated finish with its
    count and the S-curve (percent of iterations finished by then). Cost bins are
    ``[edges[i], edges[i + 1])`` with ``counts[i]`` iterations each. ``criticality`` is the
    share of iterations in which each task had total float <= 0.
    """

    iterations: int
    seed: int
    distribution: Distribution
    deterministic_finish: int
    base_cost: Decimal
    finish_percentiles: dict[int, int]
    cost_percentiles: dict[int, Decimal]
    finish_mean: float
    finish_std: float
    cost_mean: Decimal
    cost_std: Decimal
    finish_indexes: tuple[int, ...]
    finish_counts: tuple[int, ...]
    finish_cumulative: tuple[float, ...]
    cost_bin_edges: tuple[Decimal, ...]
    cost_counts: tuple[int, ...]
    criticality: dict[int, float]
    drivers: tuple[Driver, ...]
    driver_iterations: int


@dataclass(frozen=True)
class SampledSchedules:
    """Many schedules of one network, one row per scenario, columns in input task order."""

    finish: IntArray
    early_start: IntArray
    critical: BoolArray


# --- Prepared network ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Step:
    """One topological level of one pass: the links into (forward) or out of (backward) the
    level's tasks, rows ``[t0, t1)``.

    ``order`` lists the tasks (level-local rows) by decreasing number of links, None when that
    is the natural row order. The j-th link of every task that has one then forms a contiguous
    block ("slot") of ``source``, tasks in ``order``, with ``slots[j]`` rows, so the per-task
    maximum (minimum) is a few slice-wide ``np.maximum`` calls instead of a ``reduceat``, which
    is 30x slower along this axis.
    """

    t0: int
    t1: int
    order: IntArray | None
    inverse: IntArray | None  # position of each natural row in ``order``
    slots: tuple[int, ...]
    source: IntArray  # row of the (start; finish) stack each link reads
    lag: npt.NDArray[np.int32] | None  # (links, 1), None when every lag is 0
    fix_at: IntArray | None  # links whose bound needs a duration moved ...
    fix_rows: IntArray | None  # ... and whose duration (row) that is
    floor: npt.NDArray[np.int32] | None  # forward: earliest start (tasks, 1) in ``order``
    due_at: IntArray | None  # backward: tasks (local rows) with a deadline ...
    due: IntArray | None  # ... and the deadline, (tasks, 1)


def _slot_layout(local: IntArray, size: int) -> tuple[IntArray, IntArray, tuple[int, ...]]:
    """Order tasks by decreasing link count and the links slot by slot (see :class:`_Step`).

    ``local`` is each link's task (level-local row). Returns the task order, the link order and
    the slot sizes.
    """
    degree = np.bincount(local, minlength=size)
    order = np.argsort(-degree, kind="stable")
    rank = np.empty(size, np.int64)
    rank[order] = np.arange(size)
    by_task = np.argsort(rank[local], kind="stable")
    task_rank = rank[local][by_task]
    first = np.searchsorted(task_rank, task_rank)
    slot = np.arange(local.size) - first
    link_order = by_task[np.lexsort((task_rank, slot))]
    return order, link_order, tuple(np.bincount(slot).tolist())


@dataclass(frozen=True)
class _Plan:
    """A validated network renumbered by topological level; ``row[i]`` is input task ``i``'s
    row in the chunk arrays."""

    size: int
    row: IntArray
    length: IntArray  # effective deterministic durations, in row order
    earliest: IntArray  # row order
    finished: BoolArray  # row order
    forward: tuple[_Step, ...]
    first_level_end: int
    backward: tuple[_Step, ...]
    must_finish_by: int | None
    deterministic_finish: int


def _ids(tasks: Sequence[_ScheduledTask]) -> dict[int, int]:
    position: dict[int, int] = {}
    for index, task in enumerate(tasks):
        if task.id in position:
            raise ValueError(f"task id {task.id} appears twice")
        position[task.id] = index
    return position


def _column(values: list[int | None]) -> IntArray:
    return np.array([MISSING if value is None else value for value in values], np.int64)


def _prepare(
    tasks: Sequence[_ScheduledTask],
    links: Sequence[LinkInput],
    must_finish_by: int | None,
) -> _Plan:
    """Validate through the schedule engine (one deterministic CPM), then build the levels."""
    position = _ids(tasks)
    n = len(tasks)
    try:
        pred = np.array([position[link.predecessor] for link in links], np.int64)
        succ = np.array([position[link.successor] for link in links], np.int64)
    except KeyError as error:
        raise ValueError(f"a link refers to unknown task {error.args[0]}") from None
    try:
        kind = np.array([_LINK_CODE[link.type] for link in links], np.int64)
    except KeyError as error:
        raise ValueError(f"unknown link type {error.args[0]!r}; use FS, SS, FF or SF") from None
    lag = np.array([link.lag for link in links], np.int64)
    ids = [task.id for task in tasks]
    actual_start = _column([task.actual_start for task in tasks])
    actual_finish = _column([task.actual_finish for task in tasks])
    try:
        cpm = compute_schedule_arrays(
            np.array([task.duration for task in tasks], np.int64),
            pred,
            succ,
            kind,
            lag,
            constraint=_column([task.constraint for task in tasks]),
            deadline=_column([task.deadline for task in tasks]),
            actual_start=actual_start,
            actual_finish=actual_finish,
            must_finish_by=must_finish_by,
        )
    except CycleError as error:
        raise CycleError([ids[index] for index in error.task_ids]) from None

    # The engine's own effective durations (actuals included) and start bounds: EF - ES is the
    # length it used, and a started task (its ES is its actual start) ignores incoming links.
    length = cpm.early_finish - cpm.early_start
    finished = actual_finish != MISSING
    started = (actual_start != MISSING) | finished
    earliest = np.array([max(task.constraint or 0, 0) for task in tasks], np.int64)
    earliest[started] = cpm.early_start[started]
    active = ~started[succ]
    pred, succ, kind, lag = pred[active], succ[active], kind[active], lag[active]

    # Level = longest path in active links from a task without any: Kahn, a frontier at a time.
    depth = np.zeros(n, np.int64)
    waiting = np.bincount(succ, minlength=n)
    by_pred = np.argsort(pred, kind="stable")
    first_out = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(pred, minlength=n), out=first_out[1:])
    frontier = np.flatnonzero(waiting == 0)
    level = 0
    while frontier.size:
        depth[frontier] = level
        level += 1
        counts = first_out[frontier + 1] - first_out[frontier]
        out = by_pred[
            np.repeat(first_out[frontier] - np.cumsum(counts) + counts, counts)
            + np.arange(int(counts.sum()))
        ]
        targets = succ[out]
        np.subtract.at(waiting, targets, 1)
        frontier = np.unique(targets[waiting[targets] == 0])

    # Rows: by level, and inside a level by decreasing number of outgoing links, which is the
    # backward pass's slot order (the forward pass reorders, one copy per level).
    out_degree = np.bincount(pred, minlength=n)
    order = np.lexsort((-out_degree, depth))
    row = np.empty(n, np.int64)
    row[order] = np.arange(n)
    level_of_row = depth[order]
    bounds = np.flatnonzero(np.diff(level_of_row, prepend=-1, append=level + 1)).tolist()
    p, s = row[pred], row[succ]
    finish_end_pred = (kind == _FS) | (kind == _FF)
    finish_end_succ = (kind == _FF) | (kind == _SF)
    earliest_rows = earliest[order]
    negative_start = bool((earliest < 0).any())
    deadline_rows = _column([task.deadline for task in tasks])[order]

    forward: list[_Step] = []
    by_succ = np.argsort(s, kind="stable")
    link_cut = np.searchsorted(s[by_succ], bounds).tolist()
    for t0, t1, lo, hi in zip(bounds[1:-1], bounds[2:], link_cut[1:-1], link_cut[2:], strict=True):
        tasks_order, link_order, slots = _slot_layout(s[by_succ[lo:hi]] - t0, t1 - t0)
        chosen = by_succ[lo:hi][link_order]
        link_lag = lag[chosen]
        fix = np.flatnonzero(finish_end_succ[chosen])
        floor_needed = (
            negative_start or fix.size > 0 or (link_lag < 0).any() or earliest_rows[t0:t1].any()
        )
        natural = bool((tasks_order == np.arange(t1 - t0)).all())
        forward.append(
            _Step(
                t0=t0,
                t1=t1,
                order=None if natural else tasks_order,
                inverse=None if natural else np.argsort(tasks_order),
                slots=slots,
                source=p[chosen] + n * finish_end_pred[chosen],
                lag=link_lag[:, None].astype(np.int32) if link_lag.any() else None,
                fix_at=fix if fix.size else None,
                fix_rows=s[chosen][fix] if fix.size else None,
                floor=(
                    earliest_rows[t0 + tasks_order, None].astype(np.int32) if floor_needed else None
                ),
                due_at=None,
                due=None,
            )
        )

    backward: list[_Step] = []
    by_pred = np.argsort(p, kind="stable")
    link_cut = np.searchsorted(p[by_pred], bounds).tolist()
    for t0, t1, lo, hi in zip(bounds[:-1], bounds[1:], link_cut[:-1], link_cut[1:], strict=True):
        _, link_order, slots = _slot_layout(p[by_pred[lo:hi]] - t0, t1 - t0)
        chosen = by_pred[lo:hi][link_order]
        fix = np.flatnonzero(~finish_end_pred[chosen])
        link_lag = lag[chosen]
        due_local = np.flatnonzero(deadline_rows[t0:t1] != MISSING)
        backward.append(
            _Step(
                t0=t0,
                t1=t1,
                order=None,
                inverse=None,
                slots=slots,
                source=s[chosen] + n * finish_end_succ[chosen],
                lag=link_lag[:, None].astype(np.int32) if link_lag.any() else None,
                fix_at=fix if fix.size else None,
                fix_rows=p[chosen][fix] if fix.size else None,
                floor=None,
                due_at=due_local if due_local.size else None,
                due=deadline_rows[t0:t1][due_local, None] if due_local.size else None,
            )
        )
    return _Plan(
        size=n,
        row=row,
        length=length[order],
        earliest=earliest_rows,
        finished=finished[order],
        forward=tuple(forward),
        first_level_end=bounds[1] if n else 0,
        backward=tuple(backward[::-1]),
        must_finish_by=must_finish_by,
        deterministic_finish=cpm.finish,
    )


# --- The vectorised passes -----------------------------------------------------------------------


def _gather(
    dates: npt.NDArray[np.int32],
    durations: npt.NDArray[np.integer],
    step: _Step,
    links: npt.NDArray[np.int32],
    sign: int,
) -> None:
    """Each link's bound on its task, slot after slot, into ``links``.

    Forward (``sign`` -1): bound on ES(s) = (ES or EF of p) + lag, minus D(s) for FF/SF.
    Backward (``sign`` +1): bound on LF(p) = (LS or LF of s) - lag, plus D(p) for SS/SF.
    """
    np.take(dates, step.source, axis=0, out=links, mode="clip")
    if step.lag is not None:
        if sign < 0:
            links += step.lag
        else:
            links -= step.lag
    if step.fix_at is not None:
        moved = durations[step.fix_rows]
        if sign < 0:
            links[step.fix_at] -= moved
        else:
            links[step.fix_at] += moved


def _reduce(links: npt.NDArray[np.int32], slots: tuple[int, ...], combine: np.ufunc) -> None:
    """Fold slots 1.. into slot 0 (``links[:slots[0]]``) with ``combine``."""
    offset = slots[0]
    for count in slots[1:]:
        combine(links[:count], links[offset : offset + count], out=links[:count])
        offset += count


def _forward(
    plan: _Plan,
    dates: np.ndarray,
    scratch: np.ndarray,
    shift: np.ndarray,
    length: np.ndarray,
) -> None:
    """The forward pass into ``dates`` (ES over EF). FF/SF bounds subtract ``shift`` and
    EF = ES + ``length``; both are the durations, except when :func:`_value_range` bounds them.
    """
    n, c = length.shape
    start, end = dates[:n], dates[n:]
    first = plan.first_level_end
    start[:first] = plan.earliest[:first, None]
    np.add(start[:first], length[:first], out=end[:first])
    for step in plan.forward:
        t0, t1 = step.t0, step.t1
        links = scratch[: step.source.size * c].reshape(step.source.size, c)
        _gather(dates, shift, step, links, -1)
        _reduce(links, step.slots, np.maximum)
        bound = links[: t1 - t0]
        if step.order is None:
            if step.floor is None:
                start[t0:t1] = bound
            else:
                np.maximum(bound, step.floor, out=start[t0:t1])
        else:
            if step.floor is not None:
                np.maximum(bound, step.floor, out=bound)
            np.take(bound, step.inverse, axis=0, out=start[t0:t1], mode="clip")
        np.add(start[t0:t1], length[t0:t1], out=end[t0:t1])


def _value_range(plan: _Plan, shortest: IntArray, longest: IntArray) -> tuple[int, int]:
    """Bounds on every date and intermediate value the passes can compute when each task's
    duration lies in ``[shortest, longest]`` (row order), to decide if int16 can hold them.

    An early start is a longest path whose link weights ``lag + D(p)[FS/FF] - D(s)[FF/SF]``
    grow with the predecessor's duration and shrink with the successor's, and a longest path
    only grows with its weights: so the forward pass with ``longest`` for D(p) and EF and
    ``shortest`` for D(s) bounds every ES and EF from above, and the backward pass the other
    way round bounds every LS and LF from below. Starts are at least the smallest earliest
    start. Intermediate sums differ from these by at most a lag and a duration.
    """
    n = plan.size
    if not n:
        return 0, 0
    dates = np.zeros((2 * n, 1), np.int64)
    scratch = np.empty(_scratch_size(plan), np.int64)
    low, high = shortest[:, None], longest[:, None]
    _forward(plan, dates, scratch, low, high)
    start, end = dates[:n], dates[n:]
    top = int(end.max())
    mfb = plan.must_finish_by
    # The finish is at least any task's earliest start; caps are at least the finish or the
    # must-finish-by date, and a deadline (a task with work gets one day more, never less).
    cap = int(plan.earliest.max()) if mfb is None else mfb
    if mfb is not None:
        top = max(top, mfb + 1)
    lags = [0]
    for step in plan.backward:
        t0, t1 = step.t0, step.t1
        lf = np.full((t1 - t0, 1), cap, np.int64)
        if step.due_at is not None:
            lf[step.due_at] = np.minimum(lf[step.due_at], step.due)
            top = max(top, int(step.due.max()) + 1)
        linked = step.slots[0] if step.slots else 0
        if linked:
            links = scratch[: step.source.size].reshape(step.source.size, 1)
            _gather(dates, low, step, links, 1)
            _reduce(links, step.slots, np.minimum)
            np.minimum(lf[:linked], links[:linked], out=lf[:linked])
            if step.lag is not None:
                lags.append(int(np.abs(step.lag).max()))
        end[t0:t1] = lf
        start[t0:t1] = lf - high[t0:t1]
    margin = max(lags) + int(longest.max())
    bottom = min(int(start.min()), int(plan.earliest.min()))
    return bottom - margin, top + margin


def _passes(
    plan: _Plan,
    durations: np.ndarray,
    dates: np.ndarray,
    scratch: np.ndarray,
    critical_count: FloatArray | None = None,
    critical_rows: BoolArray | None = None,
    early_start: np.ndarray | None = None,
) -> np.ndarray:
    """Schedule every column of ``durations`` (rows in plan order); returns each finish.

    ``dates`` (2n, c) receives ES over EF, then LS over LF; ``scratch`` is a flat buffer of at
    least ``_scratch_size(plan) * c`` values, all of the plan's integer type. Criticality goes
    to ``critical_count`` (per row, summed over the columns) and/or ``critical_rows`` (per row
    and column); ``early_start`` gets a copy of the ES rows.
    """
    n, c = durations.shape
    start, end = dates[:n], dates[n:]
    _forward(plan, dates, scratch, durations, durations)
    finish = end.max(axis=0) if n else np.zeros(c, dates.dtype)
    if early_start is not None:
        early_start[...] = start

    # Backward, in late-finish terms: LF = min(cap, bounds of the outgoing links), LS = LF - D.
    mfb = plan.must_finish_by
    ones = np.ones(c, np.float32)
    for step in plan.backward:
        t0, t1 = step.t0, step.t1
        width = t1 - t0
        linked = step.slots[0] if step.slots else 0
        lf = scratch[: width * c].reshape(width, c)
        if mfb is None:
            cap: npt.NDArray[np.integer] = finish
        else:
            # As the engine: a task with work must end by the day after the inclusive date.
            cap = (durations[t0:t1] > 0) + dates.dtype.type(mfb)
        if linked:
            links = scratch[width * c : (width + step.source.size) * c].reshape(step.source.size, c)
            _gather(dates, durations, step, links, 1)
            _reduce(links, step.slots, np.minimum)
            np.minimum(links[:linked], cap if mfb is None else cap[:linked], out=lf[:linked])
        lf[linked:] = cap if mfb is None else cap[linked:]
        if step.due_at is not None:
            due = (durations[t0:t1][step.due_at] > 0) + step.due
            lf[step.due_at] = np.minimum(lf[step.due_at], due)
        # Total float <= 0  <=>  LS <= ES  <=>  LF <= EF.
        critical = lf <= end[t0:t1]
        if critical_count is not None:
            # A float32 matrix-vector product counts rows 2-3x faster than count_nonzero.
            critical_count[t0:t1] += critical.astype(np.float32) @ ones
        if critical_rows is not None:
            critical_rows[t0:t1] = critical
        end[t0:t1] = lf
        np.subtract(lf, durations[t0:t1], out=start[t0:t1])
    return finish


def _scratch_size(plan: _Plan) -> int:
    """Rows of scratch a level needs: its links plus its tasks."""
    return max(
        (step.source.size + step.t1 - step.t0 for step in (*plan.forward, *plan.backward)),
        default=1,
    )


def _typed(plan: _Plan, shortest: IntArray, longest: IntArray) -> tuple[_Plan, type]:
    """The plan with its per-step constants in the narrowest integer type that holds every
    value of the passes: int16 halves the memory the passes stream through (they are bound
    by memory, not arithmetic), int32 otherwise (networks spanning over ~125 years)."""
    low, high = _value_range(plan, shortest, longest)
    kind: type = np.int16 if _INT16_MIN < low and high < _INT16_MAX else np.int32

    def cast(values: np.ndarray | None) -> np.ndarray | None:
        return None if values is None else values.astype(kind)

    def typed(step: _Step) -> _Step:
        return replace(step, lag=cast(step.lag), floor=cast(step.floor), due=cast(step.due))

    return (
        replace(
            plan,
            earliest=plan.earliest.astype(kind),
            forward=tuple(map(typed, plan.forward)),
            backward=tuple(map(typed, plan.backward)),
        ),
        kind,
    )


def schedule_samples(
    tasks: Sequence[_ScheduledTask],
    links: Sequence[LinkInput],
    durations: npt.ArrayLike,
    *,
    must_finish_by: int | None = None,
) -> SampledSchedules:
    """Schedule the network once per row of ``durations`` (scenarios x tasks, input order).

    The engine's rules for every row at once: the same finish, early starts and critical flags
    as :func:`scheduling.engine.compute_schedule` with those durations. A finished task keeps
    its actual length whatever its column says.
    """
    plan = _prepare(tasks, links, must_finish_by)
    matrix = np.asarray(durations)
    if matrix.ndim != 2 or matrix.shape[1] != plan.size:
        raise ValueError(f"durations must be scenarios x {plan.size} tasks")
    if matrix.size and not np.issubdtype(matrix.dtype, np.integer):
        raise ValueError("durations must be whole working days (integers)")
    if (matrix < 0).any():
        raise ValueError("durations must not be negative")
    scenarios = matrix.shape[0]
    wide = np.empty((plan.size, scenarios), np.int64)
    wide[plan.row] = matrix.T
    wide[plan.finished] = plan.length[plan.finished, None]
    if not wide.size:
        wide = np.zeros((plan.size, max(scenarios, 1)), np.int64)
    plan, kind = _typed(plan, wide.min(axis=1), wide.max(axis=1))
    rows = wide.astype(kind)[:, :scenarios]
    dates = np.empty((2 * plan.size, scenarios), kind)
    scratch = np.empty(_scratch_size(plan) * scenarios, kind)
    critical = np.empty((plan.size, scenarios), np.bool_)
    early = np.empty((plan.size, scenarios), kind)
    finish = _passes(plan, rows, dates, scratch, critical_rows=critical, early_start=early)
    return SampledSchedules(
        finish=finish.astype(np.int64),
        early_start=early[plan.row].T.astype(np.int64),
        critical=critical[plan.row].T.copy(),
    )


# --- Sampling ------------------------------------------------------------------------------------


def _cents(amount: Decimal | int | float, what: str) -> int:
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite amount, got {amount}")
    return int(value.quantize(_CENT, rounding=ROUND_HALF_UP) * 100)


def _check_estimate(task: SimulationTask) -> tuple[float, float, float] | None:
    """The task's (optimistic, most likely, pessimistic), or None for a fixed task."""
    given = (task.optimistic, task.most_likely, task.pessimistic)
    if given == (None, None, None):
        return None
    if task.optimistic is None or task.pessimistic is None:
        raise ValueError(f"task {task.id}: a three-point estimate needs optimistic and pessimistic")
    low = float(task.optimistic)
    likely = float(task.duration if task.most_likely is None else task.most_likely)
    high = float(task.pessimistic)
    if not all(math.isfinite(value) for value in (low, likely, high)):
        raise ValueError(f"task {task.id}: estimates must be finite numbers")
    if low < 0:
        raise ValueError(f"task {task.id}: optimistic estimate {low:g} is negative")
    if high < low:
        raise ValueError(
            f"task {task.id}: pessimistic estimate {high:g} is less than optimistic {low:g}"
        )
    if not low <= likely <= high:
        what = "most likely estimate" if task.most_likely is not None else "duration (most likely)"
        raise ValueError(
            f"task {task.id}: {what} {likely:g} is outside "
            f"optimistic..pessimistic ({low:g}..{high:g})"
        )
    return low, likely, high


@dataclass(frozen=True)
class _Sampler:
    """Distribution parameters of the uncertain tasks, one row each, in plan-row order.

    Samples are ``x + 0.5`` (hence ``low``/``high`` are shifted by half a day); truncating that
    to an integer, which the assignment into the duration matrix does, is rounding half up,
    because ``x >= 0``.
    """

    rows: IntArray  # plan rows
    low: npt.NDArray[np.float32]  # (k, 1) each: a + 0.5
    high: npt.NDArray[np.float32]  # b + 0.5
    left: npt.NDArray[np.float32]  # triangular: (b - a)(m - a)
    left_cap: npt.NDArray[np.float32]  # (m - a)^2, the left branch's value at the mode
    right: npt.NDArray[np.float32]  # triangular: (b - a)(b - m)
    right_cap: npt.NDArray[np.float32]  # (b - m)^2
    shift: npt.NDArray[np.float32]  # a + b - m + 0.5
    alpha: FloatArray  # PERT: 1 + 4 (m - a) / (b - a)
    beta: FloatArray  # PERT: 1 + 4 (b - m) / (b - a)

    @classmethod
    def build(cls, rows: IntArray, estimates: list[tuple[float, float, float]]) -> _Sampler:
        table = np.array(estimates, np.float64).reshape(-1, 3)
        a, m, b = table[:, 0:1], table[:, 1:2], table[:, 2:3]
        width = b - a

        def single(values: FloatArray) -> npt.NDArray[np.float32]:
            return values.astype(np.float32)

        return cls(
            rows=rows,
            low=single(a + 0.5),
            high=single(b + 0.5),
            left=single(width * (m - a)),
            left_cap=single((m - a) ** 2),
            right=single(width * (b - m)),
            right_cap=single((b - m) ** 2),
            shift=single(a + b - m + 0.5),
            alpha=1 + 4 * (m - a) / width,
            beta=1 + 4 * (b - m) / width,
        )

    def triangular(
        self,
        rng: np.random.Generator,
        lo: int,
        hi: int,
        out: npt.NDArray[np.float32],
        work: npt.NDArray[np.float32],
    ) -> None:
        """Triangular samples (+ 0.5) of rows ``lo:hi`` into ``out``, by the inverse CDF.

        The inverse CDF is ``a + sqrt(u (b-a)(m-a))`` below the mode's probability ``c`` and
        ``b - sqrt((1-u)(b-a)(b-m))`` above. Clamping each square root's argument at its value
        for ``u = c`` (where the branches meet, at m) turns the choice into a sum:
        ``(a + b - m) + sqrt(min(u (b-a)(m-a), (m-a)^2)) - sqrt(min((1-u)(b-a)(b-m), (b-m)^2))``,
        since the clamped branch contributes exactly ``m - a`` or ``b - m``. That avoids
        ``np.where``/masked copies, which cost 5-10x a plain pass. float32 and in place over a
        cache-sized block: ten cheap passes, and float32 resolves a day far finer than rounding.
        """
        u = out
        rng.random(dtype=np.float32, out=u)
        np.multiply(u, self.left[lo:hi], out=work)
        np.minimum(work, self.left_cap[lo:hi], out=work)
        np.sqrt(work, out=work)
        np.subtract(np.float32(1), u, out=u)
        u *= self.right[lo:hi]
        np.minimum(u, self.right_cap[lo:hi], out=u)
        np.sqrt(u, out=u)
        np.subtract(work, u, out=u)
        u += self.shift[lo:hi]

    def pert(
        self,
        rng: np.random.Generator,
        lo: int,
        hi: int,
        out: npt.NDArray[np.float32],
        work: npt.NDArray[np.float32],
    ) -> None:
        """Beta-PERT (lambda 4) samples (+ 0.5) of rows ``lo:hi`` into ``out``."""
        x = rng.beta(self.alpha[lo:hi], self.beta[lo:hi], size=out.shape)
        x *= self.high[lo:hi] - self.low[lo:hi]
        x += self.low[lo:hi]
        out[...] = x


# --- Statistics ----------------------------------------------------------------------------------


def _order_statistic(values: np.ndarray, percent: int) -> float:
    """Smallest value that at least ``percent`` % of the (sorted) values are at or below."""
    rank = max((percent * values.size + 99) // 100, 1)
    return values[rank - 1].item()


def _spearman(samples: np.ndarray, outcome: np.ndarray) -> FloatArray:
    """Spearman correlation (mid-ranks for ties) of each integer row with ``outcome``.

    Ranks come from counting, not sorting: the rows hold small integers, so one ``bincount``
    gives each value's mid-rank and a weighted one the outcome ranks' sum per value.
    """
    size = outcome.size
    rows = samples.shape[0]
    result = np.zeros(rows, np.float64)
    if size < 2 or not rows:
        return result
    finish_rank = _midranks(outcome) - (size + 1) / 2
    finish_spread = float(finish_rank @ finish_rank)
    if finish_spread == 0:
        return result
    low = samples.min(axis=1).astype(np.int64)
    span = samples.max(axis=1).astype(np.int64) - low + 1
    # Rows at a time, so that the index array and the value bins stay a few MB.
    most_rows = max(1, (1 << 22) // size)
    group_start = 0
    while group_start < rows:
        group_end = group_start + 1
        bins = int(span[group_start])
        while (
            group_end < rows
            and group_end - group_start < most_rows
            and bins + span[group_end] <= 1 << 22
        ):
            bins += int(span[group_end])
            group_end += 1
        offset = np.concatenate(([0], np.cumsum(span[group_start:group_end])))
        bins = int(offset[-1])
        index = samples[group_start:group_end] - (low[group_start:group_end] - offset[:-1])[
            :, None
        ].astype(np.int64)
        flat = index.ravel()
        counts = np.bincount(flat, minlength=bins).astype(np.float64)
        rank_sums = np.bincount(
            flat, weights=np.tile(finish_rank, group_end - group_start), minlength=bins
        )
        # Mid-rank of each value within its row, centred on the mean rank.
        below = np.cumsum(counts) - counts
        below -= np.repeat(below[offset[:-1]], span[group_start:group_end])
        centred = below + (counts + 1) / 2 - (size + 1) / 2
        covariance = np.add.reduceat(centred * rank_sums, offset[:-1])
        spread = np.add.reduceat(centred * centred * counts, offset[:-1])
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = covariance / np.sqrt(spread * finish_spread)
        result[group_start:group_end] = np.where(spread > 0, rho, 0.0)
        group_start = group_end
    return result


def _midranks(values: np.ndarray) -> FloatArray:
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    edges = np.flatnonzero(np.diff(ranked, prepend=ranked[0] - 1, append=ranked[-1] + 1))
    mid = (edges[:-1] + edges[1:] + 1) / 2  # 1-based mean rank of each run of ties
    ranks = np.empty(values.size, np.float64)
    ranks[order] = np.repeat(mid, np.diff(edges))
    return ranks


def _money(cents: float) -> Decimal:
    return Decimal(round(cents)).scaleb(-2)


# --- Simulation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    """The validated random parts of a simulation and how they move the cost (in cents)."""

    sampler: _Sampler
    unc_index: list[int]  # input positions of the uncertain tasks, in sampler row order
    base_length: IntArray  # fixed durations (zero-width estimates applied), row order
    probability: npt.NDArray[np.float32]  # per risk
    risk_cost: FloatArray  # per risk, cents
    hits: list[tuple[int, int, int]]  # (risk number, row, days)
    hit_rows: IntArray
    fixed_hit_rows: IntArray  # hit rows that are not sampled (reset every chunk)
    opportunities: bool  # some impact is negative: clamp durations at 0
    sample_rates: FloatArray  # cents per day of each sampler row not hit by a risk
    hit_rates: FloatArray  # cents per day of each hit row
    base_cents: float  # base cost minus the planned cost of the rows priced per iteration
    shortest: IntArray  # the least and most days each row can take, row order
    longest: IntArray

    @classmethod
    def build(
        cls, tasks: list[SimulationTask], risks: list[RiskEvent], plan: _Plan, base_cost: Decimal
    ) -> _Model:
        n = plan.size
        position = {task.id: index for index, task in enumerate(tasks)}
        unc_index: list[int] = []
        estimates: list[tuple[float, float, float]] = []
        rates = np.zeros(n, np.int64)  # cents per day, row order
        planned = np.zeros(n, np.int64)
        base_length = plan.length.copy()
        fixed_rows: list[int] = []
        for index, task in enumerate(tasks):
            estimate = _check_estimate(task)
            rate = _cents(task.cost_per_day, f"task {task.id}: cost per day")
            if rate < 0:
                raise ValueError(f"task {task.id}: cost per day {task.cost_per_day} is negative")
            row = int(plan.row[index])
            rates[row] = rate
            planned[row] = task.duration
            # A finished task is history; a zero-width estimate is a fixed (rounded) duration.
            if estimate is not None and task.actual_finish is None:
                if estimate[0] == estimate[2]:
                    base_length[row] = math.floor(estimate[0] + 0.5)
                    fixed_rows.append(row)
                else:
                    unc_index.append(index)
                    estimates.append(estimate)
        hits: list[tuple[int, int, int]] = []
        probability = np.zeros(len(risks), np.float32)
        risk_cost = np.zeros(len(risks), np.float64)
        seen: set[int] = set()
        for number, risk in enumerate(risks):
            if risk.id in seen:
                raise ValueError(f"risk id {risk.id} appears twice")
            seen.add(risk.id)
            if not 0 <= float(risk.probability) <= 1:
                raise ValueError(f"risk {risk.id}: probability {risk.probability} is outside 0-1")
            probability[number] = risk.probability
            risk_cost[number] = _cents(risk.cost_impact, f"risk {risk.id}: cost impact")
            for task_id, days in risk.schedule_impact.items():
                if task_id not in position:
                    raise ValueError(f"risk {risk.id}: schedule impact on unknown task {task_id}")
                if days != int(days):
                    raise ValueError(
                        f"risk {risk.id}: impact on task {task_id} must be whole working days"
                    )
                row = int(plan.row[position[task_id]])
                if days and not plan.finished[row]:
                    hits.append((number, row, int(days)))

        # Sample by row, so the scatter into the duration matrix walks memory forwards.
        by_row = sorted(range(len(unc_index)), key=lambda k: plan.row[unc_index[k]])
        unc_index = [unc_index[k] for k in by_row]
        sampler = _Sampler.build(plan.row[unc_index], [estimates[k] for k in by_row])
        hit_rows = np.unique(np.array([row for _, row, _ in hits], np.int64))
        hit = np.zeros(n, np.bool_)
        hit[hit_rows] = True
        sampled = np.zeros(n, np.bool_)
        sampled[sampler.rows] = True
        # Each priced row's planned cost is taken off the base once; its sampled duration adds
        # rate x days back every iteration. Zero-width estimates are constant: folded in here.
        sample_rates = np.where(hit[sampler.rows], 0, rates[sampler.rows])
        fixed = np.array(fixed_rows, np.int64)
        fixed = fixed[~hit[fixed]]
        base_cents = (
            _cents(base_cost, "base cost")
            - int(sample_rates @ planned[sampler.rows])
            - int(rates[hit_rows] @ planned[hit_rows])
            + int(rates[fixed] @ (base_length[fixed] - planned[fixed]))
        )
        shortest = base_length.copy()
        longest = base_length.copy()
        # One day of slack each way for float32 rounding; these only bound the int16 range.
        shortest[sampler.rows] = np.floor(sampler.low[:, 0]).astype(np.int64) - 1
        longest[sampler.rows] = np.floor(sampler.high[:, 0]).astype(np.int64) + 1
        for _, row, days in hits:
            (longest if days > 0 else shortest)[row] += days
        np.maximum(shortest, 0, out=shortest)
        return cls(
            sampler=sampler,
            unc_index=unc_index,
            base_length=base_length,
            probability=probability,
            risk_cost=risk_cost,
            hits=hits,
            hit_rows=hit_rows,
            fixed_hit_rows=hit_rows[~sampled[hit_rows]],
            opportunities=any(days < 0 for *_, days in hits),
            sample_rates=sample_rates.astype(np.float64),
            hit_rates=rates[hit_rows].astype(np.float64),
            base_cents=float(base_cents),
            shortest=shortest,
            longest=longest,
        )


def simulate(
    tasks: Sequence[SimulationTask],
    links: Sequence[LinkInput],
    risks: Sequence[RiskEvent] = (),
    *,
    base_cost: Decimal = Decimal(0),
    distribution: Distribution = "triangular",
    iterations: int = 10_000,
    seed: int = 0,
    must_finish_by: int | None = None,
    top_drivers: int = 20,
    cost_bins: int = 20,
    progress: Callable[[int, int], None] | None = None,
    memory_budget: int = MEMORY_BUDGET,
) -> SimulationResult:
    """Run the Monte Carlo forecast (see the module docstring for the rules).

    ``base_cost`` is the planned cost; an iteration's cost is ``base_cost`` + each task's
    ``cost_per_day`` x (its duration - planned duration) + the cost impacts of the risks that
    fired. ``progress(done, total)`` is called after each chunk of iterations. Raises
    ``ValueError`` naming the task or risk for a bad estimate, probability or impact, and
    :class:`scheduling.engine.CycleError` for a cycle.
    """
    if distribution not in ("triangular", "pert"):
        raise ValueError(f"unknown distribution {distribution!r}; use 'triangular' or 'pert'")
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    tasks = list(tasks)
    risks = list(risks)
    plan = _prepare(tasks, links, must_finish_by)
    n = plan.size
    model = _Model.build(tasks, risks, plan, base_cost)
    sampler = model.sampler
    unc_rows = sampler.rows

    plan, kind = _typed(plan, model.shortest, model.longest)

    # Chunk: as many whole blocks of iterations as the memory budget holds.
    per_iteration = np.dtype(kind).itemsize * (3 * n + _scratch_size(plan)) + 5 * n
    chunk = max(BLOCK, memory_budget // max(per_iteration, 1) // BLOCK * BLOCK)
    chunk = min(chunk, -(-iterations // BLOCK) * BLOCK)
    durations_flat = np.empty(n * chunk, kind)
    dates_flat = np.empty(2 * n * chunk, kind)
    scratch = np.empty(_scratch_size(plan) * chunk, kind)
    group_rows = max(1, _SAMPLE_GROUP // BLOCK)
    sample_buffer = np.empty(group_rows * BLOCK, np.float32)
    sample_work = np.empty(group_rows * BLOCK, np.float32)
    sample_floats = np.empty(group_rows * BLOCK, np.float64)
    driver_iterations = min(iterations, DRIVER_SAMPLE)
    driver_samples = np.empty(
        (unc_rows.size + len(risks), driver_iterations),
        np.int16 if model.longest.max(initial=0) <= _INT16_MAX else np.int32,
    )
    critical_count = np.zeros(n, np.float64)
    finishes = np.empty(iterations, np.int64)
    costs = np.empty(iterations, np.float64)
    sample = sampler.pert if distribution == "pert" else sampler.triangular
    priced = bool(model.sample_rates.any())

    done = 0
    while done < iterations:
        width = min(chunk, iterations - done)
        durations = durations_flat[: n * width].reshape(n, width)
        dates = dates_flat[: 2 * n * width].reshape(2 * n, width)
        if done == 0 or width != chunk:
            durations[...] = model.base_length[:, None]
        else:
            durations[model.fixed_hit_rows] = model.base_length[model.fixed_hit_rows, None]
        fired = np.empty((len(risks), width), np.bool_)
        cost = np.full(width, model.base_cents)
        for block_start in range(0, width, BLOCK):
            block = (done + block_start) // BLOCK
            columns = slice(block_start, min(block_start + BLOCK, width))
            size = columns.stop - columns.start
            # Separate streams for risks and tasks, so adding a risk changes no task's samples
            # (and the reverse), and neither depends on the chunk size.
            risk_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, 0)))
            fired[:, columns] = (
                risk_rng.random((len(risks), size), np.float32) < model.probability[:, None]
            )
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, 1)))
            for lo in range(0, unc_rows.size, group_rows):
                hi = min(lo + group_rows, unc_rows.size)
                values = sample_buffer[: (hi - lo) * size].reshape(hi - lo, size)
                sample(rng, lo, hi, values, sample_work[: values.size].reshape(values.shape))
                if priced:
                    # Cost while the block is in cache; whole days, so exact in float64.
                    whole = sample_floats[: values.size].reshape(values.shape)
                    np.floor(values, out=whole)
                    cost[columns] += model.sample_rates[lo:hi] @ whole
                durations[unc_rows[lo:hi], columns] = values
        if done < driver_iterations:
            keep = min(width, driver_iterations - done)
            driver_samples[: unc_rows.size, done : done + keep] = durations[unc_rows, :keep]
            driver_samples[unc_rows.size :, done : done + keep] = fired[:, :keep]
        for number, row, days in model.hits:
            durations[row] += fired[number] * days
        if model.hit_rows.size:
            if model.opportunities:
                durations[model.hit_rows] = np.maximum(durations[model.hit_rows], 0)
            cost += model.hit_rates @ durations[model.hit_rows]
        if len(risks):
            cost += model.risk_cost @ fired
        costs[done : done + width] = cost
        finishes[done : done + width] = _passes(
            plan, durations, dates, scratch, critical_count=critical_count
        )
        done += width
        if progress is not None:
            progress(done, iterations)

    return _summarise(
        tasks=tasks,
        risks=risks,
        plan=plan,
        iterations=iterations,
        seed=seed,
        distribution=distribution,
        base_cost=base_cost,
        finishes=finishes,
        costs=costs,
        critical_count=critical_count,
        driver_samples=driver_samples,
        unc_index=model.unc_index,
        top_drivers=top_drivers,
        cost_bins=cost_bins,
    )


def _summarise(
    *,
    tasks: list[SimulationTask],
    risks: list[RiskEvent],
    plan: _Plan,
    iterations: int,
    seed: int,
    distribution: Distribution,
    base_cost: Decimal,
    finishes: IntArray,
    costs: FloatArray,
    critical_count: IntArray,
    driver_samples: np.ndarray,
    unc_index: list[int],
    top_drivers: int,
    cost_bins: int,
) -> SimulationResult:
    finish_sorted = np.sort(finishes)
    cost_sorted = np.sort(costs)
    low, high = int(finish_sorted[0]), int(finish_sorted[-1])
    counts = np.bincount(finishes - low, minlength=high - low + 1)
    cumulative = np.cumsum(counts) * (100 / iterations)

    # Cost bins of a whole number of cents, so the edges are exact money.
    cost_low, cost_high = float(cost_sorted[0]), float(cost_sorted[-1])
    bins = max(1, cost_bins)
    bin_width = max(1, math.ceil((cost_high - cost_low + 1) / bins))
    bin_count = math.ceil((cost_high - cost_low + 1) / bin_width)
    cost_counts = np.bincount(
        ((costs - cost_low) // bin_width).astype(np.int64), minlength=bin_count
    )

    # A task never critical cannot drive the finish (its correlation is noise), so only tasks
    # critical in some iteration are ranked, with every risk: far fewer rows to rank, too.
    criticality_rows = critical_count / iterations
    ranked_tasks = [k for k, index in enumerate(unc_index) if criticality_rows[plan.row[index]] > 0]
    labels = [("task", tasks[unc_index[k]].id) for k in ranked_tasks]
    labels += [("risk", risk.id) for risk in risks]
    chosen = ranked_tasks + list(range(len(unc_index), len(unc_index) + len(risks)))
    sample_size = driver_samples.shape[1]
    correlation = _spearman(driver_samples[chosen], finishes[:sample_size])
    ranking = sorted(
        (index for index in range(len(labels)) if correlation[index] != 0),
        key=lambda index: (-abs(correlation[index]), index),
    )[: max(0, top_drivers)]
    criticality = criticality_rows[plan.row]
    return SimulationResult(
        iterations=iterations,
        seed=seed,
        distribution=distribution,
        deterministic_finish=plan.deterministic_finish,
        base_cost=Decimal(base_cost).quantize(_CENT, rounding=ROUND_HALF_UP),
        finish_percentiles={
            percent: int(_order_statistic(finish_sorted, percent)) for percent in PERCENTILES
        },
        cost_percentiles={
            percent: _money(_order_statistic(cost_sorted, percent)) for percent in PERCENTILES
        },
        finish_mean=float(finishes.mean()),
        finish_std=float(finishes.std()),
        cost_mean=_money(float(costs.mean())),
        cost_std=_money(float(costs.std())),
        finish_indexes=tuple(range(low, high + 1)),
        finish_counts=tuple(counts.tolist()),
        finish_cumulative=tuple(cumulative.tolist()),
        cost_bin_edges=tuple(_money(cost_low + bin_width * edge) for edge in range(bin_count + 1)),
        cost_counts=tuple(cost_counts.tolist()),
        criticality=dict(zip((task.id for task in tasks), criticality.tolist(), strict=True)),
        drivers=tuple(
            Driver(
                kind=labels[index][0], id=labels[index][1], correlation=float(correlation[index])
            )
            for index in ranking
        ),
        driver_iterations=sample_size,
    )
