"""Work that could not be handed to the task queue: kept until the broker takes it."""

from __future__ import annotations

from django.db import models


class UnsentTask(models.Model):
    """A Celery task whose publish failed after its transaction committed (the broker was
    unreachable). ``projects.queue.unsent_tasks_resend`` hands it to the broker again from the
    beat sweeper; the task itself is safe to repeat, so a copy that did arrive is harmless.
    One row per distinct call (``key``): a refresh asked a hundred times while the broker was
    down is sent once."""

    name = models.CharField(max_length=200, help_text="The task's registered name.")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=64, unique=True, editable=False)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    failures = models.PositiveIntegerField(default=1)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["first_failed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
