"""Background jobs of the scheduling app: thin and safe to run twice."""

from __future__ import annotations

from celery import shared_task

from scheduling.services import external
from scheduling.services.reminders import task_due_reminders_record


@shared_task
def record_task_due_reminders() -> int:
    """Daily (beat): tell owners of their tasks due tomorrow or overdue since yesterday."""
    return task_due_reminders_record()


@shared_task
def recompute_dependents(project_id: int, also: list[int] | None = None) -> list[int]:
    """After a commit moved tasks other projects wait for: recompute those projects in order,
    each in its own transaction under its own lock (scheduling.services.external)."""
    return external.recompute_dependents(project_id, also or ())
