"""The Monte Carlo run itself: :func:`simulate`, iteration chunk after iteration chunk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np

from risks.simulation.inputs import (
    _INT16_MAX,
    _SAMPLE_GROUP,
    BLOCK,
    DRIVER_SAMPLE,
    MEMORY_BUDGET,
    Distribution,
    RiskEvent,
    SimulationTask,
)
from risks.simulation.network import _prepare
from risks.simulation.passes import _passes, _scratch_size, _typed
from risks.simulation.results import SimulationResult
from risks.simulation.sampling import _cents, _Model, _PertSampler
from risks.simulation.stats import _summarise
from scheduling.engine import (
    LinkInput,
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
    target_finish: int | None = None,
    budget: Decimal | None = None,
    top_drivers: int = 20,
    cost_bins: int = 20,
    progress: Callable[[int, int], None] | None = None,
    memory_budget: int = MEMORY_BUDGET,
) -> SimulationResult:
    """Run the Monte Carlo forecast (see the package docstring for the rules).

    ``base_cost`` is the planned cost; an iteration's cost is ``base_cost`` + each task's
    ``cost_per_day`` x (its duration - planned duration) + the cost impacts of the risks that
    fired. ``progress(done, total)`` is called after each chunk of iterations. Raises
    ``ValueError`` naming the task or risk for a bad estimate, probability or impact, and
    :class:`scheduling.engine.CycleError` for a cycle.

    ``target_finish`` is the day index of the target date, inclusive like a deadline (the last
    working day on or before it); ``budget`` the amount the cost is held to. The result's
    ``p_target_finish`` and ``p_budget`` are the shares of iterations that meet them: a run
    whose shown finish is on the target day, or whose cost is exactly the budget, meets it.
    """
    if distribution not in ("triangular", "pert"):
        raise ValueError(f"unknown distribution {distribution!r}; use 'triangular' or 'pert'")
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    budget_cents = None if budget is None else _cents(budget, "budget")
    tasks = list(tasks)
    risks = list(risks)
    plan = _prepare(tasks, links, must_finish_by)
    n = plan.size
    model = _Model.build(tasks, risks, plan, base_cost)
    sampler = model.sampler
    unc_rows = sampler.rows

    plan, kind = _typed(plan, model.shortest, model.longest)
    pert = _PertSampler.build(sampler) if distribution == "pert" else None
    sample = sampler.triangular if pert is None else pert
    tables = 0 if pert is None else pert.nbytes

    # Chunk: as many whole blocks of iterations as the memory budget holds (less the PERT
    # tables, which live for the whole run: 8 KB per distinct shape).
    per_iteration = np.dtype(kind).itemsize * (3 * n + _scratch_size(plan)) + 5 * n
    chunk = max(BLOCK, (memory_budget - tables) // max(per_iteration, 1) // BLOCK * BLOCK)
    chunk = min(chunk, -(-iterations // BLOCK) * BLOCK)
    durations_flat = np.empty(n * chunk, kind)
    dates_flat = np.empty(2 * n * chunk, kind)
    scratch = np.empty(_scratch_size(plan) * chunk, kind)
    group_rows = max(1, _SAMPLE_GROUP // BLOCK)
    sample_buffer = np.empty(group_rows * BLOCK, np.float32)
    sample_work = np.empty(3 * group_rows * BLOCK, np.float32)
    sample_floats = np.empty(group_rows * BLOCK, np.float64)
    driver_iterations = min(iterations, DRIVER_SAMPLE)
    driver_samples = np.empty(
        (unc_rows.size + len(risks), driver_iterations),
        np.int16 if model.longest.max(initial=0) <= _INT16_MAX else np.int32,
    )
    critical_count = np.zeros(n, np.float64)
    finishes = np.empty(iterations, np.int64)
    costs = np.empty(iterations, np.float64)
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
                work = sample_work[: 3 * values.size].reshape(3, *values.shape)
                sample(rng, lo, hi, values, work)
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
        target_finish=target_finish,
        budget_cents=budget_cents,
    )


def check_inputs(
    tasks: Sequence[SimulationTask],
    links: Sequence[LinkInput],
    risks: Sequence[RiskEvent] = (),
    *,
    base_cost: Decimal = Decimal(0),
    must_finish_by: int | None = None,
) -> int:
    """Validate a simulation's inputs exactly as :func:`simulate` does, without sampling, and
    return the deterministic (CPM) finish index. Cheap: one CPM pass, no iterations; a service
    calls it before it queues a long run, so a bad estimate is refused at once."""
    tasks = list(tasks)
    plan = _prepare(tasks, links, must_finish_by)
    _Model.build(tasks, list(risks), plan, base_cost)
    return plan.deterministic_finish
