"""One Monte Carlo over projects that wait for each other (issue #17, the programme's finish).

Projects with no link between them finish independently, and a programme's chance of having
finished by a day is the product of theirs (``reports.selectors.programmes``). Projects linked
by dependencies between projects are not independent: a slip of CLOUD's build moves SOC's audit
in the same run. Their plans are therefore simulated together, as one network: every project's
tasks, links and risk events as its own forecast reads them (``forecast_inputs``, with its
default uncertainty where its last forecast used it), plus the links between them as ordinary
links, so each iteration draws the shared predecessors once and every project after them sees
the same draw. A task whose only external predecessors are inside the group drops the bound
those put on it (the link carries it now, drawn); one that also waits for a project outside the
group keeps that project's planned dates as a fixed bound.

The joint network counts working days on the calendar of the group's earliest project: each
project's dates (constraints, deadlines, actuals) are placed on it by date. With the same
working weekdays and holidays (the usual case) that is exact; with different ones, durations are
counted in the first project's working days.

The result is cached per group (``group_key``), keyed by the projects' latest forecast runs and
the links between them, so it is recomputed on the worker whenever one of the projects'
own forecasts re-runs (after a change that moves its finish, and nightly) or a link changes.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from projects.models import Project
from projects.queue import enqueue
from risks.services.forecast import default_uncertainty_of, finish_date, forecast_inputs
from risks.services.refresh import settings_of
from risks.simulation import simulate
from scheduling.engine import LinkInput
from scheduling.models import ExternalDependency, Task
from scheduling.services import work_calendar

ITERATIONS = 2_000
CACHE_SECONDS = 8 * 24 * 3600  # longer than the nightly refresh: a key changes before it expires
TASK = "risks.tasks.forecast_linked_projects"

Curve = list[tuple[datetime.date, float]]


def linked_groups(project_ids: Iterable[int]) -> list[list[int]]:
    """The groups (two projects or more) of ``project_ids`` joined by dependencies between them,
    each sorted; one query."""
    ids = set(project_ids)
    parent = {pk: pk for pk in ids}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    pairs = (
        ExternalDependency.objects.filter(project_id__in=ids, predecessor__project_id__in=ids)
        .values_list("predecessor__project_id", "project_id")
        .distinct()
        .order_by()
    )
    for source, target in pairs:
        parent[root(source)] = root(target)
    groups: dict[int, list[int]] = {}
    for pk in sorted(ids):
        groups.setdefault(root(pk), []).append(pk)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def group_key(group: list[int], runs: dict[int, int | None]) -> str:
    """The cache key of a group's joint forecast: its projects, their latest forecast runs and
    the links between them (one query)."""
    links = ExternalDependency.objects.filter(project_id__in=group).aggregate(
        n=Count("id"), last=Max("id"), versions=Sum("version")
    )
    text = repr((group, [runs.get(pk) for pk in group], sorted(links.items())))
    return "programme-forecast:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def simulate_group(
    group: list[int], *, iterations: int = ITERATIONS, seed: int = 0
) -> dict[str, object]:
    """Simulate the group's plans together: the s-curve of the last project's finish (date,
    percent of runs finished by then) and the keys of the projects."""
    projects = list(Project.objects.filter(pk__in=group).order_by("start_date", "pk"))
    common = work_calendar(projects[0])
    inside = list(
        ExternalDependency.objects.filter(project_id__in=group, predecessor__project_id__in=group)
        .values_list("predecessor_id", "successor_id", "type", "lag")
        .order_by("id")
    )
    waiting_outside = set(
        ExternalDependency.objects.filter(project_id__in=group)
        .exclude(predecessor__project_id__in=group)
        .values_list("successor_id", flat=True)
    )
    own_constraint = dict(
        Task.objects.filter(pk__in={succ for _, succ, _, _ in inside}).values_list(
            "pk", "constraint_date"
        )
    )
    tasks, links, risks = [], [], []
    for project in projects:
        _, with_default = settings_of(project)
        inputs = forecast_inputs(
            project,
            default_uncertainty=default_uncertainty_of(project) if with_default else None,
        )
        calendar = inputs.calendar

        def moved(index: int | None, *, inclusive: bool = False, calendar=calendar) -> int | None:
            if index is None:
                return None
            day = calendar.index_to_date(index)
            return common.last_index_on_or_before(day) if inclusive else common.date_to_index(day)

        for task in inputs.tasks:
            constraint = task.constraint
            if task.id in own_constraint and task.id not in waiting_outside:
                day = own_constraint[task.id]
                constraint = None if day is None else calendar.date_to_index(day)
            tasks.append(
                dataclasses.replace(
                    task,
                    constraint=moved(constraint),
                    deadline=moved(task.deadline, inclusive=True),
                    actual_start=moved(task.actual_start),
                    actual_finish=moved(task.actual_finish, inclusive=True),
                )
            )
        links += inputs.links
        risks += inputs.risks
    links += [LinkInput(predecessor=p, successor=s, type=t, lag=lag) for p, s, t, lag in inside]
    result = simulate(tasks, links, risks, iterations=iterations, seed=seed)
    curve = [
        (finish_date(common, index).isoformat(), round(percent, 2))
        for index, percent in zip(result.finish_indexes, result.finish_cumulative, strict=True)
    ]
    return {"curve": curve, "projects": [p.key for p in projects], "iterations": iterations}


def forecast_linked_projects(group: list[int], key: str) -> None:
    """The worker's job: simulate the group and keep the result under ``key``."""
    cache.set(key, simulate_group(group), CACHE_SECONDS)
    cache.delete(key + ":queued")


def cached_group_curve(group: list[int], key: str) -> Curve | None:
    """The group's joint s-curve if computed, else None, after queuing its computation once."""
    found = cache.get(key)
    if found is not None:
        return [(datetime.date.fromisoformat(day), percent) for day, percent in found["curve"]]
    if cache.add(key + ":queued", True, 600):
        enqueue(TASK, group, key)
    return None
