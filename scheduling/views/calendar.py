"""The project calendar's page: working weekdays, holidays, and a country's public holidays.

Reading is open to every member; changing the calendar moves every date of the plan, so it is
the manager's (and each change recomputes the schedule in the same transaction).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project, Role
from projects.views.base import READ_WRITE, WRITE, door
from scheduling import services
from scheduling.forms import (
    WEEKDAYS,
    HolidayForm,
    HolidayImportForm,
    WorkingWeekdaysForm,
    country_choices,
)
from scheduling.models import Calendar, Holiday
from scheduling.views.schedule import can_manage


@login_required
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the calendar; POST sets the working weekdays."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER)
    if refused:
        return refused
    if request.method == "POST":
        calendar = services.calendar_for(project)
        form = WorkingWeekdaysForm(request.POST)
        if form.is_valid():
            try:
                calendar = services.calendar_update(
                    project=project,
                    by=request.user,
                    version=form.cleaned_data["version"],
                    working_weekdays=form.cleaned_data["working_weekdays"],
                )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Working weekdays are now {_weekday_words(calendar.working_weekdays)}. "
                    "The schedule is updated.",
                )
                return redirect("scheduling:calendar", pk=project.pk)
        return _render_calendar(request, project, calendar, weekdays_form=form, status=400)
    return _render_calendar(request, project, services.calendar_for(project))


def _render_calendar(
    request: HttpRequest,
    project: Project,
    calendar: Calendar,
    *,
    weekdays_form: WorkingWeekdaysForm | None = None,
    holiday_form: HolidayForm | None = None,
    import_form: HolidayImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = project.today()
    holidays = list(calendar.holidays.order_by("date"))
    years: dict[int, list[Holiday]] = {}
    for holiday in holidays:
        years.setdefault(holiday.date.year, []).append(holiday)
    return render(
        request,
        "scheduling/calendar_detail.html",
        {
            "project": project,
            "area": "calendar",
            "calendar": calendar,
            "weekday_words": _weekday_words(calendar.working_weekdays),
            "holiday_years": sorted(years.items()),
            "holiday_count": len(holidays),
            "weekdays_form": weekdays_form
            or WorkingWeekdaysForm(
                initial={
                    "working_weekdays": calendar.working_weekdays,
                    "version": calendar.version,
                }
            ),
            "holiday_form": holiday_form or HolidayForm(),
            "import_form": import_form or HolidayImportForm(initial={"year": today.year}),
            "can_manage": can_manage(project),
            "today": today,
        },
        status=status,
    )


def _weekday_words(days: list[int]) -> str:
    names = dict(WEEKDAYS)
    days = sorted(days)
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{names[days[0]]} to {names[days[-1]]}"
    return ", ".join(names[d] for d in days)


@login_required
def holiday_add(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            holiday = services.holiday_add(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                f"{holiday.date:%A %-d %b %Y} is now a holiday"
                + (f" ({holiday.name})" if holiday.name else "")
                + ". The schedule is updated.",
            )
            return redirect("scheduling:calendar", pk=project.pk)
    calendar = services.calendar_for(project)
    return _render_calendar(request, project, calendar, holiday_form=form, status=400)


@login_required
def holiday_remove(request: HttpRequest, pk: int, holiday_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    holiday = get_object_or_404(Holiday.objects.filter(calendar__project=project), pk=holiday_pk)
    services.holiday_remove(holiday=holiday, by=request.user)
    messages.success(request, f"{holiday.date:%-d %b %Y} is a working day again.")
    return redirect("scheduling:calendar", pk=project.pk)


@login_required
def holidays_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a country's (or region's) public holidays for a year; says how many were new."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    form = HolidayImportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            added = services.holidays_import(
                project=project,
                by=request.user,
                country=data["country"],
                year=data["year"],
                subdivision=data["subdivision"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            where = dict(country_choices()).get(data["country"], data["country"])
            if data["subdivision"]:
                where += f", region {data['subdivision']}"
            if added:
                messages.success(
                    request,
                    f"Added {len(added)} public holiday{'s' if len(added) != 1 else ''} of "
                    f"{where} for {data['year']}. The schedule is updated.",
                )
            else:
                messages.info(
                    request,
                    f"No holidays added: the calendar already has every public holiday of "
                    f"{where} for {data['year']}.",
                )
            return redirect("scheduling:calendar", pk=project.pk)
    calendar = services.calendar_for(project)
    return _render_calendar(request, project, calendar, import_form=form, status=400)
