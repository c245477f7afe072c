"""Dependencies between projects: a task of one project waiting for a task of another.

Within a project, every edit recomputes the schedule in its own transaction (DESIGN §4). Across
projects that is the one deliberate exception: the link lives with the *successor's* project,
which reads the predecessor's dates as they were last committed. When a recompute moves a task
that another project waits for, the edit's transaction marks the projects downstream as waiting
(``ScheduleWait``: "waiting for KEY to recompute") and, after the commit, the worker recomputes
them in order (``recompute_dependents``), each in its own transaction under its own project lock
— never two project locks at once, so no two chains can deadlock.

How a predecessor's dates bound its successor is ``scheduling.crossproject``.

The predecessor's own float does not see its external successors (the backward pass stays
inside each project), and links between projects never make a loop of projects: the project
graph stays acyclic, which is what gives the worker an order to recompute in. A loop is refused
when the link is added, naming the chain.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from projects.events import record_event
from projects.models import Project
from projects.queue import enqueue, enqueue_on_commit
from projects.selectors import projects_for
from projects.services.common import check_same_project
from scheduling.crossproject import refresh_bounds
from scheduling.models import Dependency, ExternalDependency, ScheduleWait, Task
from scheduling.services.schedule import (
    link_change,
    lock_project,
    recompute_cause,
    schedule_recompute,
    work_calendar,
)

logger = logging.getLogger(__name__)

CHAIN_TASK = "scheduling.tasks.recompute_dependents"

# One lock for every change to the graph of projects, so two links added at once in opposite
# directions cannot both pass the loop check (PostgreSQL; SQLite writes one at a time anyway).
_GRAPH_LOCK = 0x43484152_5452  # "CHARTR"


def task_label(task: Task, key: str) -> str:
    """How a task of another project is named: ``CLOUD-12 “Deploy VPC”``."""
    return f"{key}-{task.ref} “{task.name}”"


# --- the graph of projects ------------------------------------------------------------------------


def _edges() -> dict[int, set[int]]:
    """Project → the projects that wait for one of its tasks."""
    graph: dict[int, set[int]] = defaultdict(set)
    for source, target in (
        ExternalDependency.objects.values_list("predecessor__project_id", "project_id")
        .distinct()
        .order_by()
    ):
        graph[source].add(target)
    return graph


def downstream(
    project_id: int, graph: dict[int, set[int]] | None = None, *, also: Iterable[int] = ()
) -> list[int]:
    """The projects that wait, directly or through others, for ``project_id`` (and the projects
    ``also`` with theirs), in an order in which each comes after every project it waits for."""
    graph = _edges() if graph is None else graph
    reached: set[int] = {pk for pk in also if pk != project_id}
    queue = deque([project_id, *reached])
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in reached and nxt != project_id:
                reached.add(nxt)
                queue.append(nxt)
    # Kahn's order within the reached part (the graph has no loop: links refuse one).
    waiting = dict.fromkeys(reached, 0)
    for source in reached:
        for target in graph.get(source, ()):
            if target in waiting:
                waiting[target] += 1
    ready = deque(sorted(pk for pk, count in waiting.items() if count == 0))
    order: list[int] = []
    while ready:
        pk = ready.popleft()
        order.append(pk)
        for target in sorted(graph.get(pk, ())):
            if target in waiting:
                waiting[target] -= 1
                if waiting[target] == 0:
                    ready.append(target)
    return order


def _path(graph: dict[int, set[int]], start: int, goal: int) -> list[int] | None:
    """The projects from ``start`` to ``goal`` along the graph, or None."""
    parent: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while parent[path[-1]] is not None:
                path.append(parent[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in sorted(graph.get(node, ())):
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return None


def _check_no_loop(source: Project, target: Project, by: AbstractBaseUser) -> None:
    """Refuse a link ``source`` → ``target`` that would close a loop of projects, naming it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_GRAPH_LOCK])
    path = _path(_edges(), target.pk, source.pk)
    if path is None:
        return
    chain = [source.pk, *path]
    visible = set(projects_for(by).filter(pk__in=chain).values_list("pk", flat=True))
    keys = dict(Project.objects.filter(pk__in=chain).values_list("pk", "key"))
    names = [keys[pk] if pk in visible else "a project you cannot see" for pk in chain]
    raise ValidationError(
        {
            "predecessor": "This link would make a loop of projects: "
            + " → ".join(names)
            + f". {names[1]} would wait for {names[0]}, which already waits for it."
        }
    )


# --- links ----------------------------------------------------------------------------------------


def visible_task(user: AbstractBaseUser, pk: Any) -> Task:
    """A task of a project ``user`` can see, with its project; the same refusal for a task that
    does not exist and one the person may not see (nothing leaks)."""
    try:
        return Task.objects.select_related("project").get(
            pk=int(pk), project__in=projects_for(user).values("pk")
        )
    except (Task.DoesNotExist, TypeError, ValueError):
        raise ValidationError(
            {"predecessor": f"There is no task {pk} in a project you can see."}
        ) from None


def queue_dependents(project: Project) -> None:
    """After a recompute moved a task other projects wait for: mark the projects downstream as
    waiting for ``project`` and, once the caller's transaction commits, have the worker
    recompute them. Inside the worker's own chain that is already under way: nothing more."""
    if recompute_cause.get() is not None:
        return
    later = downstream(project.pk)
    if later:
        closed = set(
            Project.objects.filter(pk__in=later, stage=Project.Stage.CLOSED).values_list(
                "pk", flat=True
            )
        )
        later = [pk for pk in later if pk not in closed]
    if not later:
        return
    for pk in later:
        ScheduleWait.objects.update_or_create(project_id=pk, defaults={"waiting_for": project})
    enqueue_on_commit(CHAIN_TASK, project.pk, [])


def queue_link_gone(link: ExternalDependency) -> None:
    """A link is being deleted with its task or project (not through the service): after the
    commit the worker derives its project's bounds again (once per project and transaction,
    however many links go). No wait is marked: the project itself may be going (a row pointing
    at it would stop its deletion), and the chain skips a project that is gone."""
    source = (
        Task.objects.filter(pk=link.predecessor_id).values_list("project_id", flat=True).first()
    )
    if source is None:
        return
    # One chain per (source, project) for the whole transaction: the first callback to run
    # sends them all, the others find nothing left.
    connection.__dict__.setdefault("charter_links_gone", set()).add((source, link.project_id))
    transaction.on_commit(_send_links_gone)


def _send_links_gone() -> None:
    for source, target in sorted(connection.__dict__.pop("charter_links_gone", set())):
        enqueue(CHAIN_TASK, source, [target])


def _mark_drivers(task_ids: Iterable[int]) -> None:
    """Keep ``Task.drives_other_projects`` true exactly for tasks with external successors."""
    ids = list(task_ids)
    driving = set(
        ExternalDependency.objects.filter(predecessor_id__in=ids).values_list(
            "predecessor_id", flat=True
        )
    )
    Task.objects.filter(pk__in=driving, drives_other_projects=False).update(
        drives_other_projects=True
    )
    Task.objects.filter(pk__in=set(ids) - driving, drives_other_projects=True).update(
        drives_other_projects=False
    )


@transaction.atomic
def external_dependency_add(
    *,
    project: Project,
    by: AbstractBaseUser,
    predecessor: Task,
    successor: Task,
    type: str = Dependency.Type.FS,
    lag: int = 0,
) -> ExternalDependency:
    """Make ``successor`` (of ``project``) wait for ``predecessor``, a task of another project
    ``by`` can see, and reschedule ``project``. A loop of projects is refused, naming it."""
    check_same_project(project, successor, "successor")
    if predecessor.project_id == project.pk:
        raise ValidationError({"predecessor": "This task is in the same project: link it there."})
    if not projects_for(by).filter(pk=predecessor.project_id).exists():
        raise ValidationError(
            {"predecessor": f"There is no task {predecessor.pk} in a project you can see."}
        )
    _check_no_loop(predecessor.project, project, by)
    lock_project(project)
    link = ExternalDependency(
        project=project,
        predecessor=predecessor,
        successor=successor,
        type=type,
        lag=lag,
        created_by=by,
    )
    link.full_clean(validate_unique=False, validate_constraints=False)
    link._history_user = by
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise ValidationError(
            {"predecessor": f"“{successor.name}” already waits for this task."}
        ) from None
    _mark_drivers([predecessor.pk])
    refresh_bounds(project, work_calendar(project))
    link.schedule_change = schedule_recompute(project)
    _record(link, "external_dependency.added", by)
    return link


@transaction.atomic
def external_dependency_update(
    *, link: ExternalDependency, by: AbstractBaseUser, version: int | None, **changes: Any
) -> ExternalDependency:
    """Change an external link's type or lag, and reschedule its project."""
    if set(changes) - {"type", "lag"}:
        return link_change(link, by=by, version=version, changes=changes)  # refused
    project = lock_project(link.project)
    current = link_change(link, by=by, version=version, changes=changes)
    refresh_bounds(project, work_calendar(project))
    current.schedule_change = schedule_recompute(project)
    return current


@transaction.atomic
def external_dependency_remove(*, link: ExternalDependency, by: AbstractBaseUser) -> None:
    """Remove an external link; its successor no longer waits, and the project is rescheduled."""
    project = lock_project(link.project)
    predecessor_id = link.predecessor_id
    _record(link, "external_dependency.removed", by)
    link._history_user = by
    link.rescheduled = True  # below, in this transaction: no worker needed
    link.delete()
    _mark_drivers([predecessor_id])
    refresh_bounds(project, work_calendar(project))
    schedule_recompute(project)


def _record(link: ExternalDependency, kind: str, by: AbstractBaseUser) -> None:
    successor = link.successor
    record_event(
        kind,
        project=link.project,
        actor=by,
        target=successor,
        # The other project is not named: not every member of this one may see it.
        data={"successor": successor.pk, "type": link.type, "lag": link.lag},
    )


# --- the worker's chain ---------------------------------------------------------------------------


def recompute_dependents(project_id: int, also: Iterable[int] = ()) -> list[int]:
    """Recompute, in order, every project that waits (directly or not) for ``project_id`` (and
    the projects ``also``, with theirs), each in its own transaction under its own lock;
    returns the projects whose bounds moved.

    A project whose bounds did not change keeps its dates (its own edits recomputed it), so only
    its wait is cleared; so does a closed project (read-only). One that fails (a date beyond
    the calendar) is logged and skipped: the others still run, and its wait is cleared so the
    page does not promise a recompute forever.
    """
    # The source may be gone (deleted with its links): its projects still follow.
    source = Project.objects.filter(pk=project_id).values_list("key", flat=True).first()
    moved: list[int] = []
    token = recompute_cause.set(source or "")
    try:
        for pk in downstream(project_id, also=also):
            try:
                with transaction.atomic():
                    project = Project.objects.select_for_update().filter(pk=pk).first()
                    if project is None:
                        continue
                    # A closed project is read-only (DESIGN §3): its record stays as closed.
                    if not project.is_closed and refresh_bounds(project, work_calendar(project)):
                        schedule_recompute(project)
                        moved.append(pk)
                    ScheduleWait.objects.filter(project=project).delete()
            except ValidationError:
                logger.exception("Cross-project recompute of project %s failed", pk)
                ScheduleWait.objects.filter(project_id=pk).delete()
    finally:
        recompute_cause.reset(token)
    return moved


# --- reading --------------------------------------------------------------------------------------


def external_predecessors(user: AbstractBaseUser, task: Task) -> list[dict[str, Any]]:
    """The task's external predecessors as ``user`` may see them: a task of a project they can
    see is named with its project key and dates; any other is "external dependency (no
    access)", with no name, key or date."""
    links = list(
        ExternalDependency.objects.filter(successor=task)
        .select_related("predecessor__project")
        .order_by("id")
    )
    visible = set(
        projects_for(user)
        .filter(pk__in={link.predecessor.project_id for link in links})
        .values_list("pk", flat=True)
    )
    rows = []
    for link in links:
        pred = link.predecessor
        row: dict[str, Any] = {"link": link, "type": link.type, "lag": link.lag}
        if pred.project_id in visible:
            row.update(
                visible=True,
                label=task_label(pred, pred.project.key),
                project=pred.project,
                task=pred,
                start_date=pred.start_date,
                finish_date=pred.finish_date,
            )
        else:
            row.update(visible=False, label="External dependency (no access)")
        rows.append(row)
    return rows


def external_successors(user: AbstractBaseUser, task: Task) -> list[dict[str, Any]]:
    """The tasks of other projects waiting for ``task``: named where ``user`` may see their
    project, else "A task of a project you cannot see"."""
    links = list(
        ExternalDependency.objects.filter(predecessor=task)
        .select_related("successor", "project")
        .order_by("id")
    )
    visible = set(
        projects_for(user)
        .filter(pk__in={link.project_id for link in links})
        .values_list("pk", flat=True)
    )
    return [
        {
            "link": link,
            "type": link.type,
            "lag": link.lag,
            "visible": link.project_id in visible,
            "label": task_label(link.successor, link.project.key)
            if link.project_id in visible
            else "A task of a project you cannot see",
            "project": link.project if link.project_id in visible else None,
            "task": link.successor if link.project_id in visible else None,
        }
        for link in links
    ]


def waiting_for(user: AbstractBaseUser, project: Project) -> str | None:
    """ "Waiting for KEY to recompute" when the worker has not yet reached the project (the key
    only if ``user`` may see that project), else None."""
    wait = ScheduleWait.objects.filter(project=project).values_list("waiting_for_id", flat=True)
    source = wait.first()
    if source is None:
        return None
    key = projects_for(user).filter(pk=source).values_list("key", flat=True).first()
    return f"Waiting for {key or 'another project'} to recompute: dates here may still move."
