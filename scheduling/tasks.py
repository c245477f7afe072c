"""Background jobs of the scheduling app: thin and safe to run twice."""

from __future__ import annotations

from celery import shared_task

from scheduling.services.reminders import task_due_reminders_record


@shared_task
def record_task_due_reminders() -> int:
    """Daily (beat): tell owners of their tasks due tomorrow or overdue since yesterday."""
    return task_due_reminders_record()
