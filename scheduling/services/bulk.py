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
        unknown = set(row) - LOAD_FIELDS - {"name"}
        if unknown:
            raise ValidationError({field: "Unknown field." for field in sorted(unknown)})
        fields = dict(row)
        fields.setdefault("position", last + index + 1)
        task = Task(project=project, **fields)
        _derive_status(task)
        try:
            check_not_after_today(project, task.actual_start, "actual_start", "The actual start")
            check_not_after_today(project, task.actual_finish, "actual_finish", "The actual finish")
            # Foreign keys and external ids were checked above in one query each; the numbers
            # are given on insert. (Django validates a conditional unique constraint by
            # compiling a query per row: a third of a 5,000-task load.)
            task.full_clean(
                exclude=["project", "work_package", "phase", "owner", "ref", "external_id"],
                validate_unique=False,
            )
        except ValidationError as error:
            raise _row_error(index, str(fields.get("name", "")), error) from None
        objs.append(task)
    created = Task.objects.bulk_create(objs, batch_size=_BATCH)
    Task.history.bulk_history_create(created, batch_size=_BATCH, default_user=by)

    pairs: set[tuple[int, int]] = set()
    dependencies = []
    for link in links:
        if not (0 <= link.predecessor < len(created) and 0 <= link.successor < len(created)):
            raise ValidationError({"successor": "A link names a task that is not in the plan."})
        predecessor, successor = created[link.predecessor], created[link.successor]
        if link.predecessor == link.successor:
            raise ValidationError({"successor": f"“{successor.name}” cannot depend on itself."})
        if (link.predecessor, link.successor) in pairs:
            raise ValidationError(
                {"successor": f"“{predecessor.name}” is linked to “{successor.name}” twice."}
            )
        pairs.add((link.predecessor, link.successor))
        if link.type not in Dependency.Type.values:
            raise ValidationError({"type": f"“{link.type}” is not a link type."})
        if not -MAX_WORKING_DAYS <= link.lag <= MAX_WORKING_DAYS:
            raise ValidationError(
                {
                    "lag": f"A lag of {link.lag} working days between “{predecessor.name}” and "
                    f"“{successor.name}” is beyond {MAX_WORKING_DAYS:,}."
                }
            )
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
