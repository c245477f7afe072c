"""Receivers that queue a KPI refresh soon after a relevant change (debounced).

Every model ``kpi_snapshot_refresh`` reads is followed here: its ``post_save`` and
``post_delete`` ask ``services.kpi_refresh_soon`` for a refresh of the project, which queues one
after the commit and at most one per project per ``KPI_REFRESH_DEBOUNCE`` seconds. Writes that
bypass model signals are announced by the lower apps' own signals (DESIGN §1: they cannot import
reports): ``scheduling.signals.schedule_recomputed`` for the engine's bulk date writes (and the
holidays a calendar edit bulk-creates before it), ``budgets.signals.cost_entries_imported`` for
a CSV import of costs, ``risks.signals.forecast_finished`` for a forecast run stored by a worker
(health reads its chance of meeting the target).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from budgets import signals as budget_signals
from budgets.models import (
    Assignment,
    BudgetAdjustment,
    BudgetBaseline,
    BudgetLine,
    CostEntry,
    TimeEntry,
)
from projects.models import ChangeRequest, Deliverable, Project
from reports.models import HealthThresholds
from reports.services.kpi import kpi_refresh_soon
from risks import signals as risk_signals
from risks.models import Issue, Risk, RiskScale
from scheduling import signals as schedule_signals
from scheduling.models import Baseline, Calendar, Dependency, Task

# Models whose rows carry ``project_id`` and feed a KPI: progress, dates and budgets (earned
# value, slip, milestones, overdue tasks), risks and issues, scope and change control, and the
# project's own thresholds.
FOLLOWED: tuple[type[Model], ...] = (
    Task,
    Dependency,
    Baseline,
    Calendar,
    BudgetLine,
    BudgetBaseline,
    BudgetAdjustment,
    CostEntry,
    TimeEntry,
    Assignment,
    Risk,
    RiskScale,
    Issue,
    Deliverable,
    ChangeRequest,
    HealthThresholds,
)


def row_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """A followed row was saved or deleted: refresh its project's KPIs soon."""
    if kwargs.get("raw"):  # loaddata: fixtures are not changes anyone made
        return
    kpi_refresh_soon(project_id=instance.project_id)


def project_changed(sender: type[Project], instance: Project, **kwargs: Any) -> None:
    """The project's start, currency or time zone weigh on every KPI."""
    if kwargs.get("raw"):
        return
    kpi_refresh_soon(project_id=instance.pk)


def bulk_changed(sender: type[Model], project: Project, **kwargs: Any) -> None:
    """A lower app wrote many rows of the project at once (no per-row signals)."""
    kpi_refresh_soon(project_id=project.pk)


for model in FOLLOWED:
    label = model._meta.label_lower
    post_save.connect(row_changed, sender=model, dispatch_uid=f"reports.kpi.saved.{label}")
    post_delete.connect(row_changed, sender=model, dispatch_uid=f"reports.kpi.deleted.{label}")
post_save.connect(project_changed, sender=Project, dispatch_uid="reports.kpi.project")
schedule_signals.schedule_recomputed.connect(bulk_changed, dispatch_uid="reports.kpi.schedule")
budget_signals.cost_entries_imported.connect(bulk_changed, dispatch_uid="reports.kpi.costs")
risk_signals.forecast_finished.connect(bulk_changed, dispatch_uid="reports.kpi.forecast")
