"""Change control: the change log with its approved impact, and each request's lifecycle.

Approving and rejecting are a manager's decisions and need a reason.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from projects import services
from projects.forms import (
    ChangeLogSortForm,
    ChangeRequestForm,
    DecisionForm,
    attach_errors,
)
from projects.models import (
    ChangeRequest,
    Project,
    Role,
)
from projects.selectors import change_log_totals
from projects.views.base import READ, READ_WRITE, WRITE, door, rights
from projects.views.editing import form_page, form_write

# --- Change requests -----------------------------------------------------------------------------

# Lifecycle steps only a manager may take: the decisions.
CHANGE_DECISIONS = (ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED)


@login_required
def changes(request: HttpRequest, pk: int) -> HttpResponse:
    """The change log with the approved impact on schedule and cost."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    form = ChangeLogSortForm(request.GET)
    rows = (
        ChangeRequest.objects.filter(project=project)
        .select_related("decided_by")
        .order_by(*form.ordering())
    )
    return render(
        request,
        "projects/changerequest_list.html",
        {
            "project": project,
            "area": "changes",
            "change_requests": list(rows),
            "sort": form.current_sort,
            "totals": change_log_totals(project),
            **rights(project),
        },
    )


@login_required
def change_new(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    form = ChangeRequestForm(request.POST or None, currency=project.currency)
    if request.method == "POST" and form.is_valid():
        fields = form.creation()
        if not fields["requested_by"].strip():
            del fields["requested_by"]  # the service records the author
        create = services.change_request_create
        if change := form_write(form, create, project=project, by=request.user, **fields):
            messages.success(request, f"{change.ref} saved as a draft. Submit it when ready.")
            return redirect("projects:change", pk=project.pk, change_pk=change.pk)
    return form_page(request, "projects/changerequest_form.html", project, "changes", form)


@login_required
def change_detail(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    change = _get_change(project, change_pk)
    return _render_change(request, project, change)


@login_required
def change_edit(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    change = _get_change(project, change_pk)
    if change.status != ChangeRequest.Status.DRAFT:
        messages.error(
            request,
            f"{change.ref} is {change.get_status_display().lower()}; only drafts can be edited.",
        )
        return redirect("projects:change", pk=project.pk, change_pk=change.pk)
    form = ChangeRequestForm(
        request.POST or None, instance=copy.copy(change), currency=project.currency
    )
    if request.method == "POST" and form.is_valid():
        update = services.change_request_update
        if saved := form_write(form, update, change_request=change, by=request.user, **form.edit()):
            messages.success(request, f"{saved.ref} saved.")
            return redirect("projects:change", pk=project.pk, change_pk=saved.pk)
    template = "projects/changerequest_form.html"
    return form_page(request, template, project, "changes", form, change=change)


@login_required
def change_transition(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    """Submit, approve (manager), reject (manager) or mark a change request implemented."""
    form = DecisionForm(request.POST or None)
    need = Role.MANAGER if request.POST.get("to") in CHANGE_DECISIONS else Role.MEMBER
    project, refused = door(request, pk, WRITE, need)
    if refused:
        return refused
    change = _get_change(project, change_pk)
    if form.is_valid():
        try:
            change = services.change_request_transition(
                change_request=change,
                by=request.user,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            attach_errors(form, error, aliases={"status": "to"})
        else:
            messages.success(request, f"{change.ref} is now {change.get_status_display().lower()}.")
            return redirect("projects:change", pk=project.pk, change_pk=change.pk)
    return _render_change(request, project, change, decision=form)


def _get_change(project: Project, change_pk: int) -> ChangeRequest:
    return get_object_or_404(
        ChangeRequest.objects.select_related("created_by", "decided_by"),
        project=project,
        pk=change_pk,
    )


def _render_change(
    request: HttpRequest,
    project: Project,
    change: ChangeRequest,
    *,
    decision: DecisionForm | None = None,
) -> HttpResponse:
    Status = ChangeRequest.Status
    return render(
        request,
        "projects/changerequest_detail.html",
        {
            "project": project,
            "area": "changes",
            "change": change,
            "decision": decision,
            "can_submit": change.status == Status.DRAFT,
            "can_decide": change.status == Status.SUBMITTED,
            "can_implement": change.status == Status.APPROVED,
            **rights(project),
        },
    )
