"""Monte Carlo forecast runs: requested on a page or the API, computed by a Celery task
(``risks.tasks.run_forecast``), results kept as JSON (see ``risks.services.forecast``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.models import Project

MIN_ITERATIONS = 100
MAX_ITERATIONS = 100_000


class ForecastRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Distribution(models.TextChoices):
        TRIANGULAR = "triangular", "Triangular"
        PERT = "pert", "Beta-PERT"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="forecast_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    iterations = models.PositiveIntegerField(default=10_000)
    seed = models.BigIntegerField(help_text="The same seed on the same plan gives the same answer.")
    distribution = models.CharField(
        max_length=12, choices=Distribution.choices, default=Distribution.TRIANGULAR
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of iterations done.")
    error = models.TextField(blank=True)
    results = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(iterations__gte=MIN_ITERATIONS, iterations__lte=MAX_ITERATIONS),
                name="forecast_iterations_in_range",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="forecast_progress_at_most_100"
            ),
            models.CheckConstraint(condition=Q(seed__gte=0), name="forecast_seed_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(results__isnull=False),
                name="forecast_done_has_results",
            ),
        ]

    def __str__(self) -> str:
        return f"Forecast {self.pk} of {self.project.key} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
