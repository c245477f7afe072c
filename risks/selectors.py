"""Reads of the risk register, the issue log and forecasts for pages, the API and reports,
each in a fixed number of queries. Callers pass projects they got through the access door
(``projects.selectors.projects_for`` / ``get_project_for``).
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Sum, Value, When

from projects.models import Project
from risks.models import (
    LIVE_STATUSES,
    ForecastRun,
    Issue,
    Kind,
    Level,
    Risk,
    RiskAction,
    RiskScale,
    RiskTaskImpact,
    level_for,
)
from scheduling.models import Task

ZERO = Decimal("0.00")
SCALE = range(1, 6)

# --- register -------------------------------------------------------------------------------------


def risk_scale_of(project: Project) -> RiskScale:
    """The project's scale, or the defaults (unsaved) when nobody changed it."""
    return RiskScale.objects.filter(project=project).first() or RiskScale.default(project)


def risks_of(
    project: Project,
    *,
    status: str | list[str] | None = None,
    level: str | list[str] | None = None,
    category: str | None = None,
    kind: str | None = None,
    owner: AbstractBaseUser | int | None = None,
    search: str = "",
    live: bool | None = None,
    ids: list[int] | None = None,
) -> QuerySet[Risk]:
    """The register, filtered, live risks first and then by score, with owner, schedule
    impacts (and their tasks), action counts and the linked issue: two queries."""
    rows = Risk.objects.for_project(project)
    if live is not None:
        rows = rows.live() if live else rows.exclude(status__in=LIVE_STATUSES)
    for field, value in (("status", status), ("level", level)):
        if isinstance(value, list | tuple):
            rows = rows.filter(**{f"{field}__in": value})
        elif value:
            rows = rows.filter(**{field: value})
    if category:
        rows = rows.filter(category=category)
    if kind:
        rows = rows.filter(kind=kind)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if search.strip():
        text = search.strip()
        rows = rows.filter(
            Q(title__icontains=text)
            | Q(cause__icontains=text)
            | Q(event__icontains=text)
            | Q(effect__icontains=text)
        )
    return (
        rows.select_related("owner", "issue")
        .prefetch_related(
            Prefetch("task_impacts", queryset=RiskTaskImpact.objects.select_related("task"))
        )
        .annotate(
            open_actions=Count("actions", filter=Q(actions__done=False)),
            action_count=Count("actions"),
            # Live risks first: the register is read for what may still happen.
            settled=Case(When(status__in=LIVE_STATUSES, then=Value(0)), default=Value(1)),
        )
        .order_by("settled", "-score", "-emv", F("proximity").asc(nulls_last=True), "id")
    )


def risk_detail(project: Project, pk: int) -> Risk:
    """One risk of the project with everything its page shows (raises DoesNotExist)."""
    return (
        Risk.objects.for_project(project)
        .select_related("owner", "issue")
        .prefetch_related(
            Prefetch("task_impacts", queryset=RiskTaskImpact.objects.select_related("task")),
            Prefetch("actions", queryset=RiskAction.objects.select_related("owner", "task")),
        )
        .get(pk=pk)
    )


def top_risks(project: Project, limit: int = 5) -> list[Risk]:
    """The live risks that matter most: highest score, then EMV, then nearest. One query."""
    return list(Risk.objects.for_project(project).live().select_related("owner").by_rank()[:limit])


def open_risks_by_level(project: Project) -> dict[str, int]:
    """Live risks per level, every level present (zero where none). One query."""
    counts = dict(
        Risk.objects.for_project(project)
        .live()
        .values("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
        .order_by()
    )
    return {level.value: counts.get(level.value, 0) for level in Level}


def risk_exposure(project: Project) -> dict[str, Decimal]:
    """Σ EMV of the live risks: ``threats`` (cost expected), ``opportunities`` (saving
    expected, negative) and ``net``. One query."""
    totals = (
        Risk.objects.for_project(project)
        .live()
        .aggregate(
            threats=Sum("emv", filter=Q(kind=Kind.THREAT), default=ZERO),
            opportunities=Sum("emv", filter=Q(kind=Kind.OPPORTUNITY), default=ZERO),
        )
    )
    # SQLite sums decimals as floats: amounts are shown in cents.
    threats = Decimal(totals["threats"]).quantize(ZERO)
    opportunities = Decimal(totals["opportunities"]).quantize(ZERO)
    return {"threats": threats, "opportunities": opportunities, "net": threats + opportunities}


def heat_map(project: Project, *, residual: bool = False) -> list[list[dict[str, Any]]]:
    """The 5×5 probability/impact grid of the live risks, inherent or residual: rows from
    probability 5 (top) down to 1, columns impact 1 to 5; each cell has its score, level,
    count and the risk ids in it (for links to the filtered register). A risk without a
    residual rating counts at its inherent one (no response has changed it yet). One query."""
    rows = Risk.objects.for_project(project).live().order_by("-score", "id")
    cells: dict[tuple[int, int], list[int]] = {}
    for pk, p, i, rp, ri in rows.values_list(
        "id", "probability", "impact", "residual_probability", "residual_impact"
    ):
        if residual and rp is not None and ri is not None:
            p, i = rp, ri
        cells.setdefault((p, i), []).append(pk)
    return [
        [
            {
                "probability": p,
                "impact": i,
                "score": p * i,
                "level": level_for(p * i).value,
                "count": len(cells.get((p, i), [])),
                "risk_ids": cells.get((p, i), []),
            }
            for i in SCALE
        ]
        for p in reversed(SCALE)
    ]


def risk_trend(
    project: Project, *, weeks: int = 12, today: datetime.date | None = None
) -> list[dict[str, Any]]:
    """Live risks by level at the end of each of the last ``weeks`` weeks (Monday to Sunday in
    the project's time zone; the current week up to now), from the risks' history. One query.

    Each point: ``week`` (its Monday), then a count per level."""
    zone = project.zone
    today = today or project.today()
    monday = today - datetime.timedelta(days=today.weekday())
    mondays = [monday - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    # A week's state is the last change before the next Monday began in the project's zone.
    cutoffs = [
        datetime.datetime.combine(m + datetime.timedelta(days=7), datetime.time(), zone)
        for m in mondays
    ]
    changes = iter(
        Risk.history.filter(project_id=project.pk, history_date__lt=cutoffs[-1])
        .order_by("history_date", "history_id")
        .values_list("id", "history_date", "history_type", "status", "level")
    )
    state: dict[int, tuple[str, str]] = {}
    points = []
    pending = next(changes, None)
    for week, cutoff in zip(mondays, cutoffs, strict=True):
        while pending is not None and pending[1] < cutoff:
            pk, _, change, status, level = pending
            if change == "-":
                state.pop(pk, None)
            else:
                state[pk] = (status, level)
            pending = next(changes, None)
        counts = Counter(level for status, level in state.values() if status in LIVE_STATUSES)
        points.append({"week": week, **{lv.value: counts[lv.value] for lv in Level}})
    return points


# --- issues ---------------------------------------------------------------------------------------


def issues_of(
    project: Project,
    *,
    status: str | list[str] | None = None,
    priority: str | None = None,
    owner: AbstractBaseUser | int | None = None,
    unresolved: bool | None = None,
) -> QuerySet[Issue]:
    """The issue log, filtered, unresolved and most urgent first: one query."""
    rows = Issue.objects.for_project(project)
    if unresolved is not None:
        rows = rows.unresolved() if unresolved else rows.exclude(status__in=Issue.UNRESOLVED)
    if isinstance(status, list | tuple):
        rows = rows.filter(status__in=status)
    elif status:
        rows = rows.filter(status=status)
    if priority:
        rows = rows.filter(priority=priority)
    if owner is not None:
        rows = rows.filter(owner=owner)
    return rows.select_related("owner", "risk").order_by("-number")


def open_issue_count(project: Project) -> int:
    return Issue.objects.for_project(project).unresolved().count()


# --- forecasts ------------------------------------------------------------------------------------


def forecast_runs_of(project: Project) -> QuerySet[ForecastRun]:
    """The project's runs, newest first, without their (large) results."""
    return (
        ForecastRun.objects.filter(project=project)
        .select_related("requested_by")
        .defer("results")
        .order_by("-created_at", "-id")
    )


def estimate_coverage(project: Project) -> dict[str, int]:
    """Tasks with work left (not milestones, not finished) and how many of them carry a
    three-point estimate: what a forecast's spread rests on (one query)."""
    return Task.objects.filter(
        project=project, duration__gt=0, actual_finish__isnull=True
    ).aggregate(
        open=Count("id"),
        estimated=Count(
            "id",
            filter=Q(optimistic_duration__isnull=False, pessimistic_duration__isnull=False),
        ),
    )


def latest_forecast(project: Project) -> ForecastRun | None:
    """The newest finished forecast with its results, or None."""
    return (
        ForecastRun.objects.filter(project=project, status=ForecastRun.Status.DONE)
        .order_by("-created_at", "-id")
        .first()
    )


def forecast_chances(project: Project) -> dict[str, Any]:
    """The newest finished forecast's chances of meeting the target finish and the budget
    (0-1), counted only while they still measure the project's target: a run measured against
    another target finish gives no target chance (null) until the next run (one query, without
    the run's results)."""
    latest = (
        ForecastRun.objects.filter(project=project, status=ForecastRun.Status.DONE)
        .order_by("-created_at", "-id")
        .values("target_finish", "p_target_finish", "p_budget")
        .first()
    )
    if latest is None:
        return {"p_target_finish": None, "p_budget": None}
    current = latest["target_finish"] == project.target_finish
    return {
        "p_target_finish": latest["p_target_finish"] if current else None,
        "p_budget": latest["p_budget"],
    }
