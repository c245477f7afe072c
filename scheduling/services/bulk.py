"""Many tasks at once: a whole plan loaded in one transaction with one recompute at the end.

``task_create`` + ``dependency_add`` per row recompute the schedule every time; loading a
5,000-task plan that way is 11,000 recomputes. ``plan_load`` validates every row as those do,
writes tasks and links with ``bulk_create`` (history rows too) and recomputes once, so a loop
anywhere in the plan is refused with the tasks named and nothing written.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from projects.models import Project, WorkPackage
from projects.services.common import check_not_after_today, lock_project
from scheduling.models import MAX_WORKING_DAYS, Baseline, Dependency, Task
from scheduling.services.schedule import (
    TASK_FIELDS,
    ScheduleChange,
    _derive_status,
    baseline_create,
    baseline_name_checked,
    baseline_store,
    schedule_recompute,
    work_calendar,
)

# What a loaded row may set: the fields a person edits (owners and phases aside: a plan file
# names neither), plus the id the row has in the file it came from.
LOAD_FIELDS = frozenset(TASK_FIELDS) - {"owner", "phase"} | {"external_id"}
_BATCH = 1000


@dataclass(frozen=True)
class LoadLink:
    """A link between two rows of ``plan_load``'s ``tasks``, by their index in that list."""

    predecessor: int
    successor: int
    type: str = Dependency.Type.FS
    lag: int = 0


def _row_error(row: int, name: str, error: ValidationError) -> ValidationError:
    messages = (
        [f"{field}: {'; '.join(texts)}" for field, texts in error.message_dict.items()]
        if hasattr(error, "error_dict")
        else error.messages
    )
    return ValidationError(f"Task {row + 1} “{name}”: {' '.join(messages)}")


def _refuse_unknown(row: dict[str, Any]) -> None:
    unknown = set(row) - LOAD_FIELDS - {"name"}
    if unknown:
        raise ValidationError({field: "Unknown field." for field in sorted(unknown)})


def _check_row(project: Project, index: int, task: Task) -> None:
    """A loaded row's task, validated as typing it would be (its status derived first)."""
    _derive_status(task)
    try:
        check_not_after_today(project, task.actual_start, "actual_start", "The actual start")
        check_not_after_today(project, task.actual_finish, "actual_finish", "The actual finish")
        # Foreign keys and external ids are checked in one query each by the callers; the
        # numbers are given on insert. (Django validates a conditional unique constraint by
        # compiling a query per row: a third of a 5,000-task load.)
        task.full_clean(
            exclude=["project", "work_package", "phase", "owner", "ref", "external_id"],
            validate_unique=False,
        )
    except ValidationError as error:
        raise _row_error(index, task.name, error) from None


def _check_link(link: LoadLink, tasks: Sequence[Task], seen: set[tuple[int, int]]) -> None:
    """A link between two of ``tasks`` (by index) as ``dependency_add`` would take it; the
    pairs already linked are in ``seen`` (and this one is added)."""
    if not (0 <= link.predecessor < len(tasks) and 0 <= link.successor < len(tasks)):
        raise ValidationError({"successor": "A link names a task that is not in the plan."})
    predecessor, successor = tasks[link.predecessor], tasks[link.successor]
    if link.predecessor == link.successor:
        raise ValidationError({"successor": f"“{successor.name}” cannot depend on itself."})
    if (link.predecessor, link.successor) in seen:
        raise ValidationError(
            {"successor": f"“{predecessor.name}” is linked to “{successor.name}” twice."}
        )
    seen.add((link.predecessor, link.successor))
    if link.type not in Dependency.Type.values:
        raise ValidationError({"type": f"“{link.type}” is not a link type."})
    if not -MAX_WORKING_DAYS <= link.lag <= MAX_WORKING_DAYS:
        raise ValidationError(
            {
                "lag": f"A lag of {link.lag} working days between “{predecessor.name}” and "
                f"“{successor.name}” is beyond {MAX_WORKING_DAYS:,}."
            }
        )


@transaction.atomic
def plan_load(
    *,
    project: Project,
    by: AbstractBaseUser,
    tasks: Sequence[dict[str, Any]],
    links: Sequence[LoadLink] = (),
) -> tuple[list[Task], ScheduleChange]:
    """Add ``tasks`` (dicts of ``name`` and ``LOAD_FIELDS``) and the ``links`` between them to
    the project, then reschedule once. Returns the tasks (with ids, in the given order) and what
    the recompute did. Any invalid row or link, or a loop, refuses the whole load."""
    project = lock_project(project)
    packages = {
        row["work_package"].pk if isinstance(row.get("work_package"), WorkPackage) else None
        for row in tasks
    } - {None}
    if packages and WorkPackage.objects.filter(pk__in=packages).exclude(project=project).exists():
        raise ValidationError(
            {"work_package": f"That belongs to another project, not {project.key}."}
        )
    external = [row["external_id"] for row in tasks if row.get("external_id") is not None]
    if len(set(external)) != len(external):
        raise ValidationError({"external_id": "Two tasks have the same external id."})
    if external and Task.objects.filter(project=project, external_id__in=external).exists():
        raise ValidationError(
            {"external_id": f"{project.key} already has tasks with these external ids."}
        )
    last = Task.objects.filter(project=project).aggregate(m=Max("position"))["m"] or 0
    objs: list[Task] = []
    for index, row in enumerate(tasks):
        _refuse_unknown(row)
        fields = dict(row)
        fields.setdefault("position", last + index + 1)
        task = Task(project=project, **fields)
        _check_row(project, index, task)
        objs.append(task)
    created = Task.objects.bulk_create(objs, batch_size=_BATCH)
    Task.history.bulk_history_create(created, batch_size=_BATCH, default_user=by)

    pairs: set[tuple[int, int]] = set()
    dependencies = []
    for link in links:
        _check_link(link, created, pairs)
        predecessor, successor = created[link.predecessor], created[link.successor]
        dependencies.append(
            Dependency(
                project=project,
                predecessor=predecessor,
                successor=successor,
                type=link.type,
                lag=link.lag,
            )
        )
    made = Dependency.objects.bulk_create(dependencies, batch_size=_BATCH)
    Dependency.history.bulk_history_create(made, batch_size=_BATCH, default_user=by)
    change = schedule_recompute(project)
    return created, change


@transaction.atomic
def baseline_import(
    *,
    project: Project,
    by: AbstractBaseUser,
    name: str,
    rows: Sequence[dict[str, Any]],
    note: str = "",
    is_performance: bool = False,
) -> Baseline:
    """A baseline with the dates, durations and costs another tool recorded (MS Project's
    baseline 0), rather than a copy of the current plan (``baseline_create``). ``rows``:
    ``task`` (of the project), ``start_date``, ``finish_date``, ``duration``, ``cost``."""
    lock_project(project)
    name = baseline_name_checked(project, name)
    if any(row["task"].project_id != project.pk for row in rows):
        raise ValidationError({"task": f"That belongs to another project, not {project.key}."})
    calendar = work_calendar(project)

    def index(day: datetime.date | None, *, end: bool = False) -> int | None:
        if day is None:
            return None
        return calendar.last_index_on_or_before(day) + 1 if end else calendar.date_to_index(day)

    tasks = [
        {
            "task_id": row["task"].pk,
            "name": row["task"].name,
            "duration": max(int(row.get("duration") or 0), 0),
            "start_date": row.get("start_date"),
            "finish_date": row.get("finish_date"),
            "early_start": index(row.get("start_date")),
            "early_finish": index(row.get("finish_date"), end=True)
            if row.get("duration")
            else index(row.get("start_date")),
            "cost": Decimal(row.get("cost") or 0).quantize(Decimal("0.01")),
        }
        for row in rows
    ]
    return baseline_store(
        project=project, by=by, name=name, note=note, is_performance=is_performance, tasks=tasks
    )


# --- updating a plan from a newer version of its file -----------------------------------------

# What a newer version of the file may change on a task it already brought in.
SYNC_FIELDS = (
    "name",
    "description",
    "work_package",
    "duration",
    "constraint_date",
    "deadline",
    "percent_complete",
    "actual_start",
    "actual_finish",
    "fixed_cost",
)


@dataclass
class PlanSync:
    """What ``plan_sync`` did: tasks added, changed and removed (names), links added, changed
    and removed (counts), the baseline taken before, and the recompute."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    links_added: int
    links_changed: int
    links_removed: int
    baseline: Baseline | None
    change: ScheduleChange | None


def _field_value(task: Task, field: str) -> Any:
    return task.work_package_id if field == "work_package" else getattr(task, field)


def _row_value(row: dict[str, Any], field: str) -> Any:
    value = row.get(field)
    if field == "work_package":
        return value.pk if isinstance(value, WorkPackage) else value
    return value


@transaction.atomic
def plan_sync(
    *,
    project: Project,
    by: AbstractBaseUser,
    tasks: Sequence[dict[str, Any]],
    links: Sequence[LoadLink] = (),
    baseline_name: str = "",
) -> PlanSync:
    """Bring the project's plan in line with a newer version of the file it came from.

    ``tasks`` are the file's tasks (``name``, ``external_id`` and ``SYNC_FIELDS``), ``links``
    the links between them by index. Tasks are matched by ``external_id``: one the project has
    is updated where the file differs, one it lacks is added, and one the project has from the
    file but the file no longer lists is removed. Links between tasks from the file become the
    file's; tasks and links typed in Charter (no ``external_id``) are kept as they are. A
    baseline named ``baseline_name`` freezes the plan first (to compare, or to undo by hand),
    and the schedule is recomputed once: all of it or, on any error, nothing."""
    project = lock_project(project)
    baseline = None
    if baseline_name and Task.objects.filter(project=project).exists():
        baseline = baseline_create(
            project=project,
            by=by,
            name=baseline_name,
            note="The plan as it was before a newer version of its file was imported.",
        )
    ids = [str(row["external_id"]) for row in tasks]
    if len(set(ids)) != len(ids):
        raise ValidationError({"external_id": "Two tasks have the same external id."})
    packages = {_row_value(row, "work_package") for row in tasks} - {None}
    if packages and WorkPackage.objects.filter(pk__in=packages).exclude(project=project).exists():
        raise ValidationError(
            {"work_package": f"That belongs to another project, not {project.key}."}
        )
    existing = {
        task.external_id: task
        for task in Task.objects.filter(project=project, external_id__isnull=False)
    }
    removed = [task for external, task in existing.items() if external not in set(ids)]
    removed_names = [task.name for task in removed]
    for task in removed:
        task._history_user = by
        task.delete()

    last = Task.objects.filter(project=project).aggregate(m=Max("position"))["m"] or 0
    ordered: list[Task] = []
    new: list[Task] = []
    changed: list[Task] = []
    changed_fields: set[str] = set()
    for index, row in enumerate(tasks):
        _refuse_unknown(row)
        task = existing.get(str(row["external_id"]))
        if task is None:
            fields = {k: v for k, v in row.items() if k != "position"}
            task = Task(project=project, position=last + len(new) + 1, **fields)
            new.append(task)
        else:
            differs = [
                field
                for field in SYNC_FIELDS
                if field in row and _row_value(row, field) != _field_value(task, field)
            ]
            for field in differs:
                setattr(task, field, row[field])
            if differs:
                changed.append(task)
                changed_fields.update(differs)
        _check_row(project, index, task)
        ordered.append(task)

    if changed:
        fields = sorted(
            {"work_package_id" if f == "work_package" else f for f in changed_fields}
            | {"status", "version"}
        )
        for task in changed:
            task.version += 1
        Task.objects.bulk_update(changed, fields, batch_size=_BATCH)
        Task.history.bulk_history_create(changed, batch_size=_BATCH, default_user=by, update=True)
    created = Task.objects.bulk_create(new, batch_size=_BATCH)
    Task.history.bulk_history_create(created, batch_size=_BATCH, default_user=by)

    wanted: dict[tuple[int, int], tuple[str, int]] = {}
    seen: set[tuple[int, int]] = set()
    for link in links:
        _check_link(link, ordered, seen)
        pair = (ordered[link.predecessor].pk, ordered[link.successor].pk)
        wanted[pair] = (link.type, link.lag)
    current = {
        (dep.predecessor_id, dep.successor_id): dep
        for dep in Dependency.objects.filter(
            project=project,
            predecessor__external_id__isnull=False,
            successor__external_id__isnull=False,
        )
    }
    gone = [dep for pair, dep in current.items() if pair not in wanted]
    for dep in gone:
        dep._history_user = by
        dep.delete()
    moved = []
    for pair, (kind, lag) in wanted.items():
        dep = current.get(pair)
        if dep is not None and (dep.type, dep.lag) != (kind, lag):
            dep.type, dep.lag = kind, lag
            moved.append(dep)
    if moved:
        Dependency.objects.bulk_update(moved, ["type", "lag"], batch_size=_BATCH)
        Dependency.history.bulk_history_create(
            moved, batch_size=_BATCH, default_user=by, update=True
        )
    fresh = [
        Dependency(project=project, predecessor_id=p, successor_id=s, type=kind, lag=lag)
        for (p, s), (kind, lag) in wanted.items()
        if (p, s) not in current
    ]
    made = Dependency.objects.bulk_create(fresh, batch_size=_BATCH)
    Dependency.history.bulk_history_create(made, batch_size=_BATCH, default_user=by)
    change = schedule_recompute(project)
    return PlanSync(
        added=[task.name for task in created],
        changed=[task.name for task in changed],
        removed=removed_names,
        links_added=len(made),
        links_changed=len(moved),
        links_removed=len(gone),
        baseline=baseline,
        change=change,
    )
