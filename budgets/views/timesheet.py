"""My timesheet: the week's hours across every project I log time on, as one grid."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from budgets import timesheets
from budgets.models import TimeEntry, TimesheetPart, TimesheetWeek
from budgets.services.timesheets import timesheet_submit
from projects.models import Role
from projects.spreadsheets import csv_safe
from projects.views.base import READ_WRITE, door
from stakeholders.models import Approval
from stakeholders.services import approval_decide


@login_required
@require_http_methods(["GET", "POST"])
def timesheet(request: HttpRequest) -> HttpResponse:
    """GET the week (``?week=2026-W49``, this week by default; ``&format=csv`` downloads it);
    POST saves every cell at once (all or nothing, each bad cell named next to it)."""
    try:
        start = timesheets.week_start(request.GET.get("week") or request.POST.get("week"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        start = timesheets.week_start(None)
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    if request.method == "POST" and "submit" in request.POST:
        try:
            submitted = timesheet_submit(user=request.user, start=start)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Your timesheet for {submitted.label} is {submitted.get_status_display().lower()}"
                + (
                    ": each project's manager approves that project's hours."
                    if submitted.status == TimesheetWeek.Status.SUBMITTED
                    else "."
                ),
            )
        return redirect(f"{reverse('budgets:timesheet')}?week={timesheets.week_label(start)}")
    if request.method == "POST":
        typed = {name: value for name, value in request.POST.items() if name[:2] in ("h-", "n-")}
        try:
            timesheets.timesheet_save(user=request.user, start=start, cells=typed)
        except ValidationError as error:
            errors = error.message_dict
            messages.error(request, "Nothing was saved: fix the hours marked below.")
        else:
            messages.success(request, f"Hours for the week of {start:%-d %b %Y} saved.")
            return redirect(f"{reverse('budgets:timesheet')}?week={timesheets.week_label(start)}")
    week = timesheets.timesheet(request.user, start)
    if request.GET.get("format") == "csv":
        return _csv(week)
    rows = [
        {
            "row": row,
            "cells": [
                {
                    "name": name,
                    "value": typed.get(name, "" if value is None else value),
                    "errors": errors.get(name, []),
                    "day": day,
                }
                for (name, value), day in zip(row.cells(), week.days, strict=True)
            ],
        }
        for row in week.rows
    ]
    others = [
        {
            "row": row,
            "cells": [
                {
                    "name": name,
                    "value": typed.get(name, "" if value is None else value),
                    "errors": errors.get(name, []),
                    "day": day,
                }
                for (name, value), day in zip(row.cells(), week.days, strict=True)
            ],
        }
        for row in week.other_rows
    ]
    return render(
        request,
        "budgets/timesheet.html",
        {
            "week": week,
            "rows": rows,
            "others": others,
            "previous": timesheets.week_label(start - datetime.timedelta(days=7)),
            "next": timesheets.week_label(start + datetime.timedelta(days=7)),
            "this_week": timesheets.week_label(timesheets.week_start(None)),
            "has_errors": bool(errors),
        },
    )


def _csv(week: timesheets.Week) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="timesheet-{week.label}.csv"'
    writer = csv.writer(response)
    for row in timesheets.timesheet_csv_rows(week):
        writer.writerow([csv_safe(cell) for cell in row])
    return response


@login_required
def timesheet_part(request: HttpRequest, pk: int, part_pk: int) -> HttpResponse:
    """A person's hours on this project in one submitted week (task × day), for the project's
    managers: the one it is addressed to approves it or returns it with a reason. Nothing of the
    person's other projects or non-project time is shown."""
    project, refused = door(request, pk, READ_WRITE, need=Role.MANAGER, form=True)
    if refused:
        return refused
    part = get_object_or_404(
        TimesheetPart.objects.select_related("week__user", "decided_by"),
        project=project,
        pk=part_pk,
    )
    start = part.week.start
    days = [start + datetime.timedelta(days=i) for i in range(7)]
    approval = (
        Approval.objects.for_subject(part).pending().filter(approver_id=request.user.pk).first()
    )
    error = ""
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if approval is None:
            error = "This timesheet is not waiting for your approval."
        else:
            try:
                approval_decide(
                    approval=approval,
                    by=request.user,
                    decision=Approval.Decision.APPROVED
                    if decision == "approve"
                    else Approval.Decision.REJECTED
                    if decision == "return"
                    else decision,
                    comment=request.POST.get("reason", ""),
                )
            except ValidationError as failure:
                error = " ".join(failure.messages)
            else:
                part.refresh_from_db()
                messages.success(request, f"The hours were {part.get_status_display().lower()}.")
                return redirect("budgets:timesheet_part", pk=project.pk, part_pk=part.pk)
    grid: dict[int | None, dict] = {}
    for entry in TimeEntry.objects.filter(
        project=project,
        resource__user_id=part.week.user_id,
        date__range=(start, days[-1]),
    ).select_related("task"):
        row = grid.setdefault(
            entry.task_id, {"task": entry.task, "hours": [None] * 7, "total": Decimal(0)}
        )
        row["hours"][(entry.date - start).days] = entry.hours
        row["total"] += entry.hours
    rows = sorted(grid.values(), key=lambda r: (r["task"].ref or 0) if r["task"] else 0)
    day_totals = [sum((r["hours"][i] or 0 for r in rows), Decimal(0)) for i in range(7)]
    return render(
        request,
        "budgets/timesheet_part.html",
        {
            "project": project,
            "area": "budget",
            "part": part,
            "days": days,
            "rows": rows,
            "day_totals": day_totals,
            "total": sum(day_totals, Decimal(0)),
            "approval": approval,
            "error": error,
            "reason": request.POST.get("reason", ""),
        },
    )
