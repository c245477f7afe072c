"""My timesheet: the week's hours across every project I log time on, as one grid."""

from __future__ import annotations

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from budgets import timesheets
from projects.spreadsheets import csv_safe


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
    if request.method == "POST":
        typed = {name: value for name, value in request.POST.items() if name.startswith("h-")}
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
    return render(
        request,
        "budgets/timesheet.html",
        {
            "week": week,
            "rows": rows,
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
