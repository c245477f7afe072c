"""Building weekly status reports (DESIGN §4 "KPIs, health and reports").

``status_report_build`` makes (or refreshes) the report of the project's current reporting week:
one report per project and week, so building again that week returns the same report. The
figures are frozen into ``content`` as JSON (Decimals as strings, dates ISO) when it is built,
so the archive shows what was reported, not what the numbers are today; a draft is refreshed by
building again, a sent report never changes. The manager's summary is the one part a person
writes (``status_report_update_summary``), until the report is sent.

The content is what the page, the e-mail and the PDF render (``reports.rendering``): every one
of them shows the same frozen numbers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from budgets import selectors as budget_selectors
from projects import clock
from projects.exceptions import StaleEdit
from projects.models import ChangeRequest, Membership, Project, Role
from projects.services.common import (
    check_manager,
    lock_project,
    locked_current,
    save_versioned,
)
from reports.models import KpiSnapshot, StatusReport
from reports.selectors.kpi import change
from reports.services.kpi import DUE_SOON_DAYS, kpi_snapshot_refresh
from risks import selectors as risk_selectors
from risks.models import Issue
from scheduling import selectors as schedule_selectors
from scheduling.models import BaselineTask, Task
from scheduling.services import work_calendar
from stakeholders import selectors as stakeholder_selectors

# Bumped when the shape of ``content`` changes, so renderers can tell old reports apart.
CONTENT_SCHEMA = 1
TOP_RISKS = 5
ISSUES_SHOWN = 10
TREND_WEEKS = 8
SUMMARY_MAX_CHARS = 10_000

# (key, label, places, unit, a rise is bad news). Units: "%", "d" (working days), "¤" (money in
# the project's currency), "" (a plain number or ratio).
KPI_SPECS: tuple[tuple[str, str, int, str, bool], ...] = (
    ("percent_complete", "% complete", 1, "%", False),
    ("spi", "SPI", 2, "", False),
    ("cpi", "CPI", 2, "", False),
    ("sv", "Schedule variance (SV)", 2, "¤", False),
    ("cv", "Cost variance (CV)", 2, "¤", False),
    ("eac", "Estimate at completion (EAC)", 2, "¤", True),
    ("vac", "Variance at completion (VAC)", 2, "¤", False),
    ("finish_slip_days", "Finish slip", 0, "d", True),
    ("milestones_missed", "Milestones missed", 0, "", True),
    ("overdue_tasks", "Overdue tasks", 0, "", True),
    ("risk_exposure", "Risk exposure (Σ EMV)", 2, "¤", True),
    ("open_issues", "Open issues", 0, "", True),
    ("pending_change_requests", "Change requests awaiting a decision", 0, "", True),
    ("deliverables_accepted", "Deliverables accepted", 0, "", False),
)
DIMENSIONS = ("schedule", "cost", "scope", "risk")
ISSUE_PRIORITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


# --- the reporting week ---------------------------------------------------------------------------


def week_start_for(project: Project, when: datetime.datetime) -> datetime.date:
    """Monday of the week ``when`` falls in, in the project's time zone."""
    if timezone.is_naive(when):
        raise ValueError("week_start_for needs a timezone-aware datetime.")
    day = when.astimezone(project.zone).date()
    return day - datetime.timedelta(days=day.weekday())


# --- JSON-safe values -----------------------------------------------------------------------------


def _j(value: Any) -> Any:
    """Decimals as strings, dates ISO: what the JSON column can hold without losing a cent."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _number(value: Any) -> Decimal | None:
    """A frozen figure back as a Decimal (None stays None)."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# --- the parts of the report ----------------------------------------------------------------------


def _previous_figures(
    project: Project, week_start: datetime.date, as_of: datetime.date
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Last week's figures: the previous week's report if there is one, else the snapshot
    nearest to seven days before ``as_of`` (on or before it). Returns (figures, source)."""
    previous_report = (
        StatusReport.objects.filter(
            project=project, week_start=week_start - datetime.timedelta(days=7)
        )
        .only("pk", "as_of", "content")
        .first()
    )
    if previous_report is not None and previous_report.content.get("kpis"):
        figures = {row["key"]: row["value"] for row in previous_report.content["kpis"]}
        return figures, {
            "kind": "report",
            "as_of": previous_report.as_of.isoformat(),
            "report_id": previous_report.pk,
        }
    snapshot = (
        KpiSnapshot.objects.filter(project=project, as_of__lte=as_of - datetime.timedelta(days=7))
        .order_by("-as_of")
        .first()
    )
    if snapshot is None:
        return {}, None
    return {key: _j(getattr(snapshot, key)) for key, *_ in KPI_SPECS}, {
        "kind": "snapshot",
        "as_of": snapshot.as_of.isoformat(),
    }


def _kpis(snapshot: KpiSnapshot, previous: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label, places, unit, rise_is_bad in KPI_SPECS:
        value = getattr(snapshot, key)
        before = _number(previous.get(key))
        delta = change(None if value is None else Decimal(value), before)
        rows.append(
            {
                "key": key,
                "label": label,
                "value": _j(value),
                "previous": _j(before),
                "change": _j(delta),
                "places": places,
                "unit": unit,
                "rise_is_bad": rise_is_bad,
                # "better", "worse", "same" or "" (unknown): the words next to the arrow.
                "trend": (
                    ""
                    if delta is None
                    else "same"
                    if delta == 0
                    else ("worse" if (delta > 0) == rise_is_bad else "better")
                ),
            }
        )
    return rows


def _health(snapshot: KpiSnapshot) -> dict[str, Any]:
    reasons = snapshot.health_reasons or {}
    return {
        "overall": {"rag": snapshot.health, "reason": reasons.get("overall", "")},
        "dimensions": [
            {
                "name": name,
                "label": name.capitalize(),
                "rag": getattr(snapshot, f"health_{name}"),
                "reason": reasons.get(name, ""),
            }
            for name in DIMENSIONS
        ],
    }


def _milestones(
    project: Project, week_start: datetime.date, as_of: datetime.date
) -> dict[str, list[dict[str, Any]]]:
    """Done this week, due in the next 14 days, and slipped (forecast later than the performance
    baseline, or missed: open after its date). Two queries plus the calendar."""
    milestones = list(
        Task.objects.for_project(project)
        .milestones()
        .select_related("owner")
        .order_by("finish_date", "id")
    )
    baseline = schedule_selectors.performance_baseline(project)
    planned: dict[int, datetime.date | None] = {}
    if baseline is not None:
        planned = dict(
            BaselineTask.objects.filter(baseline=baseline, task__in=[m.pk for m in milestones])
            .values_list("task_id", "finish_date")
            .order_by()
        )
    calendar = work_calendar(project) if milestones else None
    week_end = week_start + datetime.timedelta(days=6)
    soon = as_of + datetime.timedelta(days=DUE_SOON_DAYS)

    def row(task: Task) -> dict[str, Any]:
        base = planned.get(task.pk)
        slip = None
        if base is not None and task.finish_date is not None:
            slip = calendar.date_to_index(task.finish_date) - calendar.date_to_index(base)
        return {
            "id": task.pk,
            "name": task.name,
            "date": _j(task.finish_date),
            "baseline": _j(base),
            "slip_days": slip,
            "done_on": _j(task.actual_finish or task.finish_date)
            if task.status == "done"
            else None,
            "owner": _name(task.owner),
            "missed": task.status != Task.Status.DONE
            and task.finish_date is not None
            and task.finish_date < as_of,
        }

    done, due, slipped = [], [], []
    for task in milestones:
        item = row(task)
        if task.status == Task.Status.DONE:
            done_on = task.actual_finish or task.finish_date
            if done_on is not None and week_start <= done_on <= week_end:
                done.append(item)
            continue
        if item["missed"] or (item["slip_days"] is not None and item["slip_days"] > 0):
            slipped.append(item)
        if task.finish_date is not None and as_of <= task.finish_date <= soon:
            due.append(item)
    return {"done": done, "due": due, "slipped": slipped}


def _risks(project: Project) -> list[dict[str, Any]]:
    return [
        {
            "id": risk.pk,
            "reference": risk.reference,
            "title": risk.title,
            "kind": risk.kind,
            "probability": risk.probability,
            "impact": risk.impact,
            "score": risk.score,
            "level": risk.level,
            "emv": _j(risk.emv),
            "owner": _name(risk.owner),
            "status": risk.get_status_display(),
            "response": risk.get_response_strategy_display() if risk.response_strategy else "",
            "response_plan": risk.response_plan,
            "proximity": _j(risk.proximity),
        }
        for risk in risk_selectors.top_risks(project, TOP_RISKS)
    ]


def _issues(project: Project) -> dict[str, Any]:
    """Unresolved issues, most urgent first (priority, then due date), and how many in all."""
    rank = Case(
        *(When(priority=p, then=Value(r)) for p, r in ISSUE_PRIORITY_RANK.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    qs = Issue.objects.for_project(project).unresolved()
    items = list(
        qs.select_related("owner")
        .annotate(rank=rank)
        .order_by("rank", "due_date", "number")[:ISSUES_SHOWN]
    )
    return {
        "count": qs.count(),
        "items": [
            {
                "id": issue.pk,
                "reference": issue.reference,
                "title": issue.title,
                "priority": issue.priority,
                "priority_label": issue.get_priority_display(),
                "status": issue.get_status_display(),
                "owner": _name(issue.owner),
                "due_date": _j(issue.due_date),
            }
            for issue in items
        ],
    }


def _decisions(
    project: Project, week_start: datetime.date, as_of: datetime.date
) -> dict[str, list[dict[str, Any]]]:
    """What the reader is asked to decide: pending approvals and submitted change requests;
    and, for context, the decisions logged this week."""
    approvals = [
        {
            "id": a.pk,
            "kind": a.get_kind_display(),
            "subject": str(a.subject) if a.subject is not None else "",
            "approver": _name(a.approver),
            "requested_on": _j(a.requested_at.date()),
        }
        for a in stakeholder_selectors.approvals_of(project, decision="pending")[:20]
    ]
    changes = [
        {
            "id": cr.pk,
            "reference": cr.ref,
            "title": cr.title,
            "schedule_impact": cr.schedule_impact,
            "cost_impact": _j(cr.cost_impact),
            "requested_by": cr.requested_by,
            "submitted_on": _j(cr.submitted_at.date()) if cr.submitted_at else None,
        }
        for cr in ChangeRequest.objects.filter(
            project=project, status=ChangeRequest.Status.SUBMITTED
        ).order_by("submitted_at", "number")[:20]
    ]
    logged = [
        {"id": d.pk, "title": d.title, "decided_by": d.decided_by, "date": _j(d.date)}
        for d in stakeholder_selectors.decisions_of(project).filter(
            date__gte=week_start, date__lte=as_of
        )[:20]
    ]
    return {"approvals": approvals, "change_requests": changes, "decided_this_week": logged}


def _budget(project: Project, snapshot: KpiSnapshot) -> dict[str, Any]:
    value = budget_selectors.evm_for(project, snapshot.as_of)
    summary = budget_selectors.budget_summary(project)
    return {
        **{key: _j(amount) for key, amount in value.as_dict().items()},
        "approved": _j(summary["approved"]["total"]),
        "lines": [
            {
                "category": row["category"],
                "label": row["label"],
                **{k: _j(row[k]) for k in ("planned", "committed", "actual", "variance")},
            }
            for row in summary["rows"]
        ],
        "totals": {
            k: _j(summary["totals"][k]) for k in ("planned", "committed", "actual", "variance")
        },
    }


def _trend(project: Project, as_of: datetime.date) -> list[dict[str, Any]]:
    """The last snapshot of each of the last eight weeks: the SPI/CPI trend of the charts."""
    since = as_of - datetime.timedelta(weeks=TREND_WEEKS)
    weekly: dict[datetime.date, KpiSnapshot] = {}
    for snapshot in KpiSnapshot.objects.filter(
        project=project, as_of__gt=since, as_of__lte=as_of
    ).order_by("as_of"):
        monday = snapshot.as_of - datetime.timedelta(days=snapshot.as_of.weekday())
        weekly[monday] = snapshot  # the latest of the week wins
    return [
        {
            "week": _j(monday),
            "as_of": _j(s.as_of),
            "spi": _j(s.spi),
            "cpi": _j(s.cpi),
            "percent_complete": _j(s.percent_complete),
        }
        for monday, s in sorted(weekly.items())
    ]


def status_report_content(
    project: Project, snapshot: KpiSnapshot, week_start: datetime.date
) -> dict[str, Any]:
    """Everything the report shows besides the summary, as JSON-safe values."""
    as_of = snapshot.as_of
    previous, previous_source = _previous_figures(project, week_start, as_of)
    figures = {key: _j(getattr(snapshot, key)) for key, *_ in KPI_SPECS}
    return {
        "schema": CONTENT_SCHEMA,
        "project": {
            "id": project.pk,
            "key": project.key,
            "name": project.name,
            "currency": project.currency,
            "time_zone": project.time_zone,
            "stage": project.get_stage_display(),
            "methodology": project.get_methodology_display(),
            "sponsor": project.sponsor,
            "managers": [
                _name(m.user)
                for m in Membership.objects.filter(project=project, role=Role.MANAGER)
                .select_related("user")
                .order_by("user__first_name", "user__username")
            ],
        },
        "week_start": _j(week_start),
        "week_end": _j(week_start + datetime.timedelta(days=6)),
        "as_of": _j(as_of),
        "health": _health(snapshot),
        "figures": figures,
        "previous": previous_source,
        "kpis": _kpis(snapshot, previous),
        "schedule": {
            "forecast_finish": _j(snapshot.forecast_finish),
            "baseline_finish": _j(snapshot.baseline_finish),
            "finish_slip_days": snapshot.finish_slip_days,
            "target_finish": _j(project.target_finish),
        },
        "milestones": _milestones(project, week_start, as_of),
        "risks": _risks(project),
        "risk_levels": snapshot.open_risks_by_level,
        "issues": _issues(project),
        "decisions": _decisions(project, week_start, as_of),
        "budget": _budget(project, snapshot),
        "trend": _trend(project, as_of),
    }


# --- services -------------------------------------------------------------------------------------


def status_report_build(
    *,
    project: Project,
    by: AbstractBaseUser | None = None,
    now: datetime.datetime | None = None,
) -> StatusReport:
    """The report of the project's current reporting week, built now.

    Building again the same week returns the same report: a draft gets today's figures (its
    summary and version are kept), a sent report is returned as it was sent. A closed project
    gets no new figures. Runs under the project lock, so two builds of one project (the
    schedule and a manager's click) queue.
    """
    now = now or clock.now()
    week_start = week_start_for(project, now)
    as_of = now.astimezone(project.zone).date()
    with transaction.atomic():
        project = lock_project(project)
        report = StatusReport.objects.filter(project=project, week_start=week_start).first()
        if report is not None and report.is_sent:
            return report
        if project.is_closed:
            raise ValidationError(f"{project.key} is closed and read-only.")
        snapshot = kpi_snapshot_refresh(project=project, as_of=as_of)
        content = status_report_content(project, snapshot, week_start)
        if report is None:
            report = StatusReport(project=project, week_start=week_start)
        report.as_of = as_of
        report.health = snapshot.health
        report.content = content
        report.snapshot = snapshot
        report.built_at = now
        report.built_by = by
        report._history_user = by
        report.save()
    return report


@transaction.atomic
def status_report_update_summary(
    *, report: StatusReport, by: AbstractBaseUser, summary: str, version: int | None
) -> StatusReport:
    """The manager's summary of the week, while the report is a draft. A stale ``version``
    (someone saved since the editor read it) is refused with StaleEdit."""
    check_manager(report.project, by, "write the report's summary")
    summary = (summary or "").replace("\r\n", "\n").strip()
    if len(summary) > SUMMARY_MAX_CHARS:
        raise ValidationError(
            {"summary": f"Keep the summary under {SUMMARY_MAX_CHARS:,} characters."}
        )
    current = locked_current(report, version)
    if current.is_sent:
        raise ValidationError(
            {"summary": "This report has been sent; its summary can no longer change."}
        )
    if current.project.is_closed:
        raise ValidationError({"summary": f"{current.project.key} is closed and read-only."})
    current.summary = summary
    return save_versioned(current, by)


__all__ = [
    "KPI_SPECS",
    "StaleEdit",
    "status_report_build",
    "status_report_content",
    "status_report_update_summary",
    "week_start_for",
]
