"""Statistics of a finished run: percentiles, histogram, S-curve, criticality and the Spearman
rank correlations of the tornado chart."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from risks.simulation.inputs import (
    _CENT,
    PERCENTILES,
    Distribution,
    FloatArray,
    IntArray,
    RiskEvent,
    SimulationTask,
)
from risks.simulation.network import _Plan
from risks.simulation.results import Driver, SimulationResult

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
    target_finish: int | None = None,
    budget_cents: int | None = None,
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
        # Finishes are exclusive (the shown finish is the day before): one on the target day
        # is target + 1. Costs are whole cents in float64, so the comparison is exact.
        p_target_finish=None
        if target_finish is None
        else int(np.count_nonzero(finishes <= target_finish + 1)) / iterations,
        p_budget=None
        if budget_cents is None
        else int(np.count_nonzero(costs <= budget_cents)) / iterations,
    )
