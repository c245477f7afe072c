"""Resource levelling across the projects a person manages: preview, and apply project by
project (each after its own "Before levelling" baseline, so each is undone on its own page).

The method is ``budgets.levelling.level_across`` (pure): the managed projects chosen are levelled
together, ranked by project priority first; a shared person is recognised by their user
(one resource per user per project); hours booked on every other project (one the manager does
not manage, did not choose, or cannot see) count at their current dates and never move.

Visibility: the plan names only projects the reader can see (``projects_for``); hours on the
others are summed as "booked elsewhere", without a name, key, id or task.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404

from budgets import allocation, levelling
from budgets.models import Assignment, DayOff, Resource
from budgets.selectors import _calendars
from budgets.services.levelling import (
    CENT,
    TASK_FIELDS,
    MoveRow,
    _constrain,
    _nothing_to_level,
    _task_inputs,
    move_rows,
)
from projects.models import Project, Role
from projects.selectors import projects_for
from scheduling import engine
from scheduling.models import Baseline, Dependency, Task
from scheduling.services import lock_project


@dataclass(frozen=True)
class ProjectLevelling:
    """One chosen project in a portfolio plan: its moves (task names, dates, why), its finish
    before and after (shown dates), the fingerprint of its moves and the digest of what the
    plan read of it; after apply, the baseline taken first."""

    project: Project
    moves: list[MoveRow]
    finish_before: datetime.date | None
    finish_after: datetime.date | None
    finish_delay: int  # working days of the project's calendar
    fingerprint: str
    state: str
    baseline: Baseline | None = None

    @property
    def levelled(self) -> list[MoveRow]:
        return [move for move in self.moves if move.levelled]


@dataclass(frozen=True)
class PortfolioLevelling:
    """A plan across projects: each chosen project (priority order), the conflicts that remain
    (``remaining``: person, date, hours, capacity, the visible projects' hours and tasks, and
    the hours booked elsewhere), how many person-days were over before."""

    projects: list[ProjectLevelling]
    remaining: list[dict[str, Any]]
    conflicts_before: int
    allow_past_float: bool
    complete: bool
    applied: list[ProjectLevelling] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Every chosen project's moves, so an apply can tell when the plan changed."""
        return ";".join(f"{entry.project.pk}={entry.fingerprint}" for entry in self.projects)

    @property
    def levelled_count(self) -> int:
        return sum(len(entry.levelled) for entry in self.projects)


def managed_projects(user: AbstractBaseUser, ids: Iterable[int] | None = None) -> list[Project]:
    """The open projects ``user`` manages, highest priority first; with ``ids``, exactly
    those, each checked: Http404 for a project they are not a member of (it does not exist
    for them), PermissionDenied for one they do not manage or that is closed."""
    mine = projects_for(user)
    if ids is None:
        found = mine.filter(my_role=Role.MANAGER).exclude(stage=Project.Stage.CLOSED)
        return list(found.order_by("-priority", "key"))
    wanted = list(dict.fromkeys(ids))
    found = {project.pk: project for project in mine.filter(pk__in=wanted)}
    for pk in wanted:
        project = found.get(pk)
        if project is None:
            raise Http404("No such project.")
        if project.my_role != Role.MANAGER:
            raise PermissionDenied(
                f"Only a manager of {project.key} can level it; you are a "
                f"{Role(project.my_role).label.lower()}."
            )
        if project.is_closed:
            raise PermissionDenied(f"{project.key} is closed and read-only.")
    return sorted(found.values(), key=lambda p: (-p.priority, p.key))


def _person_name(row: dict[str, Any]) -> str:
    if row["user_id"]:
        full = f"{row['user__first_name']} {row['user__last_name']}".strip()
        return full or row["user__username"]
    return row["name"]


def _digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


@dataclass
class _Inputs:
    """What levelling reads, for the chosen projects and the load around them."""

    projects: list[Project]
    calendars: dict[int, engine.WorkCalendar]
    tasks: dict[int, list[dict[str, Any]]]
    links: dict[int, list[engine.LinkInput]]
    resources: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    days_off: dict[int, set[datetime.date]]
    fixed: list[dict[str, Any]]  # bookings elsewhere, at their current dates
    others: dict[int, dict[str, Any]]  # the projects of those bookings: id, key, name

    def person(self, resource: dict[str, Any]) -> int:
        """A person across projects: their user id; a resource without a user is a person of
        its own (a negative id)."""
        return resource["user_id"] or -resource["id"]

    def state(self, project_id: int) -> str:
        """A digest of what levelling read of one project (its calendar, priority, tasks,
        links, people and bookings), to tell whether it changed since."""
        calendar = self.calendars[project_id]
        project = next(p for p in self.projects if p.pk == project_id)
        return _digest(
            project.priority,
            sorted(calendar.working_weekdays),
            sorted(calendar.holidays),
            calendar.start,
            sorted(
                tuple(row[f] for f in TASK_FIELDS if f != "name") for row in self.tasks[project_id]
            ),
            sorted((k.predecessor, k.successor, k.type, k.lag) for k in self.links[project_id]),
            sorted(
                (r["id"], r["user_id"], r["capacity_hours"])
                for r in self.resources
                if r["project_id"] == project_id
            ),
            sorted(
                (a["resource_id"], a["task_id"], a["units"])
                for a in self.assignments
                if a["project_id"] == project_id
            ),
        )


def _read(projects: list[Project]) -> _Inputs:
    """Read the chosen projects and the load of their people elsewhere, in a fixed number of
    queries (nine) whatever the number of projects, people and tasks."""
    ids = [project.pk for project in projects]
    tasks: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for row in Task.objects.filter(project_id__in=ids).values("project_id", *TASK_FIELDS):
        tasks[row.pop("project_id")].append(row)
    links: dict[int, list[engine.LinkInput]] = {pk: [] for pk in ids}
    for project_id, p, s, t, lag in Dependency.objects.filter(project_id__in=ids).values_list(
        "project_id", "predecessor_id", "successor_id", "type", "lag"
    ):
        links[project_id].append(engine.LinkInput(predecessor=p, successor=s, type=t, lag=lag))
    shared_users = Resource.objects.filter(
        project_id__in=ids, kind=Resource.Kind.PERSON, user__isnull=False
    ).values("user_id")
    resources = list(
        Resource.objects.filter(kind=Resource.Kind.PERSON)
        .filter(Q(project_id__in=ids) | Q(user_id__in=shared_users))
        .order_by("id")
        .values(
            "id",
            "project_id",
            "user_id",
            "name",
            "capacity_hours",
            "headcount",
            "user__username",
            "user__first_name",
            "user__last_name",
        )
    )
    chosen = set(ids)
    days_off: dict[int, set[datetime.date]] = defaultdict(set)
    for resource_id, day in DayOff.objects.filter(
        resource_id__in=[r["id"] for r in resources]
    ).values_list("resource_id", "date"):
        days_off[resource_id].add(day)
    assignments = list(
        Assignment.objects.filter(project_id__in=ids, resource__kind=Resource.Kind.PERSON).values(
            "project_id", "resource_id", "task_id", "units"
        )
    )
    elsewhere = [r["id"] for r in resources if r["project_id"] not in chosen]
    # Work elsewhere that ends before the earliest chosen project starts cannot clash.
    since = min((project.start_date for project in projects), default=None)
    fixed = (
        list(
            Assignment.objects.filter(
                resource_id__in=elsewhere,
                task__early_start__isnull=False,
                task__finish_date__gte=since,
            ).values(
                "project_id",
                "resource_id",
                "task_id",
                "units",
                "task__early_start",
                "task__duration",
                "task__name",
            )
        )
        if elsewhere and since
        else []
    )
    others = (
        {
            row["id"]: row
            for row in Project.objects.filter(pk__in={row["project_id"] for row in fixed}).values(
                "id", "key", "name", "start_date"
            )
        }
        if fixed
        else {}
    )
    calendars = _calendars(
        [{"id": p.pk, "start_date": p.start_date} for p in projects] + list(others.values())
    )
    return _Inputs(
        projects=projects,
        calendars=calendars,
        tasks=tasks,
        links=links,
        resources=resources,
        assignments=assignments,
        days_off=days_off,
        fixed=fixed,
        others=others,
    )


def _plan(
    user: AbstractBaseUser, projects: list[Project], *, allow_past_float: bool
) -> PortfolioLevelling:
    """Read and level ``projects`` together; writes nothing."""
    data = _read(projects)
    resource = {r["id"]: r for r in data.resources}
    capacity: dict[int, Decimal] = {}
    days_off: dict[int, set[datetime.date]] = defaultdict(set)
    names: dict[int, str] = {}
    for r in data.resources:
        person = data.person(r)
        # One capacity per person (their person record's, which every resource of theirs
        # carries); a placeholder counts once per head.
        daily = r["capacity_hours"] * r["headcount"]
        capacity[person] = max(capacity.get(person, daily), daily)
        days_off[person] |= data.days_off.get(r["id"], set())
        names.setdefault(person, _person_name(r))

    def hours(resource_id: int, units: int) -> Decimal:
        return resource[resource_id]["capacity_hours"] * units / 100

    networks = [
        levelling.ProjectNetwork(
            id=project.pk,
            calendar=data.calendars[project.pk],
            tasks=_task_inputs(data.tasks[project.pk], data.calendars[project.pk]),
            links=data.links[project.pk],
            priority=project.priority,
            task_priority={row["id"]: row["priority"] for row in data.tasks[project.pk]},
        )
        for project in projects
    ]
    demands = [
        levelling.Demand(
            resource_id=data.person(resource[a["resource_id"]]),
            task_id=a["task_id"],
            hours_per_day=hours(a["resource_id"], a["units"]),
        )
        for a in data.assignments
    ]
    fixed_by_project: dict[int, list[allocation.Booking]] = defaultdict(list)
    for row in data.fixed:
        fixed_by_project[row["project_id"]].append(
            allocation.Booking(
                resource_id=data.person(resource[row["resource_id"]]),
                task_id=row["task_id"],
                start=row["task__early_start"],
                duration=row["task__duration"],
                hours_per_day=hours(row["resource_id"], row["units"]),
            )
        )
    try:
        plan = levelling.level_across(
            networks,
            demands,
            capacity=capacity,
            days_off={person: frozenset(days) for person, days in days_off.items()},
            fixed=[
                levelling.FixedProject(id=pk, calendar=data.calendars[pk], bookings=bookings)
                for pk, bookings in fixed_by_project.items()
            ],
            allow_past_float=allow_past_float,
        )
    except engine.CycleError as loop:
        owner = next(
            (p.key for p in projects if any(r["id"] in loop.task_ids for r in data.tasks[p.pk])),
            "a project",
        )
        raise ValidationError(f"{owner} has a dependency loop; fix it before levelling.") from None

    visible = set(projects_for(user).values_list("id", flat=True))
    task_names = {row["id"]: row["name"] for rows in data.tasks.values() for row in rows}
    task_names.update(
        (row["task_id"], row["task__name"]) for row in data.fixed if row["project_id"] in visible
    )
    by_id = {project.pk: project for project in projects}
    shown = {
        pk: {"id": pk, "key": project.key, "name": project.name} for pk, project in by_id.items()
    }
    shown.update(
        (pk, {"id": pk, "key": row["key"], "name": row["name"]})
        for pk, row in data.others.items()
        if pk in visible
    )

    entries = []
    for part in plan.projects:
        project, calendar = by_id[part.project_id], data.calendars[part.project_id]
        day = calendar.index_to_date
        task_name = {row["id"]: row["name"] for row in data.tasks[project.pk]}
        moves = move_rows(part.moves, task_names=task_name, people=names, day=day)
        has_tasks = bool(data.tasks[project.pk])
        entries.append(
            ProjectLevelling(
                project=project,
                moves=moves,
                finish_before=day(max(part.finish_before - 1, 0)) if has_tasks else None,
                finish_after=day(max(part.finish_after - 1, 0)) if has_tasks else None,
                finish_delay=part.finish_after - part.finish_before,
                fingerprint=",".join(f"{m.task_id}:{m.to_start.isoformat()}" for m in moves),
                state=data.state(project.pk),
            )
        )

    remaining = []
    for conflict in plan.remaining:
        named, elsewhere = [], Decimal(0)
        for pk, booked, task_ids in conflict.projects:
            if pk in shown:
                named.append(
                    {
                        **shown[pk],
                        "hours": booked.quantize(CENT),
                        "tasks": [(t, task_names[t]) for t in task_ids],
                    }
                )
            else:  # a project the reader cannot see: its hours, nothing else
                elsewhere += booked
        remaining.append(
            {
                "person": names[conflict.person],
                "date": conflict.date,
                "booked": conflict.booked.quantize(CENT),
                "capacity": conflict.capacity.quantize(CENT),
                "day_off": conflict.day_off,
                "projects": named,
                "elsewhere": elsewhere.quantize(CENT),
            }
        )
    return PortfolioLevelling(
        projects=entries,
        remaining=remaining,
        conflicts_before=plan.conflicts_before,
        allow_past_float=allow_past_float,
        complete=plan.complete,
    )


def portfolio_levelling_preview(
    *,
    user: AbstractBaseUser,
    project_ids: Iterable[int] | None = None,
    allow_past_float: bool = False,
) -> PortfolioLevelling:
    """What levelling the projects ``user`` manages (all, or ``project_ids``) together would do
    now: each project's moves and finish, the conflicts left. No writes."""
    return _plan(user, managed_projects(user, project_ids), allow_past_float=allow_past_float)


class _Changed(Exception):
    pass


def portfolio_levelling_apply(
    *,
    user: AbstractBaseUser,
    project_ids: Iterable[int] | None = None,
    allow_past_float: bool = False,
    fingerprint: str | None = None,
) -> PortfolioLevelling:
    """Level the managed projects chosen together, then apply the plan project by project.

    Each project the plan moves is applied in its **own** transaction under its own
    ``lock_project``, one after another, never two project locks at once (no lock order to get
    wrong, no deadlock with a single-project edit): the baseline "Before levelling <date>", the
    start-no-earlier-than dates with the history reason ``Levelling (baseline <id>)``, one
    recompute, so ``levelling_undo`` undoes each project on its own levelling page. Do not call
    it inside an outer transaction, which would hold the locks together.

    A stale plan is refused rather than applied. The plan is computed afresh first: when the
    caller previewed (``fingerprint``) and any project's moves differ now, nothing is applied
    ("preview again"). Then, under each project's lock, what levelling read of that project is
    read again and compared with the fresh plan's digest: a project edited in that moment is
    not applied, nor are those after it, and the refusal names the projects already levelled
    (each keeps its baseline and can be undone). Edits of other projects' load after the fresh
    read are not seen; they are as if made just after levelling.
    """
    projects = managed_projects(user, project_ids)
    plan = _plan(user, projects, allow_past_float=allow_past_float)
    if fingerprint is not None and fingerprint != plan.fingerprint:
        raise ValidationError(
            "The plan changed since the preview (someone edited a schedule or a booking); "
            "preview again. Nothing was applied."
        )
    touched = [entry for entry in plan.projects if entry.levelled]
    if not touched:
        raise ValidationError(_nothing_to_level(allow_past_float))
    applied: list[ProjectLevelling] = []
    for entry in touched:
        try:
            with transaction.atomic():
                project = lock_project(entry.project)
                if _read([project]).state(project.pk) != entry.state:
                    raise _Changed
                baseline = _constrain(
                    project,
                    by=user,
                    levelled={m.task_id: m.constraint_date for m in entry.levelled},
                )
        except _Changed:
            done = ", ".join(e.project.key for e in applied)
            raise ValidationError(
                f"{entry.project.key} changed while levelling (someone edited it); it was not "
                "levelled"
                + (
                    f", nor the projects after it. Already levelled: {done} (undo each from its "
                    "levelling page)."
                    if done
                    else ", nor any other project."
                )
                + " Preview again."
            ) from None
        applied.append(replace(entry, baseline=baseline))
    return replace(plan, applied=applied)


__all__ = [
    "PortfolioLevelling",
    "ProjectLevelling",
    "managed_projects",
    "portfolio_levelling_apply",
    "portfolio_levelling_preview",
]
