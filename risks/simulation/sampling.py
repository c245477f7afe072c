"""The random parts of a run: estimate checks, triangular and PERT samplers, and how sampled
durations and fired risks move the cost (:class:`_Model`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt

from risks.simulation.inputs import (
    _CENT,
    FloatArray,
    IntArray,
    RiskEvent,
    SimulationTask,
)
from risks.simulation.network import _Plan

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
    alpha: FloatArray  # PERT, (k,): 1 + 4 (m - a) / (b - a); beta = 6 - alpha

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
            alpha=(1 + 4 * (m - a) / width)[:, 0],
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
        ``work`` is scratch shaped ``(3, *out.shape)``, as for :class:`_PertSampler`.
        """
        u, work = out, work[0]
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


# Beta-PERT by the inverse CDF. Each distinct shape gets a table of PERT_CELLS equally likely
# cells of its quantile function, read by linear interpolation within the cell; the tables come
# from the density integrated on PERT_CDF_POINTS points (see _beta_cells).
PERT_CELLS = 1024  # a power of two: u * PERT_CELLS is exact in float32
PERT_CDF_POINTS = 1025
_SHAPES_PER_BATCH = 128  # shapes integrated at once (1 MB of float64 per array)


def _beta_cells(
    alpha: FloatArray, beta: FloatArray, cells: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Beta(alpha, beta) as ``cells`` equally likely straight pieces of its quantile function:
    ``(start, step)``, one row per shape, the piece for ``u`` in ``[i, i + 1) / cells`` being
    ``start[i] + (u cells - i) step[i]``.

    No closed form exists, so the CDF is the density integrated numerically (trapezoid rule,
    normalised by its own total, so the beta function is never needed) and inverted by
    interpolation. The points are ``x = (1 - cos(pi t)) / 2`` for equally spaced ``t``: dense
    at both ends, where the density of a skewed shape rises like a power of ``x`` (or ``1 - x``)
    and equally spaced ``x`` would misplace the extreme quantiles. In ``t`` the integrand is
    smooth, and the CDF is inverted in ``t`` before mapping back to ``x``: the piece ends are
    the quantiles at ``i / cells`` within 3e-6 in probability (4e-7 with 4x the points, which
    changes nothing below: the straight pieces dominate the error).

    A straight piece is the exact quantile function to second order, except in the two end
    cells when the density falls to 0 there like a power (``alpha`` or ``beta`` near 5: the
    first cell then spans a quarter of the range). Those two pieces are placed to keep the
    cell's exact mean instead, from the density's first moment integrated alongside: a piece
    from 0 would add up to 1e-4 of the range to the mean and 0.6 % to the variance.
    Shapes are done a batch at a time, so 10,000 distinct ones never hold more than a few MB
    of float64 beside the float32 tables.
    """
    t = np.linspace(0.0, 1.0, PERT_CDF_POINTS)
    x = (1 - np.cos(np.pi * t)) / 2
    speed = np.sin(np.pi * t) * (np.pi / 2)  # dx/dt, 0 at both ends
    inner = slice(1, -1)  # the ends have density x speed = 0 (alpha, beta >= 1)
    log_x = np.log(x[inner])
    log_rest = log_x[::-1]  # log(1 - x): x is symmetric, 1 - x(t) = x(1 - t)
    points = np.arange(cells + 1) / cells
    start = np.empty((alpha.size, cells), np.float32)
    step = np.empty((alpha.size, cells), np.float32)
    for lo in range(0, alpha.size, _SHAPES_PER_BATCH):
        hi = min(lo + _SHAPES_PER_BATCH, alpha.size)
        density = np.zeros((hi - lo, t.size))
        density[:, inner] = np.exp(
            (alpha[lo:hi, None] - 1) * log_x + (beta[lo:hi, None] - 1) * log_rest
        )
        density *= speed
        cdf = np.zeros_like(density)
        np.cumsum((density[:, 1:] + density[:, :-1]) / 2, axis=1, out=cdf[:, 1:])
        density *= x  # now the first moment's integrand
        moment = np.zeros_like(density)
        np.cumsum((density[:, 1:] + density[:, :-1]) / 2, axis=1, out=moment[:, 1:])
        moment /= cdf[:, -1:]
        cdf /= cdf[:, -1:]
        quantile_t = np.empty((hi - lo, cells + 1))
        head_mean = np.empty(hi - lo)  # E[X | X < Q(1 / cells)]
        tail_mean = np.empty(hi - lo)  # E[X | X >= Q(1 - 1 / cells)]
        for row in range(hi - lo):
            quantile_t[row] = np.interp(points, cdf[row], t)
            head, tail = np.interp(quantile_t[row, [1, -2]], t, moment[row])
            head_mean[row] = head * cells
            tail_mean[row] = (moment[row, -1] - tail) * cells
        quantiles = (1 - np.cos(np.pi * quantile_t)) / 2
        first = quantiles[:, :-1].copy()
        rise = np.diff(quantiles, axis=1)
        # A piece with the cell's mean ends where the cell does: [2 mean - Q(1/cells),
        # Q(1/cells)]. Clamped to the range, which only binds where the density is flat there
        # and a straight piece is exact anyway.
        first[:, 0] = np.maximum(2 * head_mean - quantiles[:, 1], 0.0)
        rise[:, 0] = quantiles[:, 1] - first[:, 0]
        rise[:, -1] = np.minimum(2 * tail_mean - quantiles[:, -2], 1.0) - quantiles[:, -2]
        start[lo:hi] = first
        step[lo:hi] = rise
    return start, step


@dataclass(frozen=True)
class _PertSampler:
    """Beta-PERT (lambda 4) samples (+ 0.5) by the inverse CDF from per-shape quantile tables.

    ``alpha = 1 + 4 (m - a) / (b - a)`` and ``beta = 6 - alpha`` depend only on where the mode
    sits in the range, so tasks share tables (16 for the benchmark's 7,610 estimates in whole
    days; 8 KB and ~0.2 ms to build each: 10,000 distinct shapes, which only arbitrary
    fractional estimates make, would take 1-2 s and 80 MB, taken off the chunk budget), and a
    sample is ``low + width x Q(u)``. numpy's ``Generator.beta`` draws
    two gammas by rejection, about 10x the cost of this (random floats, two gathers from
    tables that stay in cache, and eight cheap passes: about the triangular sampler's cost).

    Against the exact Beta (``mpmath.betainc`` for alpha 1 to 5): the largest CDF distance
    is 1.3e-4, the mean within 5e-6 of ``b - a``, the variance within 0.02 %; 10,000
    iterations cannot tell (their own KS noise is about 0.01, a mean's standard error 1.7e-3
    of ``b - a``, a variance's 1.4 %).
    """

    start: npt.NDArray[np.float32]  # (shapes x PERT_CELLS,): where each cell's piece starts
    step: npt.NDArray[np.float32]  # how far it rises across the cell (see _beta_cells)
    offset: npt.NDArray[np.int32]  # (k, 1): where each row's shape starts in the tables
    low: npt.NDArray[np.float32]  # (k, 1): a + 0.5
    width: npt.NDArray[np.float32]  # b - a

    @classmethod
    def build(cls, sampler: _Sampler) -> _PertSampler:
        shapes, shape_of = np.unique(sampler.alpha, return_inverse=True)
        start, step = _beta_cells(shapes, 6 - shapes, PERT_CELLS)
        return cls(
            start=start.ravel(),
            step=step.ravel(),
            offset=(shape_of.astype(np.int32) * PERT_CELLS).reshape(-1, 1),
            low=sampler.low,
            width=sampler.high - sampler.low,
        )

    @property
    def nbytes(self) -> int:
        return self.start.nbytes + self.step.nbytes + self.offset.nbytes

    def __call__(
        self,
        rng: np.random.Generator,
        lo: int,
        hi: int,
        out: npt.NDArray[np.float32],
        work: npt.NDArray[np.float32],
    ) -> None:
        """Samples of rows ``lo:hi`` into ``out``; ``work`` is scratch shaped ``(3, *out.shape)``.

        ``u x cells`` splits into the table cell (its integer part) and the position in the
        cell (the fraction), and the quantile is interpolated linearly within the cell.
        ``mode="clip"`` only spares ``np.take`` a buffered copy: the indexes are in range.
        """
        position, start, step = out, work[0], work[1]
        index = work[2].view(np.int32)
        rng.random(dtype=np.float32, out=position)
        position *= np.float32(PERT_CELLS)
        np.copyto(index, position, casting="unsafe")  # truncation: floor, as position >= 0
        np.copyto(start, index, casting="unsafe")
        position -= start
        index += self.offset[lo:hi]
        np.take(self.start, index, out=start, mode="clip")
        np.take(self.step, index, out=step, mode="clip")
        position *= step
        position += start
        position *= self.width[lo:hi]
        position += self.low[lo:hi]


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
