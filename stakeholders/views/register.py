"""The register, the power/interest grid, the engagement assessment matrix and the
communication plan. Writes go through ``stakeholders.services``."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from projects.views.base import READ, READ_WRITE, WRITE, can, door, error_text
from projects.views.editing import form_page, form_write
from stakeholders import selectors, services
from stakeholders.charts import GridPerson, power_interest_chart
from stakeholders.forms import CommunicationItemForm, StakeholderFilterForm, StakeholderForm
from stakeholders.models import (
    QUADRANT_STRATEGY,
    CommunicationPlanItem,
    Engagement,
    Quadrant,
    Stakeholder,
)

# --- register -------------------------------------------------------------------------------------


@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """The stakeholder register, searchable and filtered by quadrant, kind and engagement gap."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    form = StakeholderFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {"ordering": "name"}
    stakeholders = list(selectors.stakeholders_of(project, **filters))
    quadrants = {q.value: q.label for q in Quadrant}
    for stakeholder in stakeholders:
        stakeholder.quadrant_label = quadrants[stakeholder.quadrant_code]
    template = "stakeholders/stakeholder_list.html"
    if request.htmx and request.htmx.target == "stakeholder-table":
        template += "#stakeholder-table"
    is_filtered = any(filters.get(k) for k in ("search", "quadrant", "kind", "engagement_gap"))
    return render(
        request,
        template,
        {
            "project": project,
            "area": "stakeholders",
            "form": form if form.is_bound else StakeholderFilterForm(),
            "stakeholders": stakeholders,
            "sort": filters.get("ordering", "name"),
            "is_filtered": is_filtered,
            "can_edit": can(project),
        },
    )


@login_required
def stakeholder_new(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    form = StakeholderForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        create = services.stakeholder_create
        if added := form_write(form, create, project=project, by=request.user, **form.creation()):
            messages.success(
                request, f"{added.name} added to the register ({added.quadrant.label.lower()})."
            )
            return redirect("stakeholders:register", pk=project.pk)
    template = "stakeholders/stakeholder_form.html"
    return form_page(request, template, project, "stakeholders", form, stakeholder=None)


@login_required
def stakeholder_edit(request: HttpRequest, pk: int, stakeholder_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    stakeholder = get_object_or_404(Stakeholder.objects.for_project(project), pk=stakeholder_pk)
    form = StakeholderForm(request.POST or None, instance=copy.copy(stakeholder), project=project)
    if request.method == "POST" and form.is_valid():
        if saved := form_write(
            form,
            services.stakeholder_update,
            stakeholder=stakeholder,
            by=request.user,
            **form.edit(),
        ):
            messages.success(request, f"{saved.name} saved.")
            return redirect("stakeholders:register", pk=project.pk)
    template = "stakeholders/stakeholder_form.html"
    return form_page(request, template, project, "stakeholders", form, stakeholder=stakeholder)


@login_required
def stakeholder_delete(request: HttpRequest, pk: int, stakeholder_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    stakeholder = get_object_or_404(Stakeholder.objects.for_project(project), pk=stakeholder_pk)
    try:
        services.stakeholder_delete(stakeholder=stakeholder, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(
            "stakeholders:stakeholder_edit", pk=project.pk, stakeholder_pk=stakeholder.pk
        )
    messages.success(request, f"{stakeholder.name} removed from the register.")
    return redirect("stakeholders:register", pk=project.pk)


# --- power / interest grid and engagement ---------------------------------------------------------


@login_required
def grid(request: HttpRequest, pk: int) -> HttpResponse:
    """The power/interest grid: a labelled dot per stakeholder, the quadrants' strategies, and
    the same placement as a table."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    stakeholders = list(selectors.stakeholders_of(project, ordering="quadrant"))
    people = [GridPerson(s.pk, s.name, s.power, s.interest, s.quadrant_code) for s in stakeholders]
    labels = {q.value: q.label for q in Quadrant}
    chart = power_interest_chart(people, labels)
    quadrants = [
        {
            "code": q.value,
            "label": q.label,
            "strategy": QUADRANT_STRATEGY[q],
            "people": [s for s in stakeholders if s.quadrant_code == q.value],
        }
        for q in Quadrant
    ]
    return render(
        request,
        "stakeholders/stakeholder_grid.html",
        {
            "project": project,
            "area": "stakeholder_grid",
            "chart": chart,
            "quadrants": quadrants,
            "stakeholders": stakeholders,
            "can_edit": can(project),
        },
    )


@login_required
def engagement(request: HttpRequest, pk: int) -> HttpResponse:
    """The engagement assessment matrix: current (C) and desired (D) engagement per stakeholder,
    with the gaps to close highlighted."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    stakeholders = list(selectors.stakeholders_of(project, ordering="quadrant"))
    levels = list(Engagement)
    rows = []
    for s in stakeholders:
        gap = s.engagement_gap
        rows.append(
            {
                "stakeholder": s,
                "gap": gap,
                "steps": abs(gap),
                "cells": [
                    {
                        "level": level,
                        "current": s.engagement_current == level,
                        "desired": s.engagement_desired == level,
                        # Between current and desired: the distance still to travel.
                        "between": min(
                            Engagement(s.engagement_current).rank,
                            Engagement(s.engagement_desired).rank,
                        )
                        < level.rank
                        < max(
                            Engagement(s.engagement_current).rank,
                            Engagement(s.engagement_desired).rank,
                        ),
                    }
                    for level in levels
                ],
            }
        )
    with_gap = [r for r in rows if r["gap"]]
    return render(
        request,
        "stakeholders/stakeholder_engagement.html",
        {
            "project": project,
            "area": "stakeholder_engagement",
            "levels": levels,
            "rows": rows,
            "gap_count": len(with_gap),
            "to_raise": sum(1 for r in rows if r["gap"] > 0),
            "to_lower": sum(1 for r in rows if r["gap"] < 0),
            "can_edit": can(project),
        },
    )


# --- communication plan ---------------------------------------------------------------------------


def _communication_page(request, project, add_form=None):
    template = "stakeholders/communication_list.html"
    if request.htmx:
        template += "#communication-region"
    return render(
        request,
        template,
        {
            "project": project,
            "area": "communication",
            "items": list(selectors.communication_plan_of(project)),
            "recipients": list(selectors.weekly_report_recipients(project)),
            "add_form": add_form or CommunicationItemForm(project=project, prefix="new"),
            "can_edit": can(project),
        },
    )


@login_required
def communication(request: HttpRequest, pk: int) -> HttpResponse:
    """The communication plan: who gets what, how often, by which channel; POST adds an item."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    if request.method != "POST":
        return _communication_page(request, project)
    form = CommunicationItemForm(request.POST, project=project, prefix="new")
    if form.is_valid():
        create = services.communication_item_create
        if item := form_write(form, create, project=project, by=request.user, **form.creation()):
            messages.success(request, f"“{item.title}” added to the communication plan.")
            if request.htmx:
                return _communication_page(request, project)
            return redirect("stakeholders:communication", pk=project.pk)
    return _communication_page(request, project, add_form=form)


@login_required
def communication_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    item = get_object_or_404(CommunicationPlanItem.objects.filter(project=project), pk=item_pk)
    form = CommunicationItemForm(
        request.POST or None,
        instance=copy.copy(item),
        project=project,
        initial={"audience": list(item.audience.all())},
    )
    if request.method == "POST" and form.is_valid():
        update = services.communication_item_update
        if saved := form_write(form, update, item=item, by=request.user, **form.edit()):
            messages.success(request, f"“{saved.title}” saved.")
            return redirect(reverse("stakeholders:communication", args=[project.pk]))
    template = "stakeholders/communication_form.html"
    return form_page(request, template, project, "communication", form, item=item)


@login_required
def communication_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    item = get_object_or_404(CommunicationPlanItem.objects.filter(project=project), pk=item_pk)
    services.communication_item_delete(item=item, by=request.user)
    messages.success(request, f"“{item.title}” removed from the communication plan.")
    return redirect("stakeholders:communication", pk=project.pk)
