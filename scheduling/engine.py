"""Critical-path schedule and working-day calendar (DESIGN §4 "Schedule").

Pure: no Django, no clock, no I/O. The services feed frozen dataclasses (or plain arrays) in and
write the results back.

Day indexes
-----------
Everything here counts whole working days on one project calendar (:class:`WorkCalendar`).
Index 0 is the first working day on or after the project start, index ``i`` the ``i``-th working
day after it; negative indexes are working days before the start (actuals recorded early).
A task occupies the days ``[ES, EF)`` with ``EF = ES + duration``; a milestone has
``ES == EF``. The inputs use these forms:

* ``constraint`` ("start no earlier than"): index of the first day the task may start.
* ``deadline`` ("finish no later than") and ``must_finish_by``: index of the last working day
  the task (project) may *show* as its finish, i.e. inclusive, as a user picks it on a date
  picker. A task with work must have ``EF - 1 <= deadline``; a milestone, which is shown on day
  ``ES``, must have ``ES <= deadline``. Get it with :meth:`WorkCalendar.last_index_on_or_before`.
* ``actual_start``: index of the day work began. ``actual_finish``: index of the last day
  worked (inclusive, as shown); a milestone is reached on its ``actual_finish`` day.

Progress override
-----------------
A task with an actual start keeps it whatever its predecessors say, and a finished task keeps
its actual finish. Links *into* a started task are therefore ignored in both passes (the work
has begun; a late predecessor can no longer hold it back), which keeps the rule "no deadline,
no negative float" true even for out-of-sequence progress. A started but unfinished task keeps
its planned duration from its actual start.

Speed
-----
The passes are linear in tasks + links and vectorised with numpy by topological level: Kahn's
algorithm advances a whole frontier at a time and relaxes its outgoing links with
``np.maximum.at``; the backward pass replays the same levels in reverse with ``np.minimum.at``.
Every link type reduces to one weight ``w`` on the predecessor's and successor's *start*
(``ES(s) >= ES(p) + w``, ``LS(p) <= LS(s) - w``), which is what makes a single vector
relaxation per level possible. :func:`compute_schedule_arrays` is the array entry point;
:func:`compute_schedule` wraps it for dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from scheduling.workdays import WorkCalendar

__all__ = [
    "LINK_TYPES",
    "MISSING",
    "CycleError",
    "LinkInput",
    "Network",
    "RollupInput",
    "RollupTotals",
    "ScheduleArrays",
    "ScheduleResult",
    "SummaryRollup",
    "TaskInput",
    "TaskResult",
    "WorkCalendar",
    "compute_schedule",
    "compute_schedule_arrays",
    "critical_paths",
    "prepare_network",
    "rollup_summaries",
    "rollup_totals",
]

#: Link type codes used by the array entry point: ``LINK_TYPES.index("SF") == 3``.
LINK_TYPES: tuple[str, ...] = ("FS", "SS", "FF", "SF")
_LINK_CODE = {name: code for code, name in enumerate(LINK_TYPES)}
_FS, _SS, _FF, _SF = range(4)

#: "No value" in the optional int64 arrays of :func:`compute_schedule_arrays`.
MISSING: int = int(np.iinfo(np.int64).min)

# Far beyond any real schedule (2**40 working days) yet far from int64 overflow when added to
# an index, so "no bound" can ride through the same vector arithmetic as real bounds.
_UNBOUNDED = 1 << 40

# Levels with at most this many links are relaxed link by link: below it a handful of scalar
# steps beats the fixed cost of a dozen vector calls (measured on long chains and ladders).
_SCALAR_LINKS = 4

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class CycleError(ValueError):
    """The links form a cycle; ``task_ids`` lists one cycle's tasks in link order."""

    def __init__(self, task_ids: Sequence[int]) -> None:
        self.task_ids: list[int] = list(task_ids)
        chain = " -> ".join(str(task_id) for task_id in [*self.task_ids, self.task_ids[0]])
        super().__init__(f"Dependency cycle: {chain}")

    def __reduce__(self) -> tuple[type[CycleError], tuple[list[int]]]:
        # The default pickling would call CycleError(message); Celery results must round-trip.
        return (CycleError, (self.task_ids,))


# --- Inputs and results ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskInput:
    """A task to schedule; all dates are day indexes (see the module docstring for forms)."""

    id: int
    duration: int
    constraint: int | None = None
    deadline: int | None = None
    actual_start: int | None = None
    actual_finish: int | None = None


@dataclass(frozen=True, slots=True)
class LinkInput:
    """A dependency ``predecessor -> successor`` of type FS/SS/FF/SF with a lag (lead < 0)."""

    predecessor: int
    successor: int
    type: str = "FS"
    lag: int = 0


class TaskResult(NamedTuple):
    """One task's computed dates (exclusive finish indexes) and floats, in working days.

    A named tuple, not a dataclass: :func:`compute_schedule` builds one per task straight from
    the result columns with ``tuple.__new__`` (C, no Python ``__init__``), 4x faster at 100,000
    tasks, where building the results was a third of the entry point's time (bench/engine.py).
    """

    id: int
    early_start: int
    early_finish: int
    late_start: int
    late_finish: int
    total_float: int
    free_float: int
    is_critical: bool


@dataclass(frozen=True)
class ScheduleResult:
    """The whole schedule.

    ``finish`` is the latest early finish (exclusive index). ``critical_path`` holds every
    critical task id in topological order; :func:`critical_paths` splits it into chains.
    ``driving_links`` are the input links with zero slack that actually hold their successor.
    """

    tasks: dict[int, TaskResult]
    finish: int
    critical_path: list[int]
    driving_links: tuple[LinkInput, ...] = ()


@dataclass(frozen=True)
class ScheduleArrays:
    """Array form of a schedule, indexed by task position (and link position for ``driving``).

    ``order`` is a topological order of the positions; ``critical_path`` the critical positions
    in that order.
    """

    early_start: IntArray
    early_finish: IntArray
    late_start: IntArray
    late_finish: IntArray
    total_float: IntArray
    free_float: IntArray
    is_critical: BoolArray
    finish: int
    order: IntArray
    # The least slack on an outgoing link before the cap by total float, ``MISSING`` for a task
    # that leads nowhere (its free float is then its slack to ``finish``): the part of the free
    # float that does not depend on where the plan finishes.
    free_float_links: IntArray
    critical_path: IntArray
    driving: BoolArray


# --- Array engine ------------------------------------------------------------------------------


def _int_array(values: npt.ArrayLike, name: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold whole working days (integers), got {array.dtype}")
    return array.astype(np.int64, copy=False)


def _optional_array(values: npt.ArrayLike | None, n: int, name: str) -> IntArray | None:
    if values is None:
        return None
    array = _int_array(values, name)
    if array.size != n:
        raise ValueError(f"{name} has {array.size} values for {n} tasks")
    return array if (array != MISSING).any() else None


def compute_schedule_arrays(
    durations: npt.ArrayLike,
    predecessors: npt.ArrayLike,
    successors: npt.ArrayLike,
    link_types: npt.ArrayLike,
    lags: npt.ArrayLike,
    *,
    constraint: npt.ArrayLike | None = None,
    deadline: npt.ArrayLike | None = None,
    actual_start: npt.ArrayLike | None = None,
    actual_finish: npt.ArrayLike | None = None,
    must_finish_by: int | None = None,
) -> ScheduleArrays:
    """Schedule tasks given as arrays; tasks are positions ``0..n-1``.

    ``predecessors``/``successors`` are task positions, ``link_types`` codes into
    :data:`LINK_TYPES`. The optional per-task arrays use :data:`MISSING` for "none". Raises
    :class:`CycleError` (with positions) on a cycle and ``ValueError`` on malformed input.
    """
    duration = _int_array(durations, "durations")
    n = duration.size
    pred = _int_array(predecessors, "predecessors")
    succ = _int_array(successors, "successors")
    kind = _int_array(link_types, "link_types")
    lag = _int_array(lags, "lags")
    m = pred.size
    if not succ.size == kind.size == lag.size == m:
        raise ValueError("link arrays must have the same length")
    if (duration < 0).any():
        raise ValueError(f"negative duration at task position {int(np.argmax(duration < 0))}")
    if m and (min(pred.min(), succ.min()) < 0 or max(pred.max(), succ.max()) >= n):
        raise ValueError("a link refers to a task position outside 0..n-1")
    if m and (kind.min() < 0 or kind.max() >= len(LINK_TYPES)):
        raise ValueError("link type codes must be 0..3 (FS, SS, FF, SF)")
    not_before = _optional_array(constraint, n, "constraint")
    due = _optional_array(deadline, n, "deadline")
    started_at = _optional_array(actual_start, n, "actual_start")
    finished_at = _optional_array(actual_finish, n, "actual_finish")

    # Effective duration and the forward pass's starting value for each task.
    length = duration.copy()
    earliest = np.zeros(n, np.int64) if not_before is None else np.maximum(not_before, 0)
    started = np.zeros(n, np.bool_)
    if finished_at is not None:
        finished = finished_at != MISSING
        # A milestone is reached on one day, so its actual finish alone is enough.
        if started_at is None:
            started_at = np.full(n, MISSING, np.int64)
        started_at = np.where(finished & (duration == 0), finished_at, started_at)
        orphan = finished & (started_at == MISSING)
        if orphan.any():
            raise ValueError(
                f"task position {int(np.argmax(orphan))} has an actual finish but no actual start"
            )
        backwards = finished & (finished_at < started_at)
        if backwards.any():
            raise ValueError(f"task position {int(np.argmax(backwards))} finishes before it starts")
        worked = finished & (duration > 0)
        length[worked] = finished_at[worked] + 1 - started_at[worked]
    if started_at is not None:
        started = started_at != MISSING
        earliest[started] = started_at[started]

    # Each link type is one bound between starts: ES(s) >= ES(p) + w, LS(p) <= LS(s) - w.
    finish_end_pred = (kind == _FS) | (kind == _FF)
    finish_end_succ = (kind == _FF) | (kind == _SF)
    weight = lag + length[pred] * finish_end_pred - length[succ] * finish_end_succ
    active = ~started[succ]
    # An ignored link (into a started task) gets a weight that can never bind either pass.
    relax_weight = np.where(active, weight, -_UNBOUNDED)

    # Outgoing links grouped by predecessor (CSR), so a frontier's links are contiguous runs.
    by_pred = np.argsort(pred, kind="stable")
    out_succ = succ[by_pred]
    out_pred = pred[by_pred]
    out_weight = relax_weight[by_pred]
    out_count = np.bincount(pred, minlength=n)
    first_out = np.zeros(n + 1, np.int64)
    np.cumsum(out_count, out=first_out[1:])
    first_out_list = first_out.tolist()
    link_positions = np.arange(m, dtype=np.int64)

    # Kahn's algorithm one level at a time, fused with the forward pass: a frontier's ES is
    # final, so its links are relaxed into the successors before they can become ready.
    es = earliest
    waiting = np.bincount(succ, minlength=n)
    frontier = np.flatnonzero(waiting == 0)
    levels: list[IntArray] = []
    level_links: list[IntArray] = []
    last_seen = np.empty(n, np.int64)  # for de-duplicating a frontier without sorting it
    while frontier.size:
        levels.append(frontier)
        if frontier.size == 1:
            # A lone task (chains are common) needs no run gathering: its links are one slice.
            task = int(frontier[0])
            lo, hi = first_out_list[task], first_out_list[task + 1]
            level_links.append(link_positions[lo:hi])
            if hi - lo <= _SCALAR_LINKS:
                # A few links: plain scalar steps cost a fraction of the vector calls.
                start = es[task]
                freed = []
                for link in range(lo, hi):
                    target = out_succ[link]
                    es[target] = max(es[target], start + out_weight[link])
                    waiting[target] -= 1
                    if not waiting[target]:
                        freed.append(target)
                frontier = np.array(freed, np.int64)
                continue
            targets = out_succ[lo:hi]
            candidates = out_weight[lo:hi] + es[task]
        else:
            run_length = out_count[frontier]
            run_end = run_length.cumsum()
            links = (first_out[frontier] - run_end + run_length).repeat(run_length)
            links += link_positions[: int(run_end[-1])]
            level_links.append(links)
            targets = out_succ[links]
            candidates = es[out_pred[links]] + out_weight[links]
        if not targets.size:
            break
        np.maximum.at(es, targets, candidates)
        np.subtract.at(waiting, targets, 1)
        ready = targets[waiting[targets] == 0]
        if ready.size > 1:
            # Two frontier tasks can free the same successor: keep one copy of each.
            last_seen[ready] = link_positions[: ready.size]
            ready = ready[last_seen[ready] == link_positions[: ready.size]]
        frontier = ready
    order = np.concatenate(levels) if levels else np.zeros(0, np.int64)
    if order.size < n:
        raise CycleError(_find_cycle(pred, succ, waiting > 0))
    ef = es + length

    # Backward pass: a late-finish cap per task, then the levels in reverse.
    finish = int(ef.max()) if n else 0
    has_work = (length > 0).astype(np.int64)
    if must_finish_by is None:
        cap = np.full(n, finish, np.int64)
    else:
        cap = must_finish_by + has_work
    if due is not None:
        cap = np.minimum(cap, np.where(due == MISSING, _UNBOUNDED, due + has_work))
    ls = cap - length
    replay = np.concatenate(level_links) if level_links else np.zeros(0, np.int64)
    replay_pred = out_pred[replay]
    replay_succ = out_succ[replay]
    replay_weight = out_weight[replay]
    bounds = np.cumsum([0, *(links.size for links in level_links)]).tolist()
    for level in range(len(level_links) - 1, -1, -1):
        lo, hi = bounds[level], bounds[level + 1]
        if hi - lo <= _SCALAR_LINKS:
            for link in range(lo, hi):
                task = replay_pred[link]
                ls[task] = min(ls[task], ls[replay_succ[link]] - replay_weight[link])
        else:
            np.minimum.at(ls, replay_pred[lo:hi], ls[replay_succ[lo:hi]] - replay_weight[lo:hi])
    lf = ls + length
    total_float = ls - es

    # Free float: the least slack on an outgoing link, or the finish for a task without one.
    slack = es[succ] - es[pred] - weight
    leads_somewhere = np.zeros(n, np.bool_)
    leads_somewhere[pred[active]] = True
    free_float_links = np.full(n, _UNBOUNDED, np.int64)
    np.minimum.at(free_float_links, pred[active], slack[active])
    free_float = np.where(leads_somewhere, free_float_links, finish - ef)
    free_float_links[~leads_somewhere] = MISSING
    # Never more free than total float (as MS Project shows it): without this an SS lead before
    # the project start, or a deadline, would report slack the project finish cannot give.
    free_float = np.minimum(free_float, total_float)

    is_critical = total_float <= 0
    return ScheduleArrays(
        early_start=es,
        early_finish=ef,
        late_start=ls,
        late_finish=lf,
        total_float=total_float,
        free_float=free_float,
        is_critical=is_critical,
        finish=finish,
        order=order,
        free_float_links=free_float_links,
        critical_path=order[is_critical[order]],
        driving=active & (slack == 0),
    )


def _find_cycle(pred: IntArray, succ: IntArray, blocked: BoolArray) -> list[int]:
    """One cycle among the tasks Kahn could not free, in link order, smallest position first.

    Every blocked task still waits on a blocked predecessor, so walking predecessors from any
    blocked task must revisit one: that loop is a cycle (downstream tasks are not in it).
    """
    inside = blocked[pred] & blocked[succ]
    first_pred: dict[int, int] = {}
    for p, s in sorted(zip(pred[inside].tolist(), succ[inside].tolist(), strict=True)):
        first_pred.setdefault(s, p)
    task = int(np.flatnonzero(blocked)[0])
    seen: dict[int, int] = {}
    walk: list[int] = []
    while task not in seen:
        seen[task] = len(walk)
        walk.append(task)
        task = first_pred[task]
    cycle = walk[seen[task] :][::-1]
    smallest = cycle.index(min(cycle))
    return cycle[smallest:] + cycle[:smallest]


# --- Dataclass entry point ---------------------------------------------------------------------


class ScheduledTask(Protocol):
    """What :func:`prepare_network` reads of a task (:class:`TaskInput` and the simulation's
    task both fit)."""

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


@dataclass(frozen=True, slots=True)
class Network:
    """Tasks and links as the arrays :func:`compute_schedule_arrays` takes: task ``i`` is the
    ``i``-th input task, links keep their input order, and the per-task optional values hold
    :data:`MISSING` where the task has none."""

    ids: list[int]
    durations: IntArray
    pred: IntArray
    succ: IntArray
    kinds: IntArray
    lags: IntArray
    constraint: IntArray
    deadline: IntArray
    actual_start: IntArray
    actual_finish: IntArray

    def schedule(
        self, *, constraint: IntArray | None = None, must_finish_by: int | None = None
    ) -> ScheduleArrays:
        """The array schedule of this network (``constraint`` replaces the tasks' own, as
        levelling does); a :class:`CycleError` names task ids, not positions."""
        try:
            return compute_schedule_arrays(
                self.durations,
                self.pred,
                self.succ,
                self.kinds,
                self.lags,
                constraint=self.constraint if constraint is None else constraint,
                deadline=self.deadline,
                actual_start=self.actual_start,
                actual_finish=self.actual_finish,
                must_finish_by=must_finish_by,
            )
        except CycleError as error:
            raise CycleError([self.ids[index] for index in error.task_ids]) from None


def _column(values: list[int | None]) -> IntArray:
    if values.count(None) == len(values):
        return np.full(len(values), MISSING, np.int64)
    return np.array([MISSING if value is None else value for value in values], np.int64)


def prepare_network(tasks: Sequence[ScheduledTask], links: Sequence[LinkInput]) -> Network:
    """Number ``tasks`` by position and turn them and ``links`` into arrays.

    Raises ``ValueError`` for duplicate task ids, links to unknown tasks and unknown link types.
    """
    ids = [task.id for task in tasks]
    to_position = _id_lookup(ids)
    pred = to_position([link.predecessor for link in links])
    succ = to_position([link.successor for link in links])
    try:
        kinds = [_LINK_CODE[link.type] for link in links]
    except KeyError as error:
        raise ValueError(f"unknown link type {error.args[0]!r}; use FS, SS, FF or SF") from None
    # One list comprehension per field: far faster than zip(*rows) at 100,000 objects.
    return Network(
        ids=ids,
        durations=np.array([task.duration for task in tasks], np.int64),
        pred=pred,
        succ=succ,
        kinds=np.array(kinds, np.int64),
        lags=np.array([link.lag for link in links], np.int64),
        constraint=_column([task.constraint for task in tasks]),
        deadline=_column([task.deadline for task in tasks]),
        actual_start=_column([task.actual_start for task in tasks]),
        actual_finish=_column([task.actual_finish for task in tasks]),
    )


def _id_lookup(ids: list[int]) -> Callable[[list[int]], IntArray]:
    """A function mapping task ids to positions; refuses duplicate and unknown ids.

    Integer ids (the database case) are matched by a sorted search instead of 200,000 dict
    look-ups, which is most of the preparation time at 100,000 tasks.
    """
    try:
        known = np.array(ids, np.int64)
    except (TypeError, ValueError, OverflowError):
        position = {task_id: index for index, task_id in enumerate(ids)}
        if len(position) != len(ids):
            seen: set[int] = set()
            duplicate = next(task_id for task_id in ids if task_id in seen or seen.add(task_id))
            raise ValueError(f"task id {duplicate} appears twice") from None

        def lookup_any(task_ids: list[int]) -> IntArray:
            try:
                return np.array([position[task_id] for task_id in task_ids], np.int64)
            except KeyError as error:
                raise ValueError(f"a link refers to unknown task {error.args[0]}") from None

        return lookup_any
    by_id = np.argsort(known, kind="stable")
    sorted_ids = known[by_id]
    repeated = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if repeated.size:
        raise ValueError(f"task id {sorted_ids[repeated[0]]} appears twice")

    def lookup_int(task_ids: list[int]) -> IntArray:
        try:
            wanted = np.array(task_ids, np.int64)
        except (TypeError, ValueError, OverflowError):
            wanted = np.zeros(0, np.int64)
        slot = np.searchsorted(sorted_ids, wanted)
        found = (wanted.size == len(task_ids)) & (slot < sorted_ids.size)
        if np.ndim(found):
            found[found] = sorted_ids[slot[found]] == wanted[found]
        if not np.all(found):
            missing = next(
                task_id
                for task_id, hit in zip(
                    task_ids, np.broadcast_to(found, len(task_ids)), strict=True
                )
                if not hit
            )
            raise ValueError(f"a link refers to unknown task {missing}")
        return by_id[slot]

    return lookup_int


def compute_schedule(
    tasks: Iterable[TaskInput],
    links: Iterable[LinkInput],
    *,
    must_finish_by: int | None = None,
) -> ScheduleResult:
    """Forward and backward pass over ``tasks`` and ``links`` (DESIGN §4 "Schedule").

    ``must_finish_by`` (inclusive index, like a deadline) replaces the latest early finish as the
    backward pass's anchor, so it can make floats negative, or leave positive float on the
    longest path when it is later. Raises :class:`CycleError` naming the tasks of one cycle, and
    ``ValueError`` for duplicate ids, unknown tasks in links, unknown link types or negative
    durations.
    """
    tasks = list(tasks)
    links = list(links)
    network = prepare_network(tasks, links)
    ids = network.ids
    arrays = network.schedule(must_finish_by=must_finish_by)

    rows = zip(
        ids,
        arrays.early_start.tolist(),
        arrays.early_finish.tolist(),
        arrays.late_start.tolist(),
        arrays.late_finish.tolist(),
        arrays.total_float.tolist(),
        arrays.free_float.tolist(),
        arrays.is_critical.tolist(),
        strict=True,
    )
    results = dict(zip(ids, map(tuple.__new__, repeat(TaskResult), rows), strict=True))
    return ScheduleResult(
        tasks=results,
        finish=arrays.finish,
        critical_path=[ids[index] for index in arrays.critical_path.tolist()],
        driving_links=tuple(links[index] for index in np.flatnonzero(arrays.driving).tolist()),
    )


def critical_paths(result: ScheduleResult, *, limit: int = 100) -> list[list[int]]:
    """The critical chains: critical tasks joined by driving links, from each chain's first
    task (no driving critical predecessor) to its last, in topological order.

    Without deadlines or constraints each chain runs from a task starting at index 0 to one
    finishing at ``result.finish``. Parallel branches multiply chains, so at most ``limit`` are
    returned.
    """
    rank = {task_id: index for index, task_id in enumerate(result.critical_path)}
    next_tasks: dict[int, set[int]] = {}
    has_driver: set[int] = set()
    for link in result.driving_links:
        if link.predecessor in rank and link.successor in rank:
            next_tasks.setdefault(link.predecessor, set()).add(link.successor)
            has_driver.add(link.successor)
    chains: list[list[int]] = []
    # Depth-first with an explicit stack: chains can be thousands of tasks long.
    stack = [[task_id] for task_id in reversed(result.critical_path) if task_id not in has_driver]
    while stack and len(chains) < limit:
        chain = stack.pop()
        after = sorted(next_tasks.get(chain[-1], ()), key=rank.__getitem__, reverse=True)
        if not after:
            chains.append(chain)
        stack.extend([*chain, task_id] for task_id in after)
    return chains


# --- Summary roll-up ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RollupInput:
    """A scheduled leaf task: ES/EF indexes, duration and percent complete (0-100)."""

    id: int
    start: int
    finish: int
    duration: int
    percent_complete: float


@dataclass(frozen=True, slots=True)
class SummaryRollup:
    """A WBS parent: earliest start, latest (exclusive) finish, duration-weighted progress."""

    id: int
    start: int
    finish: int
    percent_complete: float


@dataclass(frozen=True, slots=True)
class RollupTotals:
    """The leaves directly under one summary, totalled: the earliest start, the latest finish,
    Σ percent × duration, Σ duration, Σ percent and how many. A database computes these with
    one ``GROUP BY``, so a caller need not read every task to roll the WBS up."""

    start: int
    finish: int
    weighted: float
    length: int
    plain: float
    count: int


def rollup_summaries(
    leaves: Iterable[RollupInput], parent_of: Mapping[int, int | None]
) -> dict[int, SummaryRollup]:
    """Roll leaves up through every ancestor in ``parent_of`` (child id -> parent id or None).

    Progress is weighted by leaf duration over all leaves below a summary (not by the spans
    of the summaries in between); a summary holding only milestones takes their plain mean.
    Raises :class:`CycleError` if the parent map loops.
    """
    # Per summary: [start, finish, weighted percent sum, duration sum, percent sum, leaf count].
    # Leaves are first totalled by their own parent (one pass over the tasks), then each of
    # those totals climbs the tree once: work packages are few, tasks many.
    direct: dict[int, list[float]] = {}
    for leaf in leaves:
        parent = parent_of.get(leaf.id)
        if parent is None:
            continue
        if parent == leaf.id:
            raise CycleError([leaf.id])
        total = direct.get(parent)
        if total is None:
            direct[parent] = [leaf.start, leaf.finish, 0.0, 0, 0.0, 0]
            total = direct[parent]
        else:
            total[0] = min(total[0], leaf.start)
            total[1] = max(total[1], leaf.finish)
        total[2] += leaf.percent_complete * leaf.duration
        total[3] += leaf.duration
        total[4] += leaf.percent_complete
        total[5] += 1
    return rollup_totals(
        {parent: RollupTotals(*total) for parent, total in direct.items()}, parent_of
    )


def rollup_totals(
    direct: Mapping[int, RollupTotals], parent_of: Mapping[int, int | None]
) -> dict[int, SummaryRollup]:
    """Roll each summary's own leaves' totals (``direct``, by summary id) up through every
    ancestor in ``parent_of``, as :func:`rollup_summaries` does from the leaves themselves.
    Raises :class:`CycleError` if the parent map loops."""
    totals: dict[int, list[float]] = {}
    for first, own in direct.items():
        part = [own.start, own.finish, own.weighted, own.length, own.plain, own.count]
        summary: int | None = first
        path: list[int] = []
        while summary is not None:
            if summary in path:
                raise CycleError(path[path.index(summary) :])
            path.append(summary)
            total = totals.get(summary)
            if total is None:
                totals[summary] = list(part)
            else:
                total[0] = min(total[0], part[0])
                total[1] = max(total[1], part[1])
                for k in range(2, 6):
                    total[k] += part[k]
            summary = parent_of.get(summary)
    return {
        summary: SummaryRollup(
            id=summary,
            start=int(start),
            finish=int(finish),
            percent_complete=weighted / length if length else plain / count,
        )
        for summary, (start, finish, weighted, length, plain, count) in totals.items()
    }
