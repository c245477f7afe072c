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
