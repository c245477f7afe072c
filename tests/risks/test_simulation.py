"""The Monte Carlo forecast (DESIGN §4 "Risk", the risks/simulation package).

Analytic checks use closed forms a PM can verify: a triangular (a, m, b) estimate has mean
(a + m + b) / 3 and variance (a² + m² + b² - am - ab - mb) / 18, a beta-PERT one mean
(a + 4m + b) / 6. Sampled durations are rounded half up to whole working days, which adds about
1/12 day² of variance per uncertain task (Sheppard's correction) and moves the mean by a few
hundredths of a day; the tolerances below say where each allowance comes from. N is the
default 10,000 iterations unless stated, so one standard error of a mean is sigma / 100.
"""

import math
from decimal import Decimal

import numpy as np
import pytest

from risks.simulation import (
    PERCENTILES,
    LinkInput,
    RiskEvent,
    SimulationTask,
    chance_percent,
    schedule_samples,
    simulate,
)
from risks.simulation.sampling import PERT_CELLS, _beta_cells
from scheduling.engine import LINK_TYPES, CycleError, ScheduleResult, TaskInput, compute_schedule
from scheduling.workdays import shown_finish_index

N = 10_000


def shown_end(cpm: ScheduleResult) -> int:
    """The exclusive index after the plan's shown finish, as the forecast reports it."""
    tasks = list(cpm.tasks.values())
    starts = [task.early_start for task in tasks]
    return int(shown_finish_index(starts, [task.early_finish for task in tasks])) + 1


def chain(
    estimates: list[tuple[float, float, float]], *, start_id: int = 1
) -> tuple[list[SimulationTask], list[LinkInput]]:
    """Finish-to-start chain of tasks with three-point estimates (duration = most likely)."""
    tasks = [
        SimulationTask(start_id + k, round(m), optimistic=a, most_likely=m, pessimistic=b)
        for k, (a, m, b) in enumerate(estimates)
    ]
    links = [LinkInput(start_id + k, start_id + k + 1) for k in range(len(estimates) - 1)]
    return tasks, links


def random_network(
    rng: np.random.Generator, size: int
) -> tuple[list[TaskInput], list[LinkInput], int | None]:
    """A random network using every engine feature: all link types, lags and leads,
    constraints, deadlines, actual starts and finishes, sometimes a must-finish-by date."""
    tasks = []
    for task_id in range(1, size + 1):
        extra: dict[str, int] = {}
        if rng.random() < 0.2:
            extra["constraint"] = int(rng.integers(0, 10))
        if rng.random() < 0.15:
            extra["deadline"] = int(rng.integers(0, 30))
        if rng.random() < 0.1:
            extra["actual_start"] = int(rng.integers(-3, 5))
            if rng.random() < 0.5:
                extra["actual_finish"] = extra["actual_start"] + int(rng.integers(0, 4))
        tasks.append(TaskInput(task_id, int(rng.integers(0, 8)), **extra))
    pairs = {
        (int(rng.integers(1, successor)), successor)
        for successor in range(2, size + 1)
        for _ in range(int(rng.integers(0, 3)))
    }
    links = [
        LinkInput(
            predecessor,
            successor,
            LINK_TYPES[int(rng.integers(0, 4))],
            int(rng.integers(-3, 4)) if rng.random() < 0.5 else 0,
        )
        for predecessor, successor in sorted(pairs)
    ]
    must_finish_by = int(rng.integers(5, 40)) if rng.random() < 0.3 else None
    return tasks, links, must_finish_by


def as_simulation_tasks(tasks: list[TaskInput]) -> list[SimulationTask]:
    return [
        SimulationTask(
            task.id,
            task.duration,
            constraint=task.constraint,
            deadline=task.deadline,
            actual_start=task.actual_start,
            actual_finish=task.actual_finish,
        )
        for task in tasks
    ]


# --- Analytic checks ------------------------------------------------------------------------------


def test_simulate_triangular_chain_matches_closed_form() -> None:
    """A chain of triangular tasks finishes with the summed mean and variance of its tasks."""
    estimates = [(2, 5, 11), (1, 3, 4), (4, 6, 12), (3, 3, 9), (5, 8, 10)] * 4
    tasks, links = chain(estimates)
    result = simulate(tasks, links, seed=11)
    mean = sum((a + m + b) / 3 for a, m, b in estimates)
    variance = sum((a * a + m * m + b * b - a * m - a * b - m * b) / 18 for a, m, b in estimates)
    # Rounding: + 1/12 day² per task (Sheppard); the mean moves < 0.03 day per task.
    rounded_variance = variance + len(estimates) / 12
    sigma = math.sqrt(rounded_variance)
    # 4 standard errors of the mean (sigma / sqrt(N)) plus the rounding allowance.
    assert result.finish_mean == pytest.approx(mean, abs=4 * sigma / math.sqrt(N) + 0.03 * 20)
    # The sample standard deviation's standard error is about sigma / sqrt(2N): allow 4 of them
    # around the rounded variance, plus 3 % for Sheppard's approximation on kinked densities.
    assert result.finish_std == pytest.approx(sigma, rel=0.03 + 4 / math.sqrt(2 * N))
    assert result.finish_std > math.sqrt(variance)  # rounding only widens


def test_simulate_pert_chain_mean_is_classic_pert() -> None:
    """Beta-PERT (lambda 4) tasks in a chain finish at the sum of (a + 4m + b) / 6."""
    estimates = [(2, 5, 11), (1, 3, 4), (4, 6, 12), (3, 4, 9), (5, 8, 10)] * 4
    tasks, links = chain(estimates)
    result = simulate(tasks, links, distribution="pert", seed=5)
    mean = sum((a + 4 * m + b) / 6 for a, m, b in estimates)
    # PERT's standard deviation is about (b - a) / 6 per task; 4 standard errors + rounding.
    sigma = math.sqrt(sum(((b - a) / 6) ** 2 + 1 / 12 for a, _, b in estimates))
    assert result.finish_mean == pytest.approx(mean, abs=4 * sigma / math.sqrt(N) + 0.3)


def test_simulate_pert_is_narrower_than_triangular() -> None:
    """On the same estimates beta-PERT concentrates on the mode more than triangular."""
    tasks, links = chain([(2, 4, 14)] * 10)
    triangular = simulate(tasks, links, seed=1)
    pert = simulate(tasks, links, distribution="pert", seed=1)
    assert pert.finish_std < triangular.finish_std


def beta_cdf(x: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """The Beta CDF by the trapezoid rule on 400,000 equal steps, normalised by the exact beta
    function (lgamma), not by its own total: a reference independent of the sampler's tables."""
    grid = np.linspace(0.0, 1.0, 400_001)
    log_beta = math.lgamma(alpha) + math.lgamma(beta) - math.lgamma(alpha + beta)
    density = grid ** (alpha - 1) * (1 - grid) ** (beta - 1) / math.exp(log_beta)
    cdf = np.concatenate(([0.0], np.cumsum((density[1:] + density[:-1]) / 2) / (grid.size - 1)))
    return np.interp(x, grid, cdf)


# Mode at the optimistic end (alpha 1), skewed right, symmetric, skewed left, mode at the
# pessimistic end (alpha 5). Ranges of 600 days make whole-day rounding negligible.
PERT_SHAPES = [(100, 100, 700), (100, 250, 700), (100, 400, 700), (100, 610, 700), (100, 700, 700)]
PERT_N = 100_000


@pytest.mark.parametrize(("a", "m", "b"), PERT_SHAPES)
def test_simulate_pert_task_has_the_beta_pert_mean_and_variance(a: int, m: int, b: int) -> None:
    """A PERT task's durations have mean (a + 4m + b) / 6 and the Beta(alpha, beta) variance."""
    tasks, links = chain([(a, m, b)])
    result = simulate(tasks, links, distribution="pert", iterations=PERT_N, seed=3)
    alpha = 1 + 4 * (m - a) / (b - a)
    beta = 6 - alpha
    variance = alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)) * (b - a) ** 2
    sigma = math.sqrt(variance + 1 / 12)  # + Sheppard's 1/12 day² for rounding to whole days
    # 4 standard errors: sigma / sqrt(N) for the mean; at most sigma / sqrt(2N) for the
    # standard deviation, since a beta's kurtosis is below the normal's.
    assert result.finish_mean == pytest.approx((a + 4 * m + b) / 6, abs=4 * sigma / PERT_N**0.5)
    assert result.finish_std == pytest.approx(sigma, abs=4 * sigma / (2 * PERT_N) ** 0.5)


@pytest.mark.parametrize(("a", "m", "b"), PERT_SHAPES)
def test_simulate_pert_task_follows_the_beta_cdf(a: int, m: int, b: int) -> None:
    """The share of iterations finishing within k days is the Beta CDF at k + 0.5 (rounding
    half up), within the Kolmogorov-Smirnov bound an exact sampler exceeds once in 1,000."""
    tasks, links = chain([(a, m, b)])
    result = simulate(tasks, links, distribution="pert", iterations=PERT_N, seed=4)
    alpha = 1 + 4 * (m - a) / (b - a)
    days = np.array(result.finish_indexes)
    sampled = np.cumsum(result.finish_counts) / PERT_N
    exact = beta_cdf((days + 0.5 - a) / (b - a), alpha, 6 - alpha)
    assert np.abs(sampled - exact).max() < 1.95 / PERT_N**0.5


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 3.0, 4.4, 5.0])
def test_pert_tables_are_the_beta_distribution(alpha: float) -> None:
    """The PERT sampler's quantile pieces start at the exact Beta quantiles (CDF within 1e-5)
    and the distribution they make has the Beta's mean and variance: far below what any
    number of iterations a forecast runs could tell apart."""
    start, step = _beta_cells(np.array([alpha]), np.array([6 - alpha]), PERT_CELLS)
    start, end = start[0], start[0] + step[0]
    cells = np.arange(PERT_CELLS) / PERT_CELLS
    assert np.abs(beta_cdf(start[1:], alpha, 6 - alpha) - cells[1:]).max() < 1e-5
    # Each piece is uniform over [start, end] with probability 1 / cells.
    mean = ((start + end) / 2).mean()
    variance = ((start**2 + start * end + end**2) / 3).mean() - mean**2
    assert mean == pytest.approx(alpha / 6, abs=1e-5)
    assert variance == pytest.approx(alpha * (6 - alpha) / 252, rel=1e-3)


def test_simulate_risk_probability_delays_that_share_of_iterations() -> None:
    """A 30 % risk of 5 days on a critical task delays 30 % ± 2 % of iterations by 5 days."""
    tasks = [SimulationTask(1, 10), SimulationTask(2, 5), SimulationTask(3, 2)]
    links = [LinkInput(1, 2), LinkInput(1, 3)]
    risk = RiskEvent(7, 0.3, schedule_impact={2: 5})
    result = simulate(tasks, links, [risk], seed=3)
    assert result.deterministic_finish == 15
    late = dict(zip(result.finish_indexes, result.finish_counts, strict=True))
    # Binomial standard error sqrt(0.3 * 0.7 / N) = 0.46 %: ± 2 % is over 4 of them.
    assert result.finish_indexes == (15, 16, 17, 18, 19, 20)
    assert late[15] + late[20] == N
    assert late[20] / N == pytest.approx(0.3, abs=0.02)
    assert result.finish_percentiles[50] == 15
    assert result.finish_percentiles[80] == 20


def test_simulate_risk_on_task_with_float_may_not_delay() -> None:
    """A risk that fits inside a task's float does not move the finish."""
    tasks = [SimulationTask(1, 10), SimulationTask(2, 5), SimulationTask(3, 2)]
    links = [LinkInput(1, 2), LinkInput(1, 3)]
    result = simulate(tasks, links, [RiskEvent(1, 1.0, schedule_impact={3: 3})], iterations=500)
    assert result.finish_percentiles == dict.fromkeys(PERCENTILES, 15)


def test_simulate_zero_variance_gives_cpm_finish() -> None:
    """Without estimates or risks every percentile is the engine's CPM finish."""
    tasks = [SimulationTask(1, 3), SimulationTask(2, 2), SimulationTask(3, 4, constraint=2)]
    links = [LinkInput(1, 2, "SS", 1), LinkInput(2, 3, "FF", 2), LinkInput(1, 3, "SF", 4)]
    cpm = compute_schedule([TaskInput(1, 3), TaskInput(2, 2), TaskInput(3, 4, constraint=2)], links)
    result = simulate(tasks, links, iterations=1_000)
    assert result.finish_percentiles == dict.fromkeys(PERCENTILES, shown_end(cpm))
    assert result.finish_mean == shown_end(cpm)
    assert result.finish_std == 0
    assert result.finish_indexes == (shown_end(cpm),)
    assert result.finish_cumulative == (100.0,)
    assert result.criticality == {
        task_id: float(task.is_critical) for task_id, task in cpm.tasks.items()
    }


@pytest.mark.parametrize("seed", range(12))
def test_simulate_zero_variance_matches_engine_on_random_networks(seed: int) -> None:
    """On random networks with every engine feature, fixed durations reproduce the CPM."""
    rng = np.random.default_rng(seed)
    tasks, links, must_finish_by = random_network(rng, int(rng.integers(2, 40)))
    cpm = compute_schedule(tasks, links, must_finish_by=must_finish_by)
    result = simulate(
        as_simulation_tasks(tasks), links, iterations=600, must_finish_by=must_finish_by
    )
    assert result.finish_percentiles == dict.fromkeys(PERCENTILES, shown_end(cpm))
    assert result.criticality == {
        task_id: float(task.is_critical) for task_id, task in cpm.tasks.items()
    }


@pytest.mark.parametrize("seed", range(40))
def test_schedule_samples_match_engine_per_scenario(seed: int) -> None:
    """Every scenario of the vectorised passes equals compute_schedule with its durations."""
    rng = np.random.default_rng(100 + seed)
    tasks, links, must_finish_by = random_network(rng, int(rng.integers(1, 30)))
    durations = rng.integers(0, 9, size=(6, len(tasks)))
    sampled = schedule_samples(tasks, links, durations, must_finish_by=must_finish_by)
    for scenario in range(6):
        cpm = compute_schedule(
            [
                TaskInput(
                    task.id,
                    # A finished task keeps its actuals whatever its sampled duration.
                    task.duration
                    if task.actual_finish is not None
                    else int(durations[scenario, index]),
                    task.constraint,
                    task.deadline,
                    task.actual_start,
                    task.actual_finish,
                )
                for index, task in enumerate(tasks)
            ],
            links,
            must_finish_by=must_finish_by,
        )
        assert sampled.finish[scenario] == shown_end(cpm)
        assert sampled.early_start[scenario].tolist() == [
            cpm.tasks[task.id].early_start for task in tasks
        ]
        assert sampled.critical[scenario].tolist() == [
            cpm.tasks[task.id].is_critical for task in tasks
        ]


# --- Determinism ----------------------------------------------------------------------------------


def uncertain_network() -> tuple[list[SimulationTask], list[LinkInput], list[RiskEvent]]:
    tasks = [
        SimulationTask(1, 5, optimistic=3, pessimistic=9, cost_per_day=Decimal("800")),
        SimulationTask(2, 4, optimistic=2, most_likely=4, pessimistic=12),
        SimulationTask(3, 6, optimistic=5, pessimistic=10, cost_per_day=Decimal("120.50")),
        SimulationTask(4, 0),
    ]
    links = [LinkInput(1, 2), LinkInput(1, 3, "SS", 2), LinkInput(2, 4), LinkInput(3, 4, "FF")]
    risks = [
        RiskEvent(10, 0.25, {2: 4}, Decimal("5000")),
        RiskEvent(11, 0.6, {3: 2}, Decimal("0")),
    ]
    return tasks, links, risks


def test_simulate_same_seed_same_result() -> None:
    """Two runs with the same seed give identical results, field by field."""
    tasks, links, risks = uncertain_network()
    first = simulate(tasks, links, risks, base_cost=Decimal(90_000), seed=42)
    second = simulate(tasks, links, risks, base_cost=Decimal(90_000), seed=42)
    assert first == second


def test_simulate_different_seed_different_result() -> None:
    """Another seed draws other samples, so the distribution differs."""
    tasks, links, risks = uncertain_network()
    first = simulate(tasks, links, risks, seed=1)
    second = simulate(tasks, links, risks, seed=2)
    assert first.finish_counts != second.finish_counts
    assert first.finish_mean != second.finish_mean


def test_simulate_result_does_not_depend_on_chunk_size() -> None:
    """A smaller memory budget (more, smaller chunks) gives the same answer."""
    tasks, links, risks = uncertain_network()
    whole = simulate(tasks, links, risks, seed=9, iterations=3_000)
    chunked = simulate(tasks, links, risks, seed=9, iterations=3_000, memory_budget=1)
    assert whole == chunked


def test_simulate_reports_progress_per_chunk() -> None:
    """The progress callback sees (done, total) after each chunk, ending at the total."""
    tasks, links, risks = uncertain_network()
    calls: list[tuple[int, int]] = []
    simulate(
        tasks, links, risks, iterations=1_200, memory_budget=1, progress=lambda *a: calls.append(a)
    )
    assert calls == [(500, 1_200), (1_000, 1_200), (1_200, 1_200)]


# --- Criticality and drivers ----------------------------------------------------------------------


def test_simulate_single_chain_is_always_critical() -> None:
    """Every task of a lone chain is critical in every iteration."""
    tasks, links = chain([(2, 4, 9), (1, 2, 6), (3, 3, 8)])
    result = simulate(tasks, links, iterations=2_000)
    assert result.criticality == {1: 1.0, 2: 1.0, 3: 1.0}


def test_simulate_identical_parallel_branches_share_criticality() -> None:
    """Two identical uncertain branches are each critical about half the time."""
    tasks = [
        SimulationTask(1, 0),
        SimulationTask(2, 10, optimistic=5, pessimistic=20),
        SimulationTask(3, 10, optimistic=5, pessimistic=20),
        SimulationTask(4, 0),
    ]
    links = [LinkInput(1, 2), LinkInput(1, 3), LinkInput(2, 4), LinkInput(3, 4)]
    result = simulate(tasks, links, seed=4)
    # Ties (both branches equally long, ~6 % of iterations) make both critical, so each
    # branch is critical in 50 % + half the ties; the milestones always are.
    assert result.criticality[2] == pytest.approx(0.53, abs=0.03)
    assert result.criticality[3] == pytest.approx(0.53, abs=0.03)
    assert result.criticality[2] + result.criticality[3] >= 1.0
    assert result.criticality[1] == result.criticality[4] == 1.0


def test_simulate_drivers_rank_the_widest_critical_estimate_first() -> None:
    """The tornado puts the task whose spread moves the finish most on top, risks included."""
    tasks = [
        SimulationTask(1, 10, optimistic=5, pessimistic=30),
        SimulationTask(2, 10, optimistic=9, pessimistic=12),
        SimulationTask(3, 1, optimistic=1, pessimistic=3),
    ]
    links = [LinkInput(1, 2), LinkInput(1, 3)]
    risks = [RiskEvent(5, 0.5, {2: 8})]
    result = simulate(tasks, links, risks, seed=8)
    assert [(driver.kind, driver.id) for driver in result.drivers[:3]] == [
        ("task", 1),
        ("risk", 5),
        ("task", 2),
    ]
    assert result.drivers[0].correlation > 0.7
    assert result.driver_iterations == 2_000
    # Task 3 is never critical, so it cannot drive the finish and is not ranked at all.
    assert result.criticality[3] == 0
    assert 3 not in {driver.id for driver in result.drivers if driver.kind == "task"}


# --- Cost -----------------------------------------------------------------------------------------


def test_simulate_certain_risk_cost_shifts_every_cost_percentile_exactly() -> None:
    """A risk certain to cost 1,000 moves every cost percentile by exactly 1,000.00."""
    tasks, links, risks = uncertain_network()
    base = simulate(tasks, links, risks, base_cost=Decimal("125000.10"), seed=6)
    certain = [*risks, RiskEvent(99, 1.0, cost_impact=Decimal("1000"))]
    shifted = simulate(tasks, links, certain, base_cost=Decimal("125000.10"), seed=6)
    assert {p: shifted.cost_percentiles[p] - base.cost_percentiles[p] for p in PERCENTILES} == (
        dict.fromkeys(PERCENTILES, Decimal("1000.00"))
    )
    assert shifted.cost_mean - base.cost_mean == Decimal("1000.00")
    assert shifted.finish_counts == base.finish_counts


def test_simulate_cost_moves_with_duration_at_the_daily_rate() -> None:
    """A task costing 250.25 a day costs that much more per day it overruns its plan."""
    tasks = [
        SimulationTask(
            1, 4, optimistic=4, most_likely=4, pessimistic=4.4, cost_per_day=Decimal("250.25")
        )
    ]
    result = simulate(tasks, [], base_cost=Decimal("1000.00"), iterations=1_000)
    # 4 to 4.4 rounds to 4 days always: no overrun, the cost is the base.
    assert result.cost_percentiles == dict.fromkeys(PERCENTILES, Decimal("1000.00"))
    late = simulate(
        [
            SimulationTask(
                1, 4, optimistic=6, most_likely=6, pessimistic=6, cost_per_day=Decimal("250.25")
            )
        ],
        [],
        base_cost=Decimal("1000.00"),
        iterations=500,
    )
    assert late.cost_percentiles[50] == Decimal("1500.50")
    assert late.finish_percentiles[50] == 6


def test_simulate_cost_percentiles_are_order_statistics_in_cents() -> None:
    """Cost percentiles are amounts some iteration actually cost, to the cent."""
    tasks, links, risks = uncertain_network()
    result = simulate(tasks, links, risks, base_cost=Decimal("90000"), seed=12)
    assert result.cost_percentiles[10] <= result.cost_percentiles[50]
    assert result.cost_percentiles[50] <= result.cost_percentiles[95]
    for value in result.cost_percentiles.values():
        assert value == value.quantize(Decimal("0.01"))
    assert sum(result.cost_counts) == N
    assert result.cost_bin_edges[0] <= result.cost_percentiles[10]
    assert result.cost_bin_edges[-1] > result.cost_percentiles[95]


def test_simulate_s_curve_accumulates_the_histogram() -> None:
    """The S-curve is the running share of iterations finished by each index."""
    tasks, links, risks = uncertain_network()
    result = simulate(tasks, links, risks, seed=2)
    running = np.cumsum(result.finish_counts) * 100 / N
    assert result.finish_cumulative == pytest.approx(running.tolist())
    assert result.finish_cumulative[-1] == pytest.approx(100.0)
    p80_index = result.finish_indexes.index(result.finish_percentiles[80])
    assert (
        result.finish_cumulative[p80_index]
        >= 80
        > (result.finish_cumulative[p80_index - 1] if p80_index else 0)
    )


# --- Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (
            SimulationTask(7, 5, optimistic=6, most_likely=5, pessimistic=4),
            "task 7: pessimistic estimate 4 is less than optimistic 6",
        ),
        (
            SimulationTask(7, 5, optimistic=2, most_likely=9, pessimistic=8),
            r"task 7: most likely estimate 9 is outside optimistic..pessimistic \(2..8\)",
        ),
        (
            SimulationTask(7, 5, optimistic=-1, pessimistic=8),
            "task 7: optimistic estimate -1 is negative",
        ),
        (
            SimulationTask(7, 5, optimistic=2),
            "task 7: a three-point estimate needs optimistic and pessimistic",
        ),
        (
            SimulationTask(7, 5, cost_per_day=Decimal("-1")),
            "task 7: cost per day -1 is negative",
        ),
    ],
)
def test_simulate_bad_estimate_names_the_task(task: SimulationTask, message: str) -> None:
    """A bad three-point estimate or rate is refused with the task's id and the reason."""
    with pytest.raises(ValueError, match=message):
        simulate([SimulationTask(1, 2), task], [LinkInput(1, 7)])


@pytest.mark.parametrize(
    ("risk", "message"),
    [
        (RiskEvent(3, 1.5), "risk 3: probability 1.5 is outside 0-1"),
        (RiskEvent(3, -0.1), "risk 3: probability -0.1 is outside 0-1"),
        (RiskEvent(3, 0.5, {99: 2}), "risk 3: schedule impact on unknown task 99"),
    ],
)
def test_simulate_bad_risk_names_the_risk(risk: RiskEvent, message: str) -> None:
    """A probability outside 0-1 or an impact on an unknown task is refused, naming the risk."""
    with pytest.raises(ValueError, match=message):
        simulate([SimulationTask(1, 2)], [], [risk])


def test_simulate_cycle_names_the_tasks() -> None:
    """A cycle is refused by the engine's check, naming the tasks."""
    with pytest.raises(CycleError, match="2 -> 3 -> 2"):
        simulate(
            [SimulationTask(1, 1), SimulationTask(2, 1), SimulationTask(3, 1)],
            [LinkInput(1, 2), LinkInput(2, 3), LinkInput(3, 2)],
        )


# --- Progress and actuals -------------------------------------------------------------------------


def test_schedule_samples_beyond_int16_match_engine() -> None:
    """Durations too long for the compact int16 arrays switch to int32 with the same rules."""
    tasks = [TaskInput(1, 20_000), TaskInput(2, 15_000, deadline=30_000), TaskInput(3, 1)]
    links = [LinkInput(1, 2, "SS", 20_000), LinkInput(2, 3, "FF", -5)]
    durations = np.array([[20_000, 15_000, 1], [30_000, 25_000, 3]])
    sampled = schedule_samples(tasks, links, durations)
    for scenario, row in enumerate(durations.tolist()):
        cpm = compute_schedule(
            [
                TaskInput(t.id, days, deadline=t.deadline)
                for t, days in zip(tasks, row, strict=True)
            ],
            links,
        )
        assert sampled.finish[scenario] == shown_end(cpm) > 32_767
        assert sampled.critical[scenario].tolist() == [
            cpm.tasks[task_id].is_critical for task_id in (1, 2, 3)
        ]


def test_simulate_finished_task_keeps_its_actuals() -> None:
    """A finished task neither samples its estimate nor takes risk impacts."""
    tasks = [
        SimulationTask(1, 5, optimistic=1, pessimistic=30, actual_start=0, actual_finish=6),
        SimulationTask(2, 3),
    ]
    result = simulate(tasks, [LinkInput(1, 2)], [RiskEvent(1, 1.0, {1: 10})], iterations=500)
    # Task 1 worked days 0-6 (7 days), task 2 follows: days 7-9, finish index 10.
    assert result.finish_percentiles == dict.fromkeys(PERCENTILES, 10)


def test_simulate_opportunity_never_makes_a_negative_duration() -> None:
    """A negative schedule impact shortens a task, but never below zero days."""
    tasks = [SimulationTask(1, 3), SimulationTask(2, 4)]
    result = simulate(tasks, [LinkInput(1, 2)], [RiskEvent(1, 1.0, {1: -10})], iterations=500)
    assert result.finish_percentiles[50] == 4


def test_check_inputs_validates_like_simulate_without_sampling():
    """check_inputs refuses what simulate refuses and returns the CPM finish otherwise."""
    from risks.simulation import check_inputs

    tasks = [SimulationTask(id=1, duration=5), SimulationTask(id=2, duration=3)]
    links = [LinkInput(predecessor=1, successor=2, type="FS", lag=0)]
    assert check_inputs(tasks, links) == 8
    bad = [SimulationTask(id=1, duration=5, optimistic=6, pessimistic=2)]
    with pytest.raises(ValueError, match="task 1: pessimistic estimate 2 is less than"):
        check_inputs(bad, [])
    with pytest.raises(ValueError, match="risk 9: probability 1.5 is outside 0-1"):
        check_inputs(tasks, links, [RiskEvent(id=9, probability=1.5)])
    with pytest.raises(CycleError):
        check_inputs(tasks, [*links, LinkInput(predecessor=2, successor=1, type="FS", lag=0)])


def test_simulate_plan_ending_with_a_milestone_finishes_on_the_milestone_day() -> None:
    """A 3-day task then a milestone: the milestone shows on day 3, so the finish index is 4
    (shown day 4 − 1 = 3), not the task's exclusive finish 3 (which would show day 2)."""
    tasks = [SimulationTask(1, 3), SimulationTask(2, 0)]
    result = simulate(tasks, [LinkInput(1, 2, "FS", 0)], iterations=50)
    assert result.deterministic_finish == 4
    assert result.finish_percentiles == dict.fromkeys(PERCENTILES, 4)


# --- the chance of meeting the target and the budget ---------------------------------------------
#
# One task from day 0 with a triangular (10, 10, 20) estimate: its CDF is
# F(x) = 1 - ((20 - x) / 10)² on [10, 20]. A sampled x rounds half up to d = floor(x + 0.5)
# working days; the task then finishes (shown) on day d - 1. It meets a target on day T when
# d - 1 <= T, i.e. x < T + 1.5. At 10,000 iterations one standard error of a share is at most
# 0.005; the seed is fixed, so 0.015 (three of them) is a tolerance the answer never drifts out of.


def _right_triangle(cost_per_day: Decimal = Decimal(0)) -> list[SimulationTask]:
    return [
        SimulationTask(
            1, 10, optimistic=10, most_likely=10, pessimistic=20, cost_per_day=cost_per_day
        )
    ]


@pytest.mark.parametrize("target", [10, 13, 16, 18])
def test_simulate_chance_of_target_is_the_cdf_before_the_target(target: int) -> None:
    """P(finish <= target day T) is F(T + 1.5) of the task's triangular estimate."""
    result = simulate(_right_triangle(), [], seed=17, target_finish=target)
    expected = 1 - ((20 - (target + 1.5)) / 10) ** 2
    assert result.p_target_finish == pytest.approx(expected, abs=0.015)
    # The S-curve says the same: the share finished by the day after the target (exclusive).
    curve = dict(zip(result.finish_indexes, result.finish_cumulative, strict=True))
    assert result.p_target_finish * 100 == pytest.approx(curve[target + 1])


def test_simulate_finishing_on_the_target_day_meets_it() -> None:
    """A fixed 10-day task finishes on day 9: a target of day 9 is met in every run, day 8 in
    none; a budget of exactly its cost is met, a cent less is not."""
    tasks = [SimulationTask(1, 10, cost_per_day=Decimal("100"))]
    on_time = simulate(tasks, [], base_cost=Decimal("1000"), target_finish=9, budget=Decimal(1000))
    late = simulate(tasks, [], base_cost=Decimal("1000"), target_finish=8, budget=Decimal(999.99))
    assert (on_time.p_target_finish, on_time.p_budget) == (1.0, 1.0)
    assert (late.p_target_finish, late.p_budget) == (0.0, 0.0)


def test_simulate_chance_of_budget_counts_the_runs_within_it() -> None:
    """At 100 a day and 1,000 planned for 10 days, a run costs 100 x d: within 1,200 when
    d <= 12, i.e. x < 12.5, so P = F(12.5) = 1 - 0.75² = 0.4375."""
    result = simulate(
        _right_triangle(Decimal("100")), [], base_cost=Decimal("1000"), seed=3, budget=Decimal(1200)
    )
    assert result.p_budget == pytest.approx(0.4375, abs=0.015)
    assert result.p_target_finish is None


def test_simulate_without_target_or_budget_gives_no_chance() -> None:
    """No target, no budget: no chance is claimed."""
    result = simulate(_right_triangle(), [], iterations=500)
    assert (result.p_target_finish, result.p_budget) == (None, None)


@pytest.mark.parametrize(("share", "percent"), [(0.6312, 63), (0.57, 57), (0.4996, 49), (1.0, 100)])
def test_chance_percent_rounds_down_to_whole_percent(share: float, percent: int) -> None:
    """A chance reads in whole percent, never rounded up across a threshold."""
    assert chance_percent(share) == percent
