"""What a simulation takes: the tasks and risk events, and the constants of a run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

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
