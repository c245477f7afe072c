"""The network prepared once per run: validated through the schedule engine, renumbered by
topological level, each level's links laid out for slice-wide reductions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from risks.simulation.inputs import _FF, _FS, _SF, BoolArray, IntArray
from scheduling.engine import MISSING, LinkInput, ScheduledTask, prepare_network
from scheduling.workdays import shown_finish_index

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


def _depths(pred: IntArray, succ: IntArray, n: int) -> tuple[IntArray, int]:
    """Each task's level, the longest path in links from a task without any (Kahn, a frontier
    at a time), and the number of levels."""
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
    return depth, level


@dataclass(frozen=True)
class _RowLinks:
    """The active links between rows: ``p -> s`` with ``lag``; ``from_finish`` where the bound
    reads the predecessor's finish (FS, FF), ``to_finish`` where it bounds the successor's
    finish (FF, SF)."""

    p: IntArray
    s: IntArray
    lag: IntArray
    from_finish: BoolArray
    to_finish: BoolArray


def _forward_steps(
    links: _RowLinks, bounds: list[int], n: int, earliest_rows: IntArray, negative_start: bool
) -> tuple[_Step, ...]:
    """One :class:`_Step` per level after the first: the links into the level's tasks."""
    forward: list[_Step] = []
    by_succ = np.argsort(links.s, kind="stable")
    link_cut = np.searchsorted(links.s[by_succ], bounds).tolist()
    for t0, t1, lo, hi in zip(bounds[1:-1], bounds[2:], link_cut[1:-1], link_cut[2:], strict=True):
        tasks_order, link_order, slots = _slot_layout(links.s[by_succ[lo:hi]] - t0, t1 - t0)
        chosen = by_succ[lo:hi][link_order]
        link_lag = links.lag[chosen]
        fix = np.flatnonzero(links.to_finish[chosen])
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
                source=links.p[chosen] + n * links.from_finish[chosen],
                lag=link_lag[:, None].astype(np.int32) if link_lag.any() else None,
                fix_at=fix if fix.size else None,
                fix_rows=links.s[chosen][fix] if fix.size else None,
                floor=(
                    earliest_rows[t0 + tasks_order, None].astype(np.int32) if floor_needed else None
                ),
                due_at=None,
                due=None,
            )
        )
    return tuple(forward)


def _backward_steps(
    links: _RowLinks, bounds: list[int], n: int, deadline_rows: IntArray
) -> tuple[_Step, ...]:
    """One :class:`_Step` per level, last level first: the links out of the level's tasks."""
    backward: list[_Step] = []
    by_pred = np.argsort(links.p, kind="stable")
    link_cut = np.searchsorted(links.p[by_pred], bounds).tolist()
    for t0, t1, lo, hi in zip(bounds[:-1], bounds[1:], link_cut[:-1], link_cut[1:], strict=True):
        _, link_order, slots = _slot_layout(links.p[by_pred[lo:hi]] - t0, t1 - t0)
        chosen = by_pred[lo:hi][link_order]
        fix = np.flatnonzero(~links.from_finish[chosen])
        link_lag = links.lag[chosen]
        due_local = np.flatnonzero(deadline_rows[t0:t1] != MISSING)
        backward.append(
            _Step(
                t0=t0,
                t1=t1,
                order=None,
                inverse=None,
                slots=slots,
                source=links.s[chosen] + n * links.to_finish[chosen],
                lag=link_lag[:, None].astype(np.int32) if link_lag.any() else None,
                fix_at=fix if fix.size else None,
                fix_rows=links.p[chosen][fix] if fix.size else None,
                floor=None,
                due_at=due_local if due_local.size else None,
                due=deadline_rows[t0:t1][due_local, None] if due_local.size else None,
            )
        )
    return tuple(backward[::-1])


def _prepare(
    tasks: Sequence[ScheduledTask],
    links: Sequence[LinkInput],
    must_finish_by: int | None,
) -> _Plan:
    """Validate through the schedule engine (one deterministic CPM), then build the levels."""
    network = prepare_network(tasks, links)
    n = len(tasks)
    cpm = network.schedule(must_finish_by=must_finish_by)

    # The engine's own effective durations (actuals included) and start bounds: EF - ES is the
    # length it used, and a started task (its ES is its actual start) ignores incoming links.
    length = cpm.early_finish - cpm.early_start
    finished = network.actual_finish != MISSING
    started = (network.actual_start != MISSING) | finished
    earliest = np.maximum(network.constraint, 0)  # MISSING is below 0
    earliest[started] = cpm.early_start[started]
    active = ~started[network.succ]
    pred, succ = network.pred[active], network.succ[active]
    kind = network.kinds[active]

    depth, levels = _depths(pred, succ, n)
    # Rows: by level, and inside a level by decreasing number of outgoing links, which is the
    # backward pass's slot order (the forward pass reorders, one copy per level).
    out_degree = np.bincount(pred, minlength=n)
    order = np.lexsort((-out_degree, depth))
    row = np.empty(n, np.int64)
    row[order] = np.arange(n)
    bounds = np.flatnonzero(np.diff(depth[order], prepend=-1, append=levels + 1)).tolist()
    row_links = _RowLinks(
        p=row[pred],
        s=row[succ],
        lag=network.lags[active],
        from_finish=(kind == _FS) | (kind == _FF),
        to_finish=(kind == _FF) | (kind == _SF),
    )
    earliest_rows = earliest[order]
    return _Plan(
        size=n,
        row=row,
        length=length[order],
        earliest=earliest_rows,
        finished=finished[order],
        forward=_forward_steps(
            row_links, bounds, n, earliest_rows, negative_start=bool((earliest < 0).any())
        ),
        first_level_end=bounds[1] if n else 0,
        backward=_backward_steps(row_links, bounds, n, network.deadline[order]),
        must_finish_by=must_finish_by,
        deterministic_finish=int(shown_finish_index(cpm.early_start, cpm.early_finish)) + 1
        if n
        else 0,
    )
