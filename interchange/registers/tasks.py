"""Tasks: all rows in one plan load (one recompute), linked by the file's task numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet

from interchange.registers.base import Column, Register, RowError, attr, row_errors
from interchange.registers.cells import (
    Lookups,
    date,
    decimal,
    lookup,
    text,
    text_of,
    username_of,
    whole,
)
from projects.models import Project
from scheduling import predecessors
from scheduling import services as scheduling_services
from scheduling.models import Dependency, Task
from scheduling.services.bulk import LoadLink, plan_load


def _tasks_of(project: Project) -> QuerySet:
    links = Dependency.objects.select_related("predecessor").only(
        "successor_id", "type", "lag", "predecessor__ref"
    )
    return (
        Task.objects.filter(project=project)
        .select_related("work_package", "owner")
        .prefetch_related(Prefetch("predecessor_links", queryset=links))
        .order_by("work_package__sort_key", "position", "ref")
    )


def _tasks_create_all(
    *,
    project: Project,
    by: AbstractBaseUser,
    rows: Sequence[tuple[int, dict[str, Any]]],
    refused: frozenset[int] = frozenset(),
) -> tuple[list[Task], list[RowError]]:
    """Load the rows with ``plan_load`` (one recompute), their predecessors naming other rows by
    the file's "Number" column (or, without it, by their place among the rows, 1 for the first);
    then set owners, which a plan load leaves out, through ``task_update``."""
    errors: list[RowError] = []
    numbered = any("ref" in fields for _, fields in rows)
    index_of: dict[int, int] = {}
    for index, (number, fields) in enumerate(rows):
        ref = fields.get("ref") if numbered else index + 1
        if ref is None:
            continue
        if ref in index_of:
            errors.append(RowError(number, "ref", f"Task number {ref} is given twice."))
        index_of[ref] = index
    links: list[LoadLink] = []
    tasks: list[dict[str, Any]] = []
    owners: dict[int, AbstractBaseUser] = {}
    for index, (number, fields) in enumerate(rows):
        fields = dict(fields)
        fields.pop("ref", None)
        owner = fields.pop("owner", None)
        if owner is not None:
            owners[index] = owner
        for link in fields.pop("predecessors", None) or ():
            if link.ref not in index_of:
                errors.append(
                    RowError(number, "predecessors", f"The file has no task numbered {link.ref}.")
                )
            elif index_of[link.ref] == index:
                errors.append(RowError(number, "predecessors", "A task cannot depend on itself."))
            else:
                links.append(LoadLink(index_of[link.ref], index, link.type, link.lag))
        if number in refused:
            continue  # its cells were reported already
        task = Task(project=project, **fields)
        try:
            # The checks plan_load makes, here per row so that the report names row and column
            # (plan_load stops at the first bad row).
            task.full_clean(
                exclude=["project", "work_package", "phase", "owner", "ref", "external_id"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors.extend(row_errors(number, error))
        tasks.append(fields)
    if errors or refused:
        return [], errors
    try:
        created, _ = plan_load(project=project, by=by, tasks=tasks, links=links)
    except ValidationError as error:
        match = re.match(r"Task (\d+) “", " ".join(error.messages))
        # A bad row names itself ("Task 3 “Build”: …"); a loop names its tasks, not a row.
        if match:
            return [], row_errors(rows[int(match[1]) - 1][0], error)
        return [], row_errors(None, error, default="predecessors")
    for index, owner in owners.items():
        number = rows[index][0]
        try:
            with transaction.atomic():
                scheduling_services.task_update(
                    task=created[index], by=by, version=None, owner=owner
                )
        except ValidationError as error:
            errors.extend(row_errors(number, error))
    return created, errors


def _predecessors(value: Any, lookups: Lookups) -> list[predecessors.PredecessorLink]:
    try:
        return predecessors.parse(text_of(value))
    except predecessors.PredecessorError as error:
        raise ValidationError(error.messages) from None


TASKS = Register(
    slug="tasks",
    title="Tasks",
    columns=(
        Column("Number", "ref", attr("ref"), whole(1, 10**9), example=1, aliases=("#", "ID")),
        Column("Name", "name", attr("name"), text(200), required=True, example="Design review"),
        Column(
            "Work package",
            "work_package",
            lambda t: t.work_package.code if t.work_package else "",
            lookup("work_package"),
            aliases=("WBS",),
        ),
        Column("Duration", "duration", attr("duration"), whole(0, 10_000), example=5),
        Column("Predecessors", "predecessors", attr("predecessors_text"), _predecessors),
        Column("Start", "start_date", attr("start_date")),
        Column("Finish", "finish_date", attr("finish_date")),
        Column("Constraint date", "constraint_date", attr("constraint_date"), date),
        Column("Deadline", "deadline", attr("deadline"), date),
        Column(
            "Percent complete",
            "percent_complete",
            attr("percent_complete"),
            whole(0, 100),
            example=0,
            aliases=("% complete",),
        ),
        Column("Actual start", "actual_start", attr("actual_start"), date),
        Column("Actual finish", "actual_finish", attr("actual_finish"), date),
        Column(
            "Optimistic duration",
            "optimistic_duration",
            attr("optimistic_duration"),
            whole(0, 10_000),
        ),
        Column(
            "Most likely duration",
            "most_likely_duration",
            attr("most_likely_duration"),
            whole(0, 10_000),
        ),
        Column(
            "Pessimistic duration",
            "pessimistic_duration",
            attr("pessimistic_duration"),
            whole(0, 10_000),
        ),
        Column("Priority", "priority", attr("priority"), whole(0, 1000)),
        Column("Fixed cost", "fixed_cost", attr("fixed_cost"), decimal(2)),
        Column("Owner", "owner", lambda t: username_of(t.owner), lookup("member")),
        Column("Description", "description", attr("description"), text()),
    ),
    rows=_tasks_of,
    create_all=_tasks_create_all,
    notes=(
        "Predecessors name tasks by the file's Number column (without one, by their row: 1 is "
        "the first task), e.g. 3FS+2d, 5SS.",
    ),
)
