"""What a simulation gives back: the forecast, its tornado drivers, sampled schedules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from risks.simulation.inputs import BoolArray, Distribution, IntArray

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

    ``p_target_finish`` is the share of iterations whose shown finish falls on or before the
    target day (finishing on the target day meets it), ``p_budget`` the share whose cost is at
    most the budget (exactly the budget meets it); None when no target or budget was given.
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
    p_target_finish: float | None = None
    p_budget: float | None = None


def chance_percent(share: float) -> int:
    """A chance (0-1) in whole percent, rounded down, so a share just under a threshold never
    reads as the threshold itself (0.4996 is "49 %", not "50 %"). The epsilon undoes float
    error (0.57 x 100 is 56.999...); shares are counts over at most 100,000 iterations, so no
    true share is that close below a whole percent."""
    return math.floor(share * 100 + 1e-9)


@dataclass(frozen=True)
class SampledSchedules:
    """Many schedules of one network, one row per scenario, columns in input task order."""

    finish: IntArray
    early_start: IntArray
    critical: BoolArray
