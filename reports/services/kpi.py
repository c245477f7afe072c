"""Computing KPI snapshots and health (the numbers of DESIGN §4 "KPIs, health and reports").

``kpi_snapshot_refresh`` is what the Celery tasks call; it writes with ``update_or_create`` on
``(project, as_of)``, so running it twice for a day changes nothing but the time it was computed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from budgets import selectors as budget_selectors
from projects.models import ChangeRequest, Deliverable, Project
from reports import health
from reports.models import HealthThresholds, KpiSnapshot
from risks import selectors as risk_selectors
from scheduling import services as schedule_services
from scheduling.models import Baseline, Task

DUE_SOON_DAYS = 14


def thresholds_for(project: Project) -> health.Thresholds:
    """The project's health thresholds, or DESIGN's defaults when it has none."""
    settings = HealthThresholds.objects.filter(project=project).first()
    return settings.as_rules() if settings else health.Thresholds()


def _schedule_numbers(project: Project, as_of: datetime.date) -> dict:
    tasks = Task.objects.filter(project=project)
    open_tasks = tasks.exclude(status=Task.Status.DONE)
    soon = as_of + datetime.timedelta(days=DUE_SOON_DAYS)
    # % complete weighted by duration, as the WBS roll-up weighs it.
    counts = tasks.aggregate(
        progress=Coalesce(Sum(F("duration") * F("percent_complete")), 0),
        duration=Coalesce(Sum("duration"), 0),
    )
    percent = (
        (Decimal(counts["progress"]) / Decimal(counts["duration"])).quantize(Decimal("0.1"))
        if counts["duration"]
        else None
    )
    milestones = open_tasks.filter(duration=0)
    forecast = tasks.order_by("-finish_date").values_list("finish_date", flat=True).first()
    baseline = Baseline.objects.filter(project=project, is_performance=True).first()
    slip = None
    if baseline and baseline.finish_date and forecast:
        calendar = schedule_services.work_calendar(project)
        slip = calendar.date_to_index(forecast) - calendar.date_to_index(baseline.finish_date)
    return {
        "percent_complete": percent,
        "forecast_finish": forecast,
        "baseline_finish": baseline.finish_date if baseline else None,
        "finish_slip_days": slip,
        "milestones_missed": milestones.filter(finish_date__lt=as_of).count(),
        "milestones_due_14d": milestones.filter(
            finish_date__gte=as_of, finish_date__lte=soon
        ).count(),
        "overdue_tasks": open_tasks.filter(duration__gt=0).overdue(as_of).count(),
    }


def kpi_snapshot_refresh(*, project: Project, as_of: datetime.date) -> KpiSnapshot:
    """Compute the project's KPIs and health at ``as_of`` and store them as that day's snapshot."""
    value = budget_selectors.evm_for(project, as_of)
    schedule = _schedule_numbers(project, as_of)
    risks = risk_selectors.open_risks_by_level(project)
    exposure = risk_selectors.risk_exposure(project)["net"]
    scope = Deliverable.objects.filter(project=project).aggregate(
        total=Count("id"),
        accepted=Count("id", filter=Q(status=Deliverable.Status.ACCEPTED)),
        rejected=Count("id", filter=Q(status=Deliverable.Status.REJECTED)),
        overdue=Count(
            "id",
            filter=Q(due_date__lt=as_of) & ~Q(status=Deliverable.Status.ACCEPTED),
        ),
    )
    pending = ChangeRequest.objects.filter(
        project=project, status=ChangeRequest.Status.SUBMITTED
    ).count()
    rating = health.assess(
        health.HealthInput(
            spi=value.spi,
            cpi=value.cpi,
            finish_slip_days=schedule["finish_slip_days"],
            milestones_missed=schedule["milestones_missed"],
            open_risks_by_level=risks,
            overdue_deliverables=scope["overdue"],
            rejected_deliverables=scope["rejected"],
            pending_change_requests=pending,
            currency=project.currency,
        ),
        thresholds_for(project),
    )
    snapshot, _ = KpiSnapshot.objects.update_or_create(
        project=project,
        as_of=as_of,
        defaults={
            **schedule,
            "bac": value.bac,
            "pv": value.pv,
            "ev": value.ev,
            "ac": value.ac,
            "sv": value.sv,
            "cv": value.cv,
            "spi": value.spi,
            "cpi": value.cpi,
            "eac": value.eac,
            "vac": value.vac,
            "open_risks_by_level": risks,
            "risk_exposure": exposure,
            "open_issues": risk_selectors.open_issue_count(project),
            "pending_change_requests": pending,
            "deliverables_accepted": scope["accepted"],
            "deliverables_total": scope["total"],
            "health": rating.overall.rag.name.lower(),
            "health_schedule": rating.dimensions["schedule"].rag.name.lower(),
            "health_cost": rating.dimensions["cost"].rag.name.lower(),
            "health_scope": rating.dimensions["scope"].rag.name.lower(),
            "health_risk": rating.dimensions["risk"].rag.name.lower(),
            "health_reasons": {
                "overall": rating.overall.reason,
                **{name: r.reason for name, r in rating.dimensions.items()},
            },
        },
    )
    return snapshot
