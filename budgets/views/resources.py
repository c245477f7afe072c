"""Resources (people and non-labour), their days off and assignments, and the utilisation heat
map with the over-allocation conflicts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from budgets import portfolio, selectors, services
from budgets.forms import (
    AssignmentForm,
    AssignmentUnitsForm,
    DayOffForm,
    PlaceholderAssignForm,
    ResourceForm,
    UtilisationForm,
    initial_of,
    monday_of,
)
from budgets.models import Assignment, DayOff, Resource
from projects.exceptions import StaleEdit
from projects.models import Project, Role
from projects.views.base import READ, READ_WRITE, WRITE, door, error_text, rights
from projects.views.editing import form_page, form_write, form_write_changes


def _resource(project: Project, resource_pk: int) -> Resource:
    return get_object_or_404(Resource, project=project, pk=resource_pk)


# --- resources ------------------------------------------------------------------------------------


@login_required
def resources(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's resources with their rate, capacity and number of tasks; POST adds one
    (the manager's: rates are what the project pays)."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER)
    if refused:
        return refused
    form = None
    if request.method == "POST":
        form = ResourceForm(request.POST, project=project, prefix="new")
        if form.is_valid():
            if resource := form_write(
                form, services.resource_create, project=project, by=request.user, **form.values()
            ):
                messages.success(request, f"{resource.name} added as a resource.")
                return redirect("budgets:resources", pk=project.pk)
    allowed = rights(project)
    if allowed["can_manage"] and form is None:
        form = ResourceForm(project=project, prefix="new")
    rows = list(
        selectors.resources_of(project).annotate(task_count=Count("assignments", distinct=True))
    )
    return render(
        request,
        "budgets/resource_list.html",
        {
            "project": project,
            "area": "resources",
            "resources": rows,
            "add_form": form,
            "add_open": request.method == "POST",
            **allowed,
        },
    )


def _render_detail(
    request: HttpRequest, project: Project, resource: Resource, **extra: Any
) -> HttpResponse:
    assignments = list(
        Assignment.objects.filter(resource=resource)
        .select_related("task")
        .order_by("task__early_start", "task__id")
    )
    allowed = rights(project)
    context = {
        "project": project,
        "area": "resources",
        "resource": resource,
        "assignments": assignments,
        "days_off": list(resource.days_off.order_by("date")),
        "total_hours": sum((a.planned_hours for a in assignments), Decimal(0)),
        "total_cost": sum((a.planned_cost for a in assignments), Decimal("0.00")),
        **allowed,
        **extra,
    }
    if allowed["can_edit"]:
        context.setdefault("assign_form", AssignmentForm(project=project, prefix="assign"))
        context.setdefault("day_off_form", DayOffForm(prefix="off"))
    if allowed["can_manage"] and resource.is_placeholder:
        context.setdefault("placeholder_form", PlaceholderAssignForm(project=project))
    template = "budgets/resource_detail.html"
    if request.htmx:
        template += "#resource-region"
    return render(request, template, context)


def _detail_done(
    request: HttpRequest, project: Project, resource: Resource, *, status: str = "", error: str = ""
) -> HttpResponse:
    if request.htmx:
        return _render_detail(request, project, resource, status=status, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, status)
    return redirect("budgets:resource", pk=project.pk, resource_pk=resource.pk)


def _form_refused(
    request: HttpRequest, project: Project, resource: Resource, **form: Any
) -> HttpResponse:
    """A refused form of the resource page (``day_off_form=`` or ``assign_form=``): htmx shows
    it again with its errors; without JavaScript they come back as one message."""
    if request.htmx:
        return _render_detail(request, project, resource, **form)
    (refused,) = form.values()
    errors = " ".join(str(e) for field_errors in refused.errors.values() for e in field_errors)
    return _detail_done(request, project, resource, error=errors)


@login_required
def resource_detail(request: HttpRequest, pk: int, resource_pk: int) -> HttpResponse:
    """One resource: its facts, its assignments (add, change units, remove) and days off."""
    project, refused = door(request, pk, READ)
    resource = _resource(project, resource_pk)
    if refused:
        return refused
    return _render_detail(request, project, resource)


@login_required
def resource_edit(request: HttpRequest, pk: int, resource_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER, form=True)
    resource = _resource(project, resource_pk)
    if refused:
        return refused
    form = ResourceForm(
        request.POST or None,
        project=project,
        initial=initial_of(resource, services.RESOURCE_FIELDS),
    )
    if request.method == "POST" and form.is_valid():
        update = services.resource_update
        saved = form_write_changes(
            form, update, unchanged=resource, resource=resource, by=request.user
        )
        if saved:
            changed = f"{saved.name} saved." if form.changes() else "Nothing changed."
            messages.success(request, changed)
            return redirect("budgets:resource", pk=project.pk, resource_pk=saved.pk)
    template = "budgets/resource_form.html"
    return form_page(request, template, project, "resources", form, resource=resource)


@login_required
def day_off_add(request: HttpRequest, pk: int, resource_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    resource = _resource(project, resource_pk)
    if refused:
        return refused
    form = DayOffForm(request.POST, prefix="off")
    if form.is_valid():
        add = services.day_off_add
        if day := form_write(form, add, resource=resource, by=request.user, **form.cleaned_data):
            status = f"{day.date:%a %-d %b %Y} is a day off."
            return _detail_done(request, project, resource, status=status)
    return _form_refused(request, project, resource, day_off_form=form)


@login_required
def day_off_remove(request: HttpRequest, pk: int, resource_pk: int, day_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    resource = _resource(project, resource_pk)
    day = get_object_or_404(DayOff, resource=resource, pk=day_pk)
    if refused:
        return refused
    try:
        services.day_off_remove(day_off=day, by=request.user)
    except ValidationError as error:
        return _detail_done(request, project, resource, error=error_text(error))
    return _detail_done(
        request, project, resource, status=f"{day.date:%a %-d %b %Y} is a working day again."
    )


@login_required
def placeholder_assign(request: HttpRequest, pk: int, resource_pk: int) -> HttpResponse:
    """Name a person for a placeholder: its tasks move to their resource here (managers)."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    resource = _resource(project, resource_pk)
    if refused:
        return refused
    form = PlaceholderAssignForm(request.POST, project=project)
    if form.is_valid():
        user = form.cleaned_data["user"]
        named = form_write(
            form, services.placeholder_assign, placeholder=resource, user=user, by=request.user
        )
        if named:
            messages.success(request, f"{named.name} now has the tasks of {resource.name}.")
            return redirect("budgets:resource", pk=project.pk, resource_pk=named.pk)
    return _render_detail(request, project, resource, placeholder_form=form)


@login_required
def assignment_add(request: HttpRequest, pk: int, resource_pk: int) -> HttpResponse:
    """Book a share of the resource on a task; the task's labour cost follows."""
    project, refused = door(request, pk, WRITE)
    resource = _resource(project, resource_pk)
    if refused:
        return refused
    form = AssignmentForm(request.POST, project=project, prefix="assign")
    if form.is_valid():
        data = form.cleaned_data
        assignment = form_write(
            form,
            services.assignment_add,
            task=data["task"],
            resource=resource,
            by=request.user,
            units=data["units"],
            quantity=data["quantity"] or 0,
        )
        if assignment:
            return _detail_done(
                request,
                project,
                resource,
                status=f"{resource.name} booked at {assignment.units}% on "
                f"“{assignment.task.name}”.",
            )
    return _form_refused(request, project, resource, assign_form=form)


@login_required
def assignment_update(
    request: HttpRequest, pk: int, resource_pk: int, assignment_pk: int
) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    resource = _resource(project, resource_pk)
    assignment = get_object_or_404(Assignment, resource=resource, pk=assignment_pk)
    if refused:
        return refused
    form = AssignmentUnitsForm(request.POST)
    if not form.is_valid():
        return _detail_done(
            request, project, resource, error="Units are a whole percentage from 1 to 1000."
        )
    try:
        assignment = services.assignment_update(
            assignment=assignment,
            by=request.user,
            version=form.cleaned_data["version"],
            units=form.cleaned_data["units"],
        )
    except (StaleEdit, ValidationError) as error:
        text = str(error) if isinstance(error, StaleEdit) else error_text(error)
        return _detail_done(request, project, resource, error=text)
    return _detail_done(
        request,
        project,
        resource,
        status=f"{resource.name} is now at {assignment.units}% on “{assignment.task.name}”.",
    )


@login_required
def assignment_remove(
    request: HttpRequest, pk: int, resource_pk: int, assignment_pk: int
) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    resource = _resource(project, resource_pk)
    assignment = get_object_or_404(
        Assignment.objects.select_related("task"), resource=resource, pk=assignment_pk
    )
    if refused:
        return refused
    name = assignment.task.name
    services.assignment_remove(assignment=assignment, by=request.user)
    return _detail_done(
        request, project, resource, status=f"{resource.name} is no longer on “{name}”."
    )


# --- utilisation ----------------------------------------------------------------------------------


def heat(ratio: Any) -> str:
    """The heat band of a cell (the number is always printed too)."""
    if ratio is None:
        return "none"
    if ratio > 1:
        return "over"
    if ratio >= 0.85:
        return "full"
    if ratio >= 0.5:
        return "busy"
    if ratio > 0:
        return "light"
    return "idle"


def conflict_runs(conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conflicts (one per person and day, by person then day) as runs: the same person and
    the same tasks on days no more than a weekend apart, with the day count and peak load."""
    runs: list[dict[str, Any]] = []
    for c in conflicts:
        last = runs[-1] if runs else None
        if (
            last is not None
            and last["resource"].pk == c["resource"].pk
            and last["tasks"] == c["tasks"]
            and (c["date"] - last["last"]).days <= 3
        ):
            last["last"] = c["date"]
            last["days"] += 1
            last["peak"] = max(last["peak"], c["booked"])
            last["day_off"] = last["day_off"] or c["day_off"]
        else:
            runs.append(
                {
                    "resource": c["resource"],
                    "first": c["date"],
                    "last": c["date"],
                    "days": 1,
                    "peak": c["booked"],
                    "capacity": c["capacity"],
                    "day_off": c["day_off"],
                    "tasks": c["tasks"],
                }
            )
    return runs


@login_required
def utilisation(request: HttpRequest, pk: int) -> HttpResponse:
    """Each person's booked hours / capacity per week, over-allocated weeks opening to their
    days and tasks, and the list of conflicts."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    today = project.today()
    default_start = monday_of(today) - datetime.timedelta(weeks=2)
    form = UtilisationForm(
        request.GET if request.GET else None, initial={"start": default_start, "weeks": 12}
    )
    data = form.cleaned_data if form.is_valid() else {}
    start = monday_of(data.get("start") or default_start)
    weeks = data.get("weeks") or 12
    grid = selectors.utilisation_grid(project, start=start, weeks=weeks)
    elsewhere = {}
    if any(row["resource"].user_id for row in grid["rows"]):
        # Their hours on other projects, as a sum without names (the reader may not see them).
        others = portfolio.portfolio_utilisation(
            request.user,
            start=start,
            end=start + datetime.timedelta(weeks=weeks - 1),
            project=project,
        )
        elsewhere = {p.user_id: [c.elsewhere for c in p.cells] for p in others.people}
    for row in grid["rows"]:
        hours_elsewhere = elsewhere.get(row["resource"].user_id) or [0] * len(grid["weeks"])
        for week, cell, other in zip(grid["weeks"], row["cells"], hours_elsewhere, strict=True):
            cell["week"] = week
            cell["elsewhere"] = other
            ratio = cell["ratio"]
            cell["percent"] = None if ratio is None else int((ratio * 100).to_integral_value())
            cell["band"] = heat(ratio)
    step = datetime.timedelta(weeks=weeks)
    return render(
        request,
        "budgets/utilisation.html",
        {
            "project": project,
            "area": "utilisation",
            "form": form,
            "grid": grid,
            "start": start,
            "weeks": weeks,
            "this_week": monday_of(today),
            "earlier": (start - step).isoformat(),
            "later": (start + step).isoformat(),
            "conflicts": conflict_runs(selectors.conflicts_of(project)),
            **rights(project),
        },
    )
