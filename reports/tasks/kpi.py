"""Celery tasks of the reports app: thin, idempotent, keyed by (project, day)."""

from __future__ import annotations

import datetime

from celery import shared_task

from projects.models import Project
from projects.queue import enqueue
from reports.services.kpi import REFRESH_TASK, kpi_snapshot_refresh


@shared_task
def refresh_kpi_snapshot(project_id: int, as_of: str | None = None) -> int | None:
    """Compute one project's snapshot (for ``as_of``, ISO date, or today in its time zone)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:  # deleted since the refresh was queued
        return None
    day = datetime.date.fromisoformat(as_of) if as_of else project.today()
    return kpi_snapshot_refresh(project=project, as_of=day).pk


@shared_task
def refresh_all_kpi_snapshots() -> int:
    """Nightly (beat): queue a snapshot for every project that is not closed."""
    ids = list(Project.objects.active().values_list("pk", flat=True))
    for pk in ids:
        enqueue(REFRESH_TASK, pk)
    return len(ids)
