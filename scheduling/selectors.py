"""Reads of the schedule for pages and the API, each in a fixed number of queries.

Callers pass a project they got through the access door (``projects.selectors.get_project_for``).
Big reads return plain rows (``values()``), not model instances: a 2,000-task Gantt is built
from dictionaries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, Sum, Value, When

from projects.models import Project, WorkPackage
from scheduling import agile, engine, predecessors
from scheduling.models import (
    BacklogItem,
    Baseline,
    BaselineTask,
    Dependency,
    Phase,
    Sprint,
    Task,
)
from scheduling.services import work_calendar
from scheduling.workdays import WorkCalendar

SCHEDULE_ROW_FIELDS = (
    "id",
    "ref",
    "name",
    "work_package_id",
    "phase_id",
    "owner_id",
    "duration",
    "percent_complete",
    "status",
    "constraint_date",
    "deadline",
    "actual_start",
    "actual_finish",
    # Set when a task of another project bounds it (the task table marks it).
    "external_start",
    "external_finish",
    *Task.SHOWN_COMPUTED_FIELDS,
)


def schedule_rows(project: Project) -> list[dict[str, Any]]:
    """Every task's schedule fields in plan order (WBS order, then position): one query."""
    # Tuples zipped into dicts: Django's values() builds each dict in Python, ~3x slower.
    rows = (
        Task.objects.filter(project=project)
        .with_floats()
        .in_plan_order()
        .values_list(*SCHEDULE_ROW_FIELDS)
    )
    return [dict(zip(SCHEDULE_ROW_FIELDS, row, strict=True)) for row in rows]


def dependency_rows(project: Project) -> list[dict[str, Any]]:
    return list(
        Dependency.objects.filter(project=project).values(
            "id", "predecessor_id", "successor_id", "type", "lag"
        )
    )


def predecessor_texts(project: Project) -> dict[int, str]:
    """Each linked task's incoming links as predecessor text (``3FS+2d, 5SS``), by task id:
    one query."""
    links: dict[int, list[predecessors.PredecessorLink]] = {}
    for successor, ref, kind, lag in Dependency.objects.filter(project=project).values_list(
        "successor_id", "predecessor__ref", "type", "lag"
    ):
        links.setdefault(successor, []).append(predecessors.PredecessorLink(ref, kind, lag))
    return {task_id: predecessors.format_links(items) for task_id, items in links.items()}


def task_refs(project: Project) -> list[tuple[int, str]]:
    """Every task's number and name in plan order, for the predecessor picker: one query."""
    return list(Task.objects.filter(project=project).in_plan_order().values_list("ref", "name"))


def schedule_summary(project: Project) -> dict[str, Any]:
    """The project's computed finish, the critical tasks in order, and counts: for the
    ``/schedule/`` endpoint and the page header (three queries)."""
    rows = schedule_rows(project)
    critical = sorted(
        (r for r in rows if r["is_critical"]),
        key=lambda r: (r["early_start"] or 0, r["early_finish"] or 0, r["id"]),
    )
    finishes = [r["finish_date"] for r in rows if r["finish_date"]]
    starts = [r["start_date"] for r in rows if r["start_date"]]
    return {
        "start": min(starts, default=None),
        "finish": max(finishes, default=None),
        "critical_path": [r["id"] for r in critical],
        "tasks": rows,
    }


def wbs_rollup(project: Project, rows: list[dict[str, Any]] | None = None) -> dict[int, dict]:
    """Per work package: earliest start, latest finish, duration-weighted % complete of the
    tasks under it at any depth (DESIGN §4 summary tasks). Work packages without tasks are
    absent."""
    rows = schedule_rows(project) if rows is None else rows
    parent_of: dict[int, int | None] = dict(
        WorkPackage.objects.filter(project=project).values_list("id", "parent_id")
    )
    # Leaves are tasks; a task's parent is its work package. Task and package ids can
    # collide, so tasks get negative keys in the roll-up's id space.
    links: dict[int, int | None] = {pk: parent for pk, parent in parent_of.items()}
    leaves = []
    for row in rows:
        if row["early_start"] is None or row["work_package_id"] is None:
            continue
        links[-row["id"]] = row["work_package_id"]
        leaves.append(
            engine.RollupInput(
                id=-row["id"],
                start=row["early_start"],
                finish=row["early_finish"],
                duration=row["duration"],
                percent_complete=row["percent_complete"],
            )
        )
    calendar = work_calendar(project)
    result = {}
    for package_id, summary in engine.rollup_summaries(leaves, links).items():
        start, finish = calendar.shown_dates(summary.start, summary.finish)
        result[package_id] = {
            "start_date": start,
            "finish_date": finish,
            "percent_complete": round(summary.percent_complete, 1),
        }
    return result


# --- the Gantt, one window of rows at a time ----------------------------------------------------


@dataclass(frozen=True)
class PlanOutline:
    """What the Gantt lays out without reading any task: the WBS in reading order (``id``,
    ``parent_id``, ``code``, ``name``), how many tasks each work package holds itself (None:
    outside the WBS), the roll-up by work package (as :func:`wbs_rollup`), and the whole plan's
    task count, first start, last finish and critical tasks."""

    packages: list[dict[str, Any]]
    counts: dict[int | None, int]
    rollup: dict[int, dict[str, Any]]
    count: int
    start: datetime.date | None
    finish: datetime.date | None
    critical_count: int


def plan_outline(project: Project, calendar: WorkCalendar) -> PlanOutline:
    """The plan's outline in two queries whatever its size: the WBS, and the tasks totalled by
    work package in the database (one ``GROUP BY``), rolled up the WBS in Python."""
    packages = list(
        WorkPackage.objects.filter(project=project)
        .order_by("sort_key")
        .values("id", "parent_id", "code", "name")
    )
    scheduled = Q(early_start__isnull=False)
    totals = list(
        Task.objects.filter(project=project)
        .values("work_package_id")
        .annotate(
            tasks=Count("id"),
            critical=Count("id", filter=Q(is_critical=True)),
            start=Min("start_date"),
            finish=Max("finish_date"),
            first_index=Min("early_start", filter=scheduled),
            last_index=Max("early_finish", filter=scheduled),
            weighted=Sum(F("percent_complete") * F("duration"), filter=scheduled),
            length=Sum("duration", filter=scheduled),
            plain=Sum("percent_complete", filter=scheduled),
            leaves=Count("id", filter=scheduled),
        )
        .order_by()  # no GROUP BY on the model's ordering
    )
    direct, counts = {}, {}
    for row in totals:
        package = row["work_package_id"]
        counts[package] = row["tasks"]
        if package is not None and row["leaves"]:
            direct[package] = engine.RollupTotals(
                start=row["first_index"],
                finish=row["last_index"],
                weighted=row["weighted"],
                length=row["length"],
                plain=row["plain"],
                count=row["leaves"],
            )
    parent_of = {p["id"]: p["parent_id"] for p in packages}
    rollup = {}
    for package_id, summary in engine.rollup_totals(direct, parent_of).items():
        start, finish = calendar.shown_dates(summary.start, summary.finish)
        rollup[package_id] = {
            "start_date": start,
            "finish_date": finish,
            "percent_complete": round(summary.percent_complete, 1),
        }
    return PlanOutline(
        packages=packages,
        counts=counts,
        rollup=rollup,
        count=sum(counts.values()),
        start=min((r["start"] for r in totals if r["start"]), default=None),
        finish=max((r["finish"] for r in totals if r["finish"]), default=None),
        critical_count=sum(r["critical"] for r in totals),
    )


def plan_row_count(project: Project) -> int:
    """How many rows the whole plan's Gantt has: its tasks, and a summary row for each work
    package with a scheduled task at any depth under it. Two queries."""
    packages = dict(WorkPackage.objects.filter(project=project).values_list("id", "parent_id"))
    tasks, summaries = 0, set()
    for package, count, scheduled in (
        Task.objects.filter(project=project)
        .values("work_package_id")
        .annotate(n=Count("id"), scheduled=Count("id", filter=Q(early_start__isnull=False)))
        .order_by()
        .values_list("work_package_id", "n", "scheduled")
    ):
        tasks += count
        while scheduled and package in packages and package not in summaries:
            summaries.add(package)
            package = packages[package]
    return tasks + len(summaries)


GANTT_ROW_FIELDS = (*SCHEDULE_ROW_FIELDS, "position")


def gantt_window_rows(
    project: Project, packages: list[int | None], offset: int, limit: int
) -> list[dict[str, Any]]:
    """The schedule rows (and ``position``) of ``limit`` tasks from ``offset`` among the tasks
    of ``packages`` (work package ids, None for the tasks outside the WBS), the packages in the
    order given and each one's tasks in plan order: the rows of one Gantt window, one query."""
    if limit <= 0 or not packages:
        return []
    ids = [p for p in packages if p is not None]
    wanted = Q(work_package_id__in=ids)
    if None in packages:  # always the outline's last block
        wanted |= Q(work_package__isnull=True)
    tasks = Task.objects.filter(wanted, project=project).with_floats()
    if len(packages) > 1:  # the packages' tasks one package after the other, in outline order
        block = Case(
            *(When(work_package_id=p, then=Value(n)) for n, p in enumerate(ids)),
            default=Value(len(ids)),
            output_field=IntegerField(),
        )
        tasks = tasks.annotate(block=block).order_by("block", "position", "id")
    else:
        tasks = tasks.order_by("position", "id")
    rows = tasks[offset : offset + limit].values_list(*GANTT_ROW_FIELDS)
    return [dict(zip(GANTT_ROW_FIELDS, row, strict=True)) for row in rows]


_LINK_FIELDS = ("predecessor_id", "successor_id", "type", "lag")
_LINK_END_FIELDS = (
    "id",
    "work_package_id",
    "position",
    "start_date",
    "finish_date",
    "duration",
    "is_critical",
)


def links_touching(
    project: Project, task_ids: list[int]
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """The links with an end among ``task_ids``, and the rows of their ends (where each is in
    the outline, its dates, whether it is critical) by task id: one query."""
    ends = [f"{end}__{field}" for end in ("predecessor", "successor") for field in _LINK_END_FIELDS]
    links, rows = [], {}
    for values in (
        Dependency.objects.filter(project=project)
        .filter(Q(predecessor_id__in=task_ids) | Q(successor_id__in=task_ids))
        .values(*_LINK_FIELDS, *ends)
    ):
        links.append({key: values[key] for key in _LINK_FIELDS})
        for end in ("predecessor", "successor"):
            row = {field: values[f"{end}__{field}"] for field in _LINK_END_FIELDS}
            rows[row["id"]] = row
    return links, rows


def performance_baseline(project: Project) -> Baseline | None:
    return Baseline.objects.filter(project=project, is_performance=True).first()


def baselines_of(project: Project) -> list[Baseline]:
    """The project's baselines, the latest first: one query."""
    return list(Baseline.objects.filter(project=project).order_by("-created_at", "-id"))


def baseline_task_dates(
    baseline: Baseline,
) -> dict[int, tuple[datetime.date | None, datetime.date | None]]:
    """The (start, finish) frozen in ``baseline`` by task id, of the tasks that still exist:
    one query."""
    return {
        task_id: (start, finish)
        for task_id, start, finish in BaselineTask.objects.filter(
            baseline=baseline, task__isnull=False
        ).values_list("task_id", "start_date", "finish_date")
    }


def baseline_variance(project: Project, baseline: Baseline) -> dict[str, Any]:
    """Current plan against ``baseline``: per task start and finish variance in working days
    (positive = later than the baseline) and the project's finish slip."""
    calendar = work_calendar(project)
    frozen = {
        b["task_id"]: b
        for b in BaselineTask.objects.filter(baseline=baseline).values(
            "task_id", "name", "start_date", "finish_date", "duration", "cost"
        )
    }

    def days_between(baseline_day: datetime.date | None, current: datetime.date | None):
        if baseline_day is None or current is None:
            return None
        return calendar.date_to_index(current) - calendar.date_to_index(baseline_day)

    rows = []
    for task in schedule_rows(project):
        before = frozen.get(task["id"])
        rows.append(
            {
                "task": task["id"],
                "name": task["name"],
                "baseline_start": before["start_date"] if before else None,
                "baseline_finish": before["finish_date"] if before else None,
                "start": task["start_date"],
                "finish": task["finish_date"],
                "start_variance": days_between(before and before["start_date"], task["start_date"]),
                "finish_variance": days_between(
                    before and before["finish_date"], task["finish_date"]
                ),
                "is_new": before is None,
            }
        )
    current_finish = max((r["finish"] for r in rows if r["finish"]), default=None)
    return {
        "baseline": baseline,
        "tasks": rows,
        "finish": current_finish,
        "baseline_finish": baseline.finish_date,
        "finish_slip": days_between(baseline.finish_date, current_finish),
        "removed": [b["name"] for pk, b in frozen.items() if pk is None],
    }


# --- agile ----------------------------------------------------------------------------------------


def sprint_points(project: Project) -> dict[int, dict[str, int]]:
    """Per sprint: points committed and points done (one query)."""
    rows = (
        BacklogItem.objects.filter(project=project, sprint__isnull=False)
        .values("sprint_id")
        .annotate(
            committed=Sum("story_points", default=0),
            done=Sum("story_points", filter=Q(status=BacklogItem.Status.DONE), default=0),
            items=Count("id"),
        )
    )
    return {r["sprint_id"]: r for r in rows}


def velocity(project: Project) -> list[dict[str, Any]]:
    """Points done per closed sprint, oldest first."""
    points = sprint_points(project)
    return [
        {"sprint": s, "done": points.get(s.pk, {}).get("done", 0)}
        for s in Sprint.objects.filter(project=project, status=Sprint.Status.CLOSED).order_by(
            "start_date", "id"
        )
    ]


def agile_forecast(project: Project) -> dict[str, Any]:
    """Remaining backlog points, mean velocity of the last three sprints, sprints left."""
    remaining = (
        BacklogItem.objects.filter(project=project)
        .exclude(status=BacklogItem.Status.DONE)
        .aggregate(points=Sum("story_points", default=0))["points"]
    )
    history = [v["done"] for v in velocity(project)]
    return {
        "remaining_points": remaining,
        "velocities": history,
        "mean_velocity": agile.mean_velocity(history),
        "sprints_left": agile.forecast_sprints_left(remaining, history),
    }


def sprint_burndown(sprint: Sprint, today: datetime.date) -> list[agile.BurndownDay]:
    """The sprint's burndown over the project's working days from its start to its finish."""
    calendar = work_calendar(sprint.project)
    first = calendar.date_to_index(sprint.start_date)
    last = calendar.last_index_on_or_before(sprint.finish_date)
    days = [calendar.index_to_date(i) for i in range(first, last + 1)]
    items = list(sprint.items.values_list("status", "done_on", "story_points"))
    committed = sum(points or 0 for _, _, points in items)
    done = [(day, points or 0) for status, day, points in items if status == "done" and day]
    return agile.burndown(days=days, committed=committed, done=done, today=today)


# --- phases ---------------------------------------------------------------------------------------


def phase_status(project: Project) -> list[dict[str, Any]]:
    """Each phase with its span of tasks, its forecast against the stage plan, and whether
    the forecast breaks the stage tolerances (a PRINCE2 exception)."""
    calendar = work_calendar(project)
    spans = {
        row["phase_id"]: row
        for row in Task.objects.filter(project=project, phase__isnull=False)
        .values("phase_id")
        .annotate(
            start=Min("start_date"),
            finish=Max("finish_date"),
            cost=Sum("fixed_cost", default=Decimal("0.00")),
            tasks=Count("id"),
        )
    }
    result = []
    for phase in Phase.objects.filter(project=project).prefetch_related("gate_reviews"):
        span = spans.get(phase.pk, {})
        finish = span.get("finish")
        slip = (
            calendar.date_to_index(finish) - calendar.date_to_index(phase.planned_finish)
            if finish and phase.planned_finish
            else None
        )
        overspend = (
            span.get("cost", Decimal("0.00")) - phase.planned_cost
            if phase.planned_cost is not None
            else None
        )
        reviews = list(phase.gate_reviews.all())
        result.append(
            {
                "phase": phase,
                "start": span.get("start"),
                "finish": finish,
                "tasks": span.get("tasks", 0),
                "forecast_cost": span.get("cost", Decimal("0.00")),
                "slip": slip,
                "overspend": overspend,
                "time_exception": slip is not None and slip > phase.time_tolerance,
                "cost_exception": overspend is not None and overspend > phase.cost_tolerance,
                "last_gate": reviews[0] if reviews else None,
            }
        )
    return result
