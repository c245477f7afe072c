"""The RACI matrix page: rows are work packages (in WBS order) and deliverables, columns the
stakeholders and team members. A row is edited in place (htmx swaps the row for a row of selects)
and saved whole, so the one-A, at-least-one-R rule is checked once for the row; a refusal names
the row and stays on it. Without JavaScript, "Edit" opens the same row on the matrix page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from projects.models import Deliverable, Project, WorkPackage
from projects.views.base import READ, READ_WRITE, can, door, error_text
from stakeholders import selectors, services
from stakeholders.exports import raci_csv
from stakeholders.forms import RaciRowForm

ROW_MODELS = {"work_package": WorkPackage, "deliverable": Deliverable}


def _matrix(project: Project) -> dict[str, Any]:
    matrix = selectors.raci_matrix(project)
    columns = matrix["columns"]
    for row in matrix["rows"]:
        row["key"] = f"{row['kind']}-{row['row'].pk}"
        row["pairs"] = list(zip(columns, row["cells"], strict=True))
    matrix["stakeholder_count"] = sum(1 for c in columns if c["is_stakeholder"])
    matrix["member_count"] = len(columns) - matrix["stakeholder_count"]
    matrix["problem_count"] = sum(1 for r in matrix["rows"] if r["problem"])
    matrix["assigned_count"] = sum(1 for r in matrix["rows"] if any(r["cells"]))
    return matrix


def _row_of(matrix: dict[str, Any], key: str) -> dict[str, Any]:
    row = next((r for r in matrix["rows"] if r["key"] == key), None)
    if row is None:
        raise Http404("No such RACI row in this project.")
    return row


def _row_form(matrix: dict[str, Any], row: dict[str, Any], data=None) -> RaciRowForm:
    initial = {
        f"{column['key'][0]}-{column['key'][1]}": role for column, role in row["pairs"] if role
    }
    return RaciRowForm(
        data, columns=matrix["columns"], row_label=row["label"], initial=initial, prefix=row["key"]
    )


def _render(
    request: HttpRequest,
    project: Project,
    matrix: dict[str, Any],
    *,
    editing: str = "",
    row_form: RaciRowForm | None = None,
    row_error: str = "",
    saved: str = "",
    only_row: str = "",
) -> HttpResponse:
    """The matrix page; with htmx and ``only_row``, just that row (as selects when editing)."""
    context = {
        "project": project,
        "area": "raci",
        "matrix": matrix,
        "columns": matrix["columns"],
        "editing": editing,
        "row_form": row_form,
        "cells": list(zip(matrix["columns"], row_form, strict=True)) if row_form else [],
        "row_error": row_error,
        "saved": saved,
        "can_edit": can(project),
    }
    if request.htmx and only_row:
        context["r"] = _row_of(matrix, only_row)
        return render(request, "stakeholders/raci_matrix.html#raci-row", context)
    return render(request, "stakeholders/raci_matrix.html", context)


@login_required
def raci(request: HttpRequest, pk: int) -> HttpResponse:
    """The RACI matrix."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    return _render(request, project, _matrix(project))


@login_required
def raci_row(request: HttpRequest, pk: int, row: str) -> HttpResponse:
    """GET: the row as selects (in place with htmx; on the matrix page without). POST: save the
    whole row through ``raci_set_row``; a refusal names the row and keeps what was chosen."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    kind, _, row_pk = row.rpartition("-")
    model = ROW_MODELS.get(kind)
    if model is None or not row_pk.isdigit():
        raise Http404("No such RACI row.")
    obj = model.objects.filter(project=project, pk=int(row_pk)).first()
    if obj is None:
        raise Http404("No such RACI row in this project.")
    matrix = _matrix(project)
    current = _row_of(matrix, row)
    if request.method != "POST":
        if request.GET.get("cancel"):
            return _render(request, project, matrix, only_row=row)
        form = _row_form(matrix, current)
        return _render(request, project, matrix, editing=row, row_form=form, only_row=row)
    form = _row_form(matrix, current, request.POST)
    error = "Choose R, A, C, I or — for each person."
    if form.is_valid():
        try:
            services.raci_set_row(
                project=project, by=request.user, row=obj, cells=form.cells(), replace=True
            )
        except ValidationError as refusal:
            error = error_text(refusal)
        else:
            label = current["label"]
            if request.htmx:
                return _render(request, project, _matrix(project), saved=row, only_row=row)
            messages.success(request, f"RACI for “{label}” saved.")
            return redirect(f"{reverse('stakeholders:raci', args=[project.pk])}#row-{row}")
    return _render(
        request, project, matrix, editing=row, row_form=form, row_error=error, only_row=row
    )


@login_required
def raci_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The matrix as a CSV file (formula-looking text is quoted for spreadsheets)."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    response = HttpResponse(raci_csv(project), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{project.key}-raci.csv"'
    return response
