"""Demo weekly status reports: for every demo project last week's report, sent (its deliveries
marked delivered, as the weekly schedule would have left them: no mail leaves the demo), and this
week's built as a draft, so the archive, the change since last week and the preview all have
something to show. Called by ``manage.py seed_demo`` after the KPI history; running it again
changes nothing.

Last week's report is made from the KPI history's snapshot of that week's end (rebuilt from the
demo's records by ``reports.demo.kpi``) rather than by ``status_report_build``, which would
compute a snapshot for that day from today's progress and put a false point in the history.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from projects import clock
from projects.demo import DemoContext, is_finished
from projects.models import Project
from reports.models import DeliveryAttempt, KpiSnapshot, StatusReport, StatusReportDelivery
from reports.services.status import (
    status_report_build,
    status_report_content,
    week_start_for,
)
from stakeholders.selectors import weekly_report_recipients

LAST_WEEK_SUMMARY = (
    "Steady week. The team closed the open review comments and the plan for the next two "
    "weeks is unchanged; the risks below are the ones we are watching most closely."
)


def seed(context: DemoContext) -> None:
    now = clock.now()
    for project in context.projects.values():
        # A closed project, or one whose work finished months ago (closed next, by the closure
        # demo), has no week to report on.
        if project.is_closed or is_finished(project, clock.today()):
            continue
        _sent_last_week(project, now)
        this_week = week_start_for(project, now)
        if not StatusReport.objects.filter(project=project, week_start=this_week).exists():
            status_report_build(project=project, by=context.manager, now=now)


@transaction.atomic
def _sent_last_week(project: Project, now: datetime.datetime) -> None:
    week_start = week_start_for(project, now) - datetime.timedelta(days=7)
    if StatusReport.objects.filter(project=project, week_start=week_start).exists():
        return
    # Sent on the project's report day and hour, from the newest snapshot the schedule had then
    # (the history keeps week ends: the Sunday before).
    send_day = week_start + datetime.timedelta(days=project.report_weekday - 1)
    snapshot = (
        KpiSnapshot.objects.filter(
            project=project,
            as_of__gte=week_start - datetime.timedelta(days=7),
            as_of__lte=send_day,
        )
        .order_by("-as_of")
        .first()
    )
    if snapshot is None:  # no history that week: nothing honest to report
        return
    when = datetime.datetime.combine(
        send_day, datetime.time(project.report_hour), tzinfo=project.zone
    )
    report = StatusReport.objects.create(
        project=project,
        week_start=week_start,
        as_of=snapshot.as_of,
        status=StatusReport.Status.SENT,
        health=snapshot.health,
        summary=LAST_WEEK_SUMMARY,
        content=status_report_content(project, snapshot, week_start),
        snapshot=snapshot,
        built_at=when,
        sent_at=when,  # built and sent by the weekly schedule: no built_by, no sent_by
    )
    for stakeholder in weekly_report_recipients(project):
        delivery, created = StatusReportDelivery.objects.get_or_create(
            report=report,
            email=stakeholder.email,
            defaults={
                "name": stakeholder.name,
                "stakeholder": stakeholder,
                "status": StatusReportDelivery.Status.SENT,
                "attempts": 1,
                "sent_at": when,
            },
        )
        if created:
            DeliveryAttempt.objects.create(
                delivery=delivery, number=1, started_at=when, succeeded=True
            )
