"""Monte Carlo forecast runs: requested on a page or the API, computed by a Celery task
(``risks.tasks.run_forecast``), results kept as JSON (see ``risks.services.forecast``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.models import Project
from projects.models.checks import PythonChecksMixin

MIN_ITERATIONS = 100
MAX_ITERATIONS = 100_000


class ForecastRun(PythonChecksMixin, models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Distribution(models.TextChoices):
        TRIANGULAR = "triangular", "Triangular"
        PERT = "pert", "Beta-PERT"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="forecast_runs")
    number = models.PositiveIntegerField(help_text="Forecast 1, 2, … of its project.")
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
    # The project's default uncertainty as it was when the run was asked for, given to tasks
    # without a three-point estimate at run time (the tasks are not changed); null: not applied.
    default_optimistic_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    default_pessimistic_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of iterations done.")
    error = models.TextField(blank=True)
    results = models.JSONField(null=True, blank=True)
    # What the run measured the plan against, read when it was computed, and the share of its
    # iterations that met each (the engine's count; finishing on the target day meets it).
    # Columns, not only JSON: the dashboard, health and the refresh read them without loading
    # results, which hold every task's criticality.
    plan_finish = models.DateField(
        null=True, blank=True, help_text="The plan's finish without uncertainty, as simulated."
    )
    target_finish = models.DateField(
        null=True, blank=True, help_text="The project's target finish the run measured against."
    )
    budget = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The budget the cost was held to: the BAC, else the approved budget.",
    )
    p_target_finish = models.FloatField(
        null=True, blank=True, help_text="Share of iterations finishing by the target finish."
    )
    p_budget = models.FloatField(
        null=True, blank=True, help_text="Share of iterations costing at most the budget."
    )

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
            models.UniqueConstraint(
                fields=["project", "number"], name="forecast_number_unique_per_project"
            ),
            models.CheckConstraint(
                condition=Q(default_optimistic_percent__isnull=True)
                | Q(default_optimistic_percent__lte=100),
                name="forecast_default_optimistic_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(p_target_finish__isnull=True)
                | Q(p_target_finish__gte=0, p_target_finish__lte=1),
                name="forecast_p_target_finish_is_a_share",
            ),
            models.CheckConstraint(
                condition=Q(p_budget__isnull=True) | Q(p_budget__gte=0, p_budget__lte=1),
                name="forecast_p_budget_is_a_share",
            ),
            models.CheckConstraint(
                condition=Q(p_target_finish__isnull=True) | Q(target_finish__isnull=False),
                name="forecast_p_target_finish_has_its_target",
            ),
            models.CheckConstraint(
                condition=Q(p_budget__isnull=True) | Q(budget__isnull=False),
                name="forecast_p_budget_has_its_budget",
            ),
        ]

    def __str__(self) -> str:
        return f"Forecast {self.number} of {self.project.key} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        # The service numbers a run under the project's row lock; any other writer (the admin,
        # a fixture) takes the next number here.
        if self.number is None:
            last = ForecastRun.objects.filter(project_id=self.project_id).aggregate(
                last=models.Max("number")
            )["last"]
            self.number = (last or 0) + 1
        super().save(*args, **kwargs)

    @property
    def default_uncertainty(self) -> tuple[int, int] | None:
        """(optimistic %, pessimistic %) given to tasks without estimates, or None."""
        if self.default_optimistic_percent is None or self.default_pessimistic_percent is None:
            return None
        return self.default_optimistic_percent, self.default_pessimistic_percent

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
