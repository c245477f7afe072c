"""KPI snapshots (one per project per day, by Celery) and each project's health thresholds."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from projects import rag
from projects.models import Project
from projects.models.checks import PythonChecksMixin


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class HealthThresholds(PythonChecksMixin, models.Model):
    """Where a project's ratings turn amber and red (DESIGN §4 defaults until changed)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="health_thresholds"
    )
    spi_green = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.95"))
    spi_amber = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.85"))
    cpi_green = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.95"))
    cpi_amber = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.85"))
    slip_amber_days = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Working days of finish slip."
    )
    slip_red_days = models.PositiveIntegerField(
        default=10, validators=[MaxValueValidator(1000)], help_text="Working days of finish slip."
    )
    target_chance_green = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Below this chance (0–1) of meeting the target, the schedule is amber.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "health thresholds"
        constraints = [
            models.CheckConstraint(
                condition=Q(spi_amber__lte=F("spi_green")) & Q(cpi_amber__lte=F("cpi_green")),
                name="health_amber_below_green",
                violation_error_message="The amber threshold must not be above the green one.",
            ),
            models.CheckConstraint(
                condition=Q(slip_amber_days__lte=F("slip_red_days")),
                name="health_slip_amber_before_red",
                violation_error_message="Amber slip must not be more days than red slip.",
            ),
            models.CheckConstraint(
                condition=Q(target_chance_green__gte=0, target_chance_green__lte=1),
                name="health_target_chance_is_a_share",
                violation_error_message="The chance of the target is a share from 0 to 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"Health thresholds of {self.project.key}"

    @classmethod
    def rules_for(cls, project: Project) -> rag.Thresholds:
        """The project's thresholds, or DESIGN's defaults when it has none (one query)."""
        row = cls.objects.filter(project=project).first()
        return row.as_rules() if row else rag.Thresholds()

    def as_rules(self) -> rag.Thresholds:
        return rag.Thresholds(
            spi_green=self.spi_green,
            spi_amber=self.spi_amber,
            cpi_green=self.cpi_green,
            cpi_amber=self.cpi_amber,
            slip_amber_days=self.slip_amber_days,
            slip_red_days=self.slip_red_days,
            target_chance_green=self.target_chance_green,
        )


class KpiSnapshot(models.Model):
    """A project's KPIs and health on one day. Recomputing the same day replaces it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="kpi_snapshots")
    as_of = models.DateField()
    computed_at = models.DateTimeField(auto_now=True)

    percent_complete = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    bac = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    pv = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    ev = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    ac = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    sv = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    cv = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    spi = models.DecimalField(max_digits=8, decimal_places=4, null=True)
    cpi = models.DecimalField(max_digits=8, decimal_places=4, null=True)
    eac = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    vac = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    forecast_finish = models.DateField(null=True)
    baseline_finish = models.DateField(null=True)
    finish_slip_days = models.IntegerField(null=True, help_text="Working days; > 0 is late.")
    # The latest forecast's chances (0-1) of finishing by the target finish and of costing at
    # most the budget; null without a forecast, or with one measured against another target.
    p_target_finish = models.FloatField(null=True)
    p_budget = models.FloatField(null=True)
    milestones_missed = models.PositiveIntegerField(default=0)
    milestones_due_14d = models.PositiveIntegerField(default=0)
    overdue_tasks = models.PositiveIntegerField(default=0)
    open_risks_by_level = models.JSONField(default=dict)
    risk_exposure = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    open_issues = models.PositiveIntegerField(default=0)
    pending_change_requests = models.PositiveIntegerField(default=0)
    deliverables_accepted = models.PositiveIntegerField(default=0)
    deliverables_total = models.PositiveIntegerField(default=0)

    health = models.CharField(max_length=5, choices=Rag.choices)
    health_schedule = models.CharField(max_length=5, choices=Rag.choices)
    health_cost = models.CharField(max_length=5, choices=Rag.choices)
    health_scope = models.CharField(max_length=5, choices=Rag.choices)
    health_risk = models.CharField(max_length=5, choices=Rag.choices)
    # {"overall": "...", "schedule": "...", ...}: the sentence behind each rating.
    health_reasons = models.JSONField(default=dict)
    # The figures frozen when the sponsor signed the closure off: no refresh replaces them while
    # the project stays closed (reopening thaws them).
    is_final = models.BooleanField(default=False)

    class Meta:
        ordering = ["project", "-as_of"]
        get_latest_by = "as_of"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "as_of"], name="kpi_snapshot_one_per_project_per_day"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(is_final=True),
                name="kpi_snapshot_one_final_per_project",
            ),
        ]
        indexes = [models.Index(fields=["project", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.project.key} KPIs on {self.as_of}"
