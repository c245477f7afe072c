"""Reads of weekly status reports: the archive and one report with its deliveries.

Callers pass projects they got through the access door (``projects.selectors.get_project_for``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from projects.models import Project
from reports.models import DeliveryAttempt, StatusReport, StatusReportDelivery

Status = StatusReportDelivery.Status


def status_reports_of(project: Project) -> QuerySet[StatusReport]:
    """The archive, newest week first, each with its delivery counts (one query per page);
    the frozen ``content`` is left out, a list does not need it."""
    return (
        StatusReport.objects.filter(project=project)
        .defer("content")
        .select_related("built_by", "sent_by")
        .annotate(
            deliveries_total=Count("deliveries"),
            deliveries_sent=Count("deliveries", filter=Q(deliveries__status=Status.SENT)),
            deliveries_failed=Count("deliveries", filter=Q(deliveries__status=Status.FAILED)),
            deliveries_waiting=Count(
                "deliveries",
                filter=Q(deliveries__status__in=[Status.PENDING, Status.SENDING, Status.RETRYING]),
            ),
        )
        .order_by("-week_start")
    )


def status_report_of(project: Project, pk: Any) -> StatusReport:
    """One report of the project (404 when it is not one of the project's)."""
    return get_object_or_404(
        StatusReport.objects.filter(project=project).select_related(
            "project", "built_by", "sent_by"
        ),
        pk=pk,
    )


def deliveries_of(report: StatusReport) -> list[StatusReportDelivery]:
    """Every recipient of the report with every attempt and its error (two queries)."""
    return list(
        StatusReportDelivery.objects.filter(report=report)
        .prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number"))
        )
        .order_by("email", "pk")
    )
