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
* The chance of meeting the target (``target_finish``) or the budget (``budget``) is the share
  of iterations that meet it, counted on the same samples as the percentiles: finishing on the
  target day meets it, and so does costing exactly the budget.
* Percentiles are order statistics: P80 is the smallest finish index (exclusive: the shown
  finish date, ``scheduling.workdays.shown_finish_index``, is the working day at index - 1) that at
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
Durations are sampled by the inverse CDF in cache-sized blocks, for beta-PERT from a quantile
table per distinct shape (:class:`sampling._PertSampler`), so PERT costs what triangular does.

Where things are
----------------
``inputs`` (tasks, risk events, constants), ``results`` (the forecast and its parts),
``network`` (the levelled network), ``passes`` (the vectorised CPM passes and
:func:`schedule_samples`), ``sampling`` (estimates, samplers, the cost model), ``stats``
(percentiles, histogram, drivers) and ``forecast`` (:func:`simulate`). Import from the package:
``from risks.simulation import simulate, SimulationTask, RiskEvent``.
"""

from risks.simulation.forecast import check_inputs, simulate
from risks.simulation.inputs import (
    BLOCK,
    DRIVER_SAMPLE,
    MEMORY_BUDGET,
    PERCENTILES,
    Distribution,
    RiskEvent,
    SimulationTask,
)
from risks.simulation.passes import schedule_samples
from risks.simulation.results import Driver, SampledSchedules, SimulationResult, chance_percent
from scheduling.engine import LinkInput

__all__ = [
    "BLOCK",
    "DRIVER_SAMPLE",
    "MEMORY_BUDGET",
    "PERCENTILES",
    "Distribution",
    "Driver",
    "LinkInput",
    "RiskEvent",
    "SampledSchedules",
    "SimulationResult",
    "SimulationTask",
    "chance_percent",
    "check_inputs",
    "schedule_samples",
    "simulate",
]
