"""The vectorised forward and backward passes over many iterations at once, the integer type
they run in, and :func:`schedule_samples` (given durations, many schedules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from risks.simulation.inputs import (
    _INT16_MAX,
    _INT16_MIN,
    BoolArray,
    FloatArray,
    IntArray,
)
from risks.simulation.network import _Plan, _prepare, _Step
from risks.simulation.results import SampledSchedules
from scheduling.engine import LinkInput, ScheduledTask
from scheduling.workdays import shown_finish_index

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
    """Schedule every column of ``durations`` (rows in plan order); returns each finish: the
    exclusive index after the shown finish (``shown_finish_index``, so a plan that ends with a
    milestone finishes on the milestone's day, as the task table shows it).

    ``dates`` (2n, c) receives ES over EF, then LS over LF; ``scratch`` is a flat buffer of at
    least ``_scratch_size(plan) * c`` values, all of the plan's integer type. Criticality goes
    to ``critical_count`` (per row, summed over the columns) and/or ``critical_rows`` (per row
    and column); ``early_start`` gets a copy of the ES rows.
    """
    n, c = durations.shape
    start, end = dates[:n], dates[n:]
    _forward(plan, dates, scratch, durations, durations)
    finish = end.max(axis=0) if n else np.zeros(c, dates.dtype)
    shown_end = shown_finish_index(start, end, axis=0) + 1 if n else finish
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
    return shown_end


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
    tasks: Sequence[ScheduledTask],
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
