"""The scheduling app following its own signals: a move of a task that other projects wait for
reaches those projects through the worker (``scheduling.services.external``)."""

from __future__ import annotations

from typing import Any

from projects.models import Project
from scheduling import signals
from scheduling.models import Task
from scheduling.services import external


def drivers_moved(
    sender: Any, project: Project, drivers_moved: bool = False, **kwargs: Any
) -> None:
    if drivers_moved:
        external.queue_dependents(project)


def driver_deleted(sender: Any, project: Project, task: Task, **kwargs: Any) -> None:
    external.queue_dependents(project, also=external.successor_projects(task))


signals.schedule_recomputed.connect(drivers_moved, dispatch_uid="scheduling.external.moved")
signals.driver_deleted.connect(driver_deleted, dispatch_uid="scheduling.external.deleted")
