"""Monte Carlo forecast runs (DESIGN §4 "Risk"): build the simulation's inputs from the plan
and the register, queue the run, compute and store it.

Inputs: every task of the project (a three-point estimate makes it uncertain, otherwise its
duration is fixed; actual starts and finishes as the schedule engine reads them), every
dependency, and every live (open or monitored) risk: it fires with its probability level's
percentage on the project's scale, adds its days to the tasks it names and its cost impact to
the cost, or takes them away for an opportunity. Risks that occurred are issues now: their
effect belongs in the plan itself, so they are not drawn again.

Tasks without a three-point estimate are fixed: a plan without any estimate spreads only by its
risk events and looks more certain than it is. A run may give those tasks the project's default
uncertainty (``RiskScale.default_optimistic_percent`` / ``default_pessimistic_percent``, e.g.
−10 %/+25 %): applied when the run is computed, recorded on the run, never written into the
tasks. The results say how many tasks had estimates and warn when none had any.

Cost: the base is the BAC (``budgets`` earned value: baselined task costs, or budget lines when
tasks carry none), or the approved budget, or the plan's task costs, the first that is not
zero; a task's sampled days move the cost by its planned cost per planned working day.

The chance of meeting the target: each run is measured against the project's target finish and
its budget (the BAC, else the approved budget: the base cost when that is a budget, never the
plan's own task costs) as they are when it is computed; both, and the share of iterations that
met each, are stored on the run. No target or no budget: no chance (null).
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from budgets import selectors as budget_selectors
from projects.models import Project
from projects.queue import enqueue_on_commit
from projects.services.common import lock_project
from risks.models import ForecastRun, Kind, Risk, RiskScale, RiskTaskImpact
from risks.models.forecasts import MAX_ITERATIONS, MIN_ITERATIONS
from risks.signals import forecast_finished
from risks.simulation import (
    PERCENTILES,
    LinkInput,
    RiskEvent,
    SimulationResult,
    SimulationTask,
    check_inputs,
    simulate,
)
from scheduling.crossproject import start_no_earlier
from scheduling.engine import CycleError, WorkCalendar
from scheduling.models import Dependency, Task
from scheduling.services import work_calendar

ZERO = Decimal("0.00")
# Seeds are stored in a signed 64-bit column; numpy takes any non-negative integer.
MAX_SEED = 2**63 - 1
# Progress is written at most this often (percent of iterations), not after every chunk.
PROGRESS_STEP = 10


@dataclass(frozen=True)
class ForecastInputs:
    """What one project's simulation needs, with names to explain errors and drivers."""

    calendar: WorkCalendar
    tasks: list[SimulationTask]
    links: list[LinkInput]
    risks: list[RiskEvent]
    base_cost: Decimal
    task_names: dict[int, str]
    risk_names: dict[int, str]
    # Tasks with work left (not milestones, not finished), those with their own three-point
    # estimate, and those given the default uncertainty.
    open_tasks: int = 0
    estimated_tasks: int = 0
    defaulted_tasks: int = 0
    default_uncertainty: tuple[int, int] | None = None
    # The target finish and the budget the runs are measured against (None: not set), and the
    # target as the engine takes it: the last working day on or before it, inclusive.
    target_finish: datetime.date | None = None
    target_index: int | None = None
    budget: Decimal | None = None


def _base_cost(project: Project, planned: Decimal) -> tuple[Decimal, Decimal | None]:
    """The cost the simulation starts from, and the budget it is held to (None when the
    project has neither a BAC nor an approved budget: its own task costs are no budget)."""
    bac = budget_selectors.evm_for(project, project.today()).bac
    if bac:
        return bac, bac
    approved = budget_selectors.approved_budget(project)["total"]
    if approved:
        return approved, approved
    return planned, None


def _has_estimate(row: dict[str, Any]) -> bool:
    return row["optimistic_duration"] is not None and row["pessimistic_duration"] is not None


def forecast_inputs(
    project: Project, *, default_uncertainty: tuple[int, int] | None = None
) -> ForecastInputs:
    """Read the plan and the register into the simulation's dataclasses (a fixed number of
    queries, whatever the size of the project). With ``default_uncertainty`` (optimistic %,
    pessimistic %), a task with work left and no three-point estimate is drawn between its
    duration shortened and lengthened by those percentages, most likely its duration."""
    calendar = work_calendar(project)

    def index(day, *, inclusive_end: bool = False) -> int | None:
        if day is None:
            return None
        return (
            calendar.last_index_on_or_before(day) if inclusive_end else calendar.date_to_index(day)
        )

    rows = list(
        Task.objects.filter(project=project)
        .order_by("id")
        .values(
            "id",
            "name",
            "duration",
            "constraint_date",
            "external_start",
            "external_finish",
            "deadline",
            "actual_start",
            "actual_finish",
            "optimistic_duration",
            "most_likely_duration",
            "pessimistic_duration",
            "fixed_cost",
            "labour_cost",
        )
    )
    tasks = []
    planned = ZERO
    open_tasks = estimated = defaulted = 0
    for row in rows:
        cost = row["fixed_cost"] + row["labour_cost"]
        planned += cost
        actual_start, actual_finish = calendar.actual_indexes(
            row["actual_start"], row["actual_finish"]
        )
        estimate = (
            row["optimistic_duration"],
            row["most_likely_duration"],
            row["pessimistic_duration"],
        )
        if row["duration"] > 0 and row["actual_finish"] is None:  # work left
            open_tasks += 1
            if _has_estimate(row):
                estimated += 1
            elif default_uncertainty is not None:
                shorter, longer = default_uncertainty
                duration = row["duration"]
                estimate = (
                    duration * (100 - shorter) / 100,
                    duration,
                    duration * (100 + longer) / 100,
                )
                defaulted += 1
        tasks.append(
            SimulationTask(
                id=row["id"],
                duration=row["duration"],
                optimistic=estimate[0],
                most_likely=estimate[1],
                pessimistic=estimate[2],
                # Its own constraint and what tasks of other projects allow, as they stand.
                constraint=start_no_earlier(
                    calendar,
                    row["constraint_date"],
                    row["external_start"],
                    row["external_finish"],
                    row["duration"],
                ),
                deadline=index(row["deadline"], inclusive_end=True),
                actual_start=actual_start,
                actual_finish=actual_finish,
                cost_per_day=cost / row["duration"] if row["duration"] else Decimal(0),
            )
        )
    links = [
        LinkInput(predecessor=p, successor=s, type=t, lag=lag)
        for p, s, t, lag in Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "type", "lag"
        )
    ]
    scale = RiskScale.objects.filter(project=project).first() or RiskScale.default()
    live = list(
        Risk.objects.for_project(project)
        .live()
        .order_by("id")
        .values("id", "number", "title", "kind", "probability", "cost_impact")
    )
    impacts: dict[int, dict[int, int]] = {r["id"]: {} for r in live}
    for risk_id, task_id, days in RiskTaskImpact.objects.filter(risk_id__in=impacts).values_list(
        "risk_id", "task_id", "days"
    ):
        impacts[risk_id][task_id] = days
    risks = []
    for r in live:
        sign = -1 if r["kind"] == Kind.OPPORTUNITY else 1
        risks.append(
            RiskEvent(
                id=r["id"],
                probability=scale.percent(r["probability"]) / 100,
                schedule_impact={task: sign * days for task, days in impacts[r["id"]].items()},
                cost_impact=sign * r["cost_impact"],
            )
        )
    base_cost, budget = _base_cost(project, planned)
    target = project.target_finish
    return ForecastInputs(
        calendar=calendar,
        tasks=tasks,
        links=links,
        risks=risks,
        base_cost=base_cost,
        target_finish=target,
        target_index=None if target is None else calendar.last_index_on_or_before(target),
        budget=budget,
        task_names={row["id"]: row["name"] for row in rows},
        risk_names={r["id"]: f"R-{r['number']} {r['title']}" for r in live},
        open_tasks=open_tasks,
        estimated_tasks=estimated,
        defaulted_tasks=defaulted,
        default_uncertainty=default_uncertainty,
    )


def default_uncertainty_of(project: Project) -> tuple[int, int]:
    """The project's default uncertainty (optimistic %, pessimistic %) from its risk scale."""
    scale = RiskScale.objects.filter(project=project).first() or RiskScale.default(project)
    return scale.default_optimistic_percent, scale.default_pessimistic_percent


def estimates_warning(
    *, open_tasks: int, estimated_tasks: int, default_uncertainty: tuple[int, int] | None
) -> str:
    """The warning a forecast carries when its spread is not the plan's: none of the tasks with
    work left has a three-point estimate and no default uncertainty was applied; "" otherwise."""
    if not open_tasks or estimated_tasks or default_uncertainty is not None:
        return ""
    return (
        f"None of the {open_tasks} tasks with work left has a three-point estimate, so only "
        "risk events vary the finish: this forecast looks far more certain than the plan is. "
        "Add estimates, or run it with the project's default uncertainty."
    )


def _explain(error: ValueError, inputs: ForecastInputs) -> ValidationError:
    """The simulation's error with task and risk names instead of ids, on the field to fix."""
    if isinstance(error, CycleError):
        chain = " → ".join(
            f"“{inputs.task_names.get(pk, pk)}”" for pk in [*error.task_ids, error.task_ids[0]]
        )
        return ValidationError({"dependencies": f"The dependencies form a loop: {chain}."})
    message = str(error)
    if match := re.match(r"task (-?\d+): (.*)", message, re.S):
        name = inputs.task_names.get(int(match[1]), match[1])
        return ValidationError({"estimates": f"Task “{name}”: {match[2]}."})
    if match := re.match(r"risk (-?\d+): (.*)", message, re.S):
        name = inputs.risk_names.get(int(match[1]), match[1])
        return ValidationError({"risks": f"Risk “{name}”: {match[2]}."})
    return ValidationError(message)


def _validated_run(
    *,
    project: Project,
    by: AbstractBaseUser,
    iterations: int,
    seed: int | None,
    distribution: str,
    default_uncertainty: bool = False,
) -> ForecastRun:
    uncertainty = _checked_request(
        project=project,
        iterations=iterations,
        seed=seed,
        distribution=distribution,
        default_uncertainty=default_uncertainty,
    )
    # Numbered per project under the project's row lock: two requests never take one number.
    lock_project(project)
    return _numbered_run(
        project=project,
        by=by,
        iterations=iterations,
        seed=seed,
        distribution=distribution,
        uncertainty=uncertainty,
    )


def _checked_request(
    *,
    project: Project,
    iterations: int,
    seed: int | None,
    distribution: str,
    default_uncertainty: bool,
) -> tuple[int, int] | None:
    """Refuse bad parameters, or a plan the simulation cannot take (naming what to fix); the
    default uncertainty the run will apply, or None."""
    errors: dict[str, str] = {}
    if not isinstance(iterations, int) or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        errors["iterations"] = f"Give between {MIN_ITERATIONS:,} and {MAX_ITERATIONS:,} iterations."
    if distribution not in ForecastRun.Distribution.values:
        errors["distribution"] = "Choose triangular or PERT."
    if seed is not None and (not isinstance(seed, int) or not 0 <= seed <= MAX_SEED):
        errors["seed"] = "A seed is a whole number from 0 to 2⁶³ − 1."
    if errors:
        raise ValidationError(errors)
    uncertainty = default_uncertainty_of(project) if default_uncertainty else None
    inputs = forecast_inputs(project, default_uncertainty=uncertainty)
    if not inputs.tasks:
        raise ValidationError({"tasks": f"{project.key} has no tasks to forecast yet."})
    try:
        check_inputs(inputs.tasks, inputs.links, inputs.risks, base_cost=inputs.base_cost)
    except ValueError as error:
        raise _explain(error, inputs) from None
    return uncertainty


def _numbered_run(
    *,
    project: Project,
    by: AbstractBaseUser | None,
    iterations: int,
    seed: int | None,
    distribution: str,
    uncertainty: tuple[int, int] | None,
) -> ForecastRun:
    """Create the next run of the project; call with the project's row lock held."""
    last = ForecastRun.objects.filter(project=project).aggregate(last=Max("number"))["last"]
    return ForecastRun.objects.create(
        project=project,
        number=(last or 0) + 1,
        default_optimistic_percent=uncertainty[0] if uncertainty else None,
        default_pessimistic_percent=uncertainty[1] if uncertainty else None,
        requested_by=by,
        iterations=iterations,
        seed=secrets.randbelow(2**32) if seed is None else seed,
        distribution=distribution,
    )


@transaction.atomic
def forecast_request(
    *,
    project: Project,
    by: AbstractBaseUser,
    iterations: int = 10_000,
    seed: int | None = None,
    distribution: str = "triangular",
    default_uncertainty: bool = False,
) -> ForecastRun:
    """Validate and queue a forecast; the worker computes it (``risks.tasks.run_forecast``),
    enqueued only once this transaction commits. Without a seed, one is drawn and stored so
    the run can be repeated exactly. ``default_uncertainty`` gives the tasks without a
    three-point estimate the project's default uncertainty, recorded on the run."""
    run = _validated_run(
        project=project,
        by=by,
        iterations=iterations,
        seed=seed,
        distribution=distribution,
        default_uncertainty=default_uncertainty,
    )
    enqueue_on_commit("risks.tasks.run_forecast", run.pk)
    return run


def forecast_run_now(
    *,
    project: Project,
    by: AbstractBaseUser,
    iterations: int = 2_000,
    seed: int | None = None,
    distribution: str = "triangular",
    default_uncertainty: bool = False,
) -> ForecastRun:
    """Validate and compute a forecast in this process, without the queue: for small projects
    and small runs (the demo data, a quick preview), never for what can take seconds."""
    with transaction.atomic():
        run = _validated_run(
            project=project,
            by=by,
            iterations=iterations,
            seed=seed,
            distribution=distribution,
            default_uncertainty=default_uncertainty,
        )
    return forecast_run_compute(run_id=run.pk)


class _Progress:
    """Writes a run's progress when it has moved by ``PROGRESS_STEP`` % or more."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.reported = 0

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // total
        # 100 % is written with the results, so a finished run never shows 100 % without them.
        if percent < 100 and percent - self.reported >= PROGRESS_STEP:
            ForecastRun.objects.filter(pk=self.run_id, status=ForecastRun.Status.RUNNING).update(
                progress=percent
            )
            self.reported = percent


def forecast_run_compute(*, run_id: int) -> ForecastRun | None:
    """Compute a queued run and store its results. Safe to repeat: a finished run (done or
    failed) is returned as it is; a run left "running" by a worker that died is computed again
    (same seed, same answer). Returns None when the run was deleted meanwhile."""
    with transaction.atomic():
        run = (
            ForecastRun.objects.select_for_update()
            .select_related("project")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.is_finished:
            return run
        run.status = ForecastRun.Status.RUNNING
        run.started_at = timezone.now()
        run.progress = 0
        run.save(update_fields=["status", "started_at", "progress"])
    inputs = forecast_inputs(run.project, default_uncertainty=run.default_uncertainty)
    finished = ForecastRun.objects.filter(pk=run.pk).exclude(
        status__in=[ForecastRun.Status.DONE, ForecastRun.Status.FAILED]
    )
    try:
        result = simulate(
            inputs.tasks,
            inputs.links,
            inputs.risks,
            base_cost=inputs.base_cost,
            distribution=run.distribution,
            iterations=run.iterations,
            seed=run.seed,
            target_finish=inputs.target_index,
            budget=inputs.budget,
            progress=_Progress(run.pk),
        )
    except ValueError as error:
        # The plan changed since the request into one that cannot be simulated: say why.
        finished.update(
            status=ForecastRun.Status.FAILED,
            error="; ".join(_explain(error, inputs).messages),
            finished_at=timezone.now(),
        )
    else:
        try:
            results = forecast_results(result, inputs)
        except (ValueError, OverflowError):
            # Huge durations, estimates or impacts put some finishes past what a calendar holds.
            finished.update(
                status=ForecastRun.Status.FAILED,
                error="Some simulated finishes fall after 31 Dec 9999: shorten the durations, "
                "three-point estimates or risk impacts that are far too long.",
                finished_at=timezone.now(),
            )
        else:
            stored = finished.update(
                status=ForecastRun.Status.DONE,
                progress=100,
                results=results,
                error="",
                finished_at=timezone.now(),
                plan_finish=finish_date(inputs.calendar, result.deterministic_finish),
                target_finish=inputs.target_finish,
                budget=inputs.budget,
                p_target_finish=result.p_target_finish,
                p_budget=result.p_budget,
            )
            if stored:
                run.refresh_from_db()
                forecast_finished.send(sender=ForecastRun, project=run.project, run=run)
                return run
    run.refresh_from_db()
    return run


# --- results as stored (and served by the API) ---------------------------------------------------


def finish_date(calendar: WorkCalendar, index: int):
    """The finish date shown for an exclusive finish index: the working day before it (a
    plan of milestones only finishes on its first day)."""
    return calendar.index_to_date(max(index - 1, 0))


def forecast_results(result: SimulationResult, inputs: ForecastInputs) -> dict[str, Any]:
    """The simulation's result as JSON: finish dates through the project calendar (ISO),
    money as decimal strings, task and risk ids as strings (JSON object keys)."""
    calendar = inputs.calendar
    indexes = list(result.finish_indexes)
    shown = calendar.indexes_to_dates([max(i - 1, 0) for i in indexes])
    dates = [str(day) for day in shown.tolist()]
    return {
        "iterations": result.iterations,
        "seed": result.seed,
        "distribution": result.distribution,
        "deterministic_finish": {
            "index": result.deterministic_finish,
            "date": finish_date(calendar, result.deterministic_finish).isoformat(),
        },
        "finish": {
            f"P{p}": {
                "index": result.finish_percentiles[p],
                "date": finish_date(calendar, result.finish_percentiles[p]).isoformat(),
            }
            for p in PERCENTILES
        },
        "finish_mean_days": round(result.finish_mean, 2),
        "finish_std_days": round(result.finish_std, 2),
        "base_cost": str(result.base_cost),
        "cost": {f"P{p}": str(result.cost_percentiles[p]) for p in PERCENTILES},
        "cost_mean": str(result.cost_mean),
        "cost_std": str(result.cost_std),
        "finish_histogram": [
            {"index": i, "date": d, "count": c}
            for i, d, c in zip(indexes, dates, result.finish_counts, strict=True)
        ],
        "s_curve": [
            {"index": i, "date": d, "percent": round(p, 2)}
            for i, d, p in zip(indexes, dates, result.finish_cumulative, strict=True)
        ],
        "cost_histogram": [
            {"from": str(low), "to": str(high), "count": c}
            for (low, high), c in zip(
                pairwise(result.cost_bin_edges), result.cost_counts, strict=True
            )
        ],
        "criticality": {str(task): round(share, 4) for task, share in result.criticality.items()},
        "drivers": [
            {
                "kind": d.kind,
                "id": d.id,
                "name": (inputs.task_names if d.kind == "task" else inputs.risk_names).get(
                    d.id, str(d.id)
                ),
                "correlation": round(d.correlation, 4),
            }
            for d in result.drivers
        ],
        "driver_iterations": result.driver_iterations,
        "estimates": {
            "open_tasks": inputs.open_tasks,
            "with_estimates": inputs.estimated_tasks,
            "given_default": inputs.defaulted_tasks,
            "default_uncertainty": None
            if inputs.default_uncertainty is None
            else {
                "optimistic_percent": inputs.default_uncertainty[0],
                "pessimistic_percent": inputs.default_uncertainty[1],
            },
        },
        "warning": estimates_warning(
            open_tasks=inputs.open_tasks,
            estimated_tasks=inputs.estimated_tasks,
            default_uncertainty=inputs.default_uncertainty,
        ),
    }
