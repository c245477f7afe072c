"""The scheduling app following its own signals: a move of a task that other projects wait for,
or a link between projects going with a deleted task or project, reaches the projects that wait
through the worker (``scheduling.services.external``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_delete

from projects.models import Project
from scheduling import signals
from scheduling.models import ExternalDependency
from scheduling.services import external


def drivers_moved(
    sender: Any, project: Project, drivers_moved: bool = False, **kwargs: Any
) -> None:
    if drivers_moved:
        external.queue_dependents(project)


def link_deleted(sender: Any, instance: ExternalDependency, **kwargs: Any) -> None:
    """However a link goes (a deleted task or project, a plan re-import), the project that
    waited is recomputed without it after the commit; removing it through the service
    reschedules at once and needs nothing more."""
    if not getattr(instance, "rescheduled", False):
        external.queue_link_gone(instance)


signals.schedule_recomputed.connect(drivers_moved, dispatch_uid="scheduling.external.moved")
pre_delete.connect(link_deleted, sender=ExternalDependency, dispatch_uid="scheduling.external.gone")
