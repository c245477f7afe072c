"""Deliverable pages: the list, a deliverable with its acceptance criteria, and its lifecycle.

Accepting and rejecting are a manager's decisions; members start, submit and tick criteria.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from projects import services
from projects.exceptions import StaleEdit
from projects.forms import (
    DecisionForm,
    DeliverableForm,
    attach_errors,
)
from projects.models import (
    AcceptanceCriterion,
    Deliverable,
    Project,
    Role,
)
from projects.selectors import deliverables_of
from projects.views.base import READ, READ_WRITE, WRITE, door, error_text, rights
from projects.views.editing import form_page, form_write

# --- Deliverables --------------------------------------------------------------------------------

# Lifecycle steps only a manager may take: the decisions.
DELIVERABLE_DECISIONS = (Deliverable.Status.ACCEPTED, Deliverable.Status.REJECTED)


@login_required
def deliverables(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    rows = list(deliverables_of(project))
    for deliverable in rows:
        _count_criteria(deliverable)
    accepted = sum(d.status == Deliverable.Status.ACCEPTED for d in rows)
    return render(
        request,
        "projects/deliverable_list.html",
        {
            "project": project,
            "area": "deliverables",
            "deliverables": rows,
            "accepted": accepted,
            **rights(project),
        },
    )


@login_required
def deliverable_new(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    form = DeliverableForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        fields = form.creation()
        fields["criteria"] = form.criteria_lines()
        create = services.deliverable_create
        if deliverable := form_write(form, create, project=project, by=request.user, **fields):
            messages.success(request, f"Deliverable “{deliverable.name}” added.")
            return redirect("projects:deliverable", pk=project.pk, deliverable_pk=deliverable.pk)
    return form_page(request, "projects/deliverable_form.html", project, "deliverables", form)


@login_required
def deliverable_detail(request: HttpRequest, pk: int, deliverable_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    deliverable = _get_deliverable(project, deliverable_pk)
    return _render_deliverable(request, project, deliverable)


@login_required
def deliverable_edit(request: HttpRequest, pk: int, deliverable_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    deliverable = _get_deliverable(project, deliverable_pk)
    if deliverable.status == Deliverable.Status.ACCEPTED:
        messages.error(request, "An accepted deliverable cannot be changed.")
        return redirect("projects:deliverable", pk=project.pk, deliverable_pk=deliverable.pk)
    form = DeliverableForm(request.POST or None, instance=copy.copy(deliverable), project=project)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        criteria_changed = changes.pop("criteria", None) is not None
        try:
            # Fields and criteria are saved together or not at all.
            with transaction.atomic():
                if changes:
                    services.deliverable_update(
                        deliverable=deliverable,
                        by=request.user,
                        version=form.cleaned_data["version"],
                        **changes,
                    )
                if criteria_changed:
                    services.deliverable_set_criteria(
                        deliverable=deliverable,
                        by=request.user,
                        criteria=_criteria_items(deliverable, form.criteria_lines()),
                    )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error, aliases={"acceptance_criteria": "criteria"})
        else:
            messages.success(request, f"Deliverable “{form.cleaned_data['name']}” saved.")
            return redirect("projects:deliverable", pk=project.pk, deliverable_pk=deliverable.pk)
    template = "projects/deliverable_form.html"
    return form_page(request, template, project, "deliverables", form, deliverable=deliverable)


@login_required
def criterion_toggle(
    request: HttpRequest, pk: int, deliverable_pk: int, criterion_pk: int
) -> HttpResponse:
    """Tick or untick one acceptance criterion; htmx swaps the checklist."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    deliverable = _get_deliverable(project, deliverable_pk)
    criterion = get_object_or_404(
        AcceptanceCriterion.objects.select_related("deliverable"),
        deliverable=deliverable,
        pk=criterion_pk,
    )
    error = ""
    try:
        services.criterion_set_met(
            criterion=criterion, by=request.user, met=request.POST.get("met") == "true"
        )
    except ValidationError as exc:
        error = error_text(exc)
    if request.htmx:
        return render(
            request,
            "projects/deliverable_detail.html#criteria",
            {
                "project": project,
                "deliverable": deliverable,
                "criteria": _count_criteria(deliverable, fresh=True),
                "criteria_error": error,
                **rights(project),
            },
        )
    if error:
        messages.error(request, error)
    return redirect("projects:deliverable", pk=project.pk, deliverable_pk=deliverable.pk)


@login_required
def deliverable_transition(request: HttpRequest, pk: int, deliverable_pk: int) -> HttpResponse:
    """Start, submit, accept (manager), reject (manager) or reopen a deliverable."""
    form = DecisionForm(request.POST or None)
    to = request.POST.get("to", "")
    need = Role.MANAGER if to in DELIVERABLE_DECISIONS else Role.MEMBER
    project, refused = door(request, pk, WRITE, need)
    if refused:
        return refused
    deliverable = _get_deliverable(project, deliverable_pk)
    if form.is_valid():
        try:
            deliverable = services.deliverable_transition(
                deliverable=deliverable,
                by=request.user,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            attach_errors(form, error, aliases={"status": "to"})
        else:
            messages.success(
                request, f"“{deliverable.name}” is now {deliverable.get_status_display().lower()}."
            )
            return redirect("projects:deliverable", pk=project.pk, deliverable_pk=deliverable.pk)
    return _render_deliverable(request, project, deliverable, decision=form)


def _get_deliverable(project: Project, deliverable_pk: int) -> Deliverable:
    return get_object_or_404(
        Deliverable.objects.select_related("owner", "work_package", "decided_by"),
        project=project,
        pk=deliverable_pk,
    )


def _count_criteria(deliverable: Deliverable, *, fresh: bool = False) -> list:
    """Set ``criteria_met`` and ``criteria_total`` from the (prefetched) criteria."""
    criteria = list(
        AcceptanceCriterion.objects.filter(deliverable=deliverable)
        if fresh
        else deliverable.criteria.all()
    )
    deliverable.criteria_total = len(criteria)
    deliverable.criteria_met = sum(c.met for c in criteria)
    return criteria


def _criteria_items(deliverable: Deliverable, lines: list[str]) -> list[dict[str, Any]]:
    """The edited lines as ``deliverable_set_criteria`` items: unchanged texts keep id and tick."""
    unused = {c.pk: c for c in deliverable.criteria.all()}
    items = []
    for text in lines:
        match = next((c for c in unused.values() if c.text == text), None)
        if match is not None:
            del unused[match.pk]
            items.append({"id": match.pk, "text": text, "met": match.met})
        else:
            items.append({"text": text, "met": False})
    return items


def _render_deliverable(
    request: HttpRequest,
    project: Project,
    deliverable: Deliverable,
    *,
    decision: DecisionForm | None = None,
) -> HttpResponse:
    criteria = _count_criteria(deliverable, fresh=True)
    Status = Deliverable.Status
    actions = {
        Status.PLANNED: [("in_progress", "Start work", False)],
        Status.IN_PROGRESS: [("submitted", "Submit for acceptance", False)],
        Status.SUBMITTED: [("accepted", "Accept", True), ("in_progress", "Withdraw", False)],
        Status.REJECTED: [("in_progress", "Rework", False)],
        Status.ACCEPTED: [],
    }[deliverable.status]
    return render(
        request,
        "projects/deliverable_detail.html",
        {
            "project": project,
            "area": "deliverables",
            "deliverable": deliverable,
            "criteria": criteria,
            "requirements": deliverable.requirements.order_by("ref"),
            "actions": actions,
            "can_reject": deliverable.status == Status.SUBMITTED,
            "decision": decision,
            **rights(project),
        },
    )
