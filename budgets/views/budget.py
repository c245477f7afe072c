"""The budget page (lines, variance per category, the approved budget and its trail, the burn
chart), actual costs (list, add, edit, delete, CSV import, CSV and Excel export) and commitments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_htmx.http import retarget

from budgets import charts, selectors, services
from budgets.forms import (
    ActualsFilterForm,
    BudgetLineForm,
    CommitmentCloseForm,
    CommitmentForm,
    CostEntryForm,
    ImportForm,
    initial_of,
)
from budgets.models import BudgetLine, Commitment, CostEntry
from budgets.views.base import query_without
from projects.models import Project, Role
from projects.money import money
from projects.views.base import READ, READ_WRITE, WRITE, door, error_text, rights
from projects.views.editing import form_page, form_write, form_write_changes, write_done

PAGE_SIZE = 25
LINE_FIELDS = ["category", "name", "planned_amount", "work_package", "phase", "note"]
ENTRY_FIELDS = ["date", "kind", "amount", "category", "task", "vendor", "invoice_reference", "note"]


# --- the budget page ------------------------------------------------------------------------------


def burn(project: Project, approved: Decimal) -> dict[str, Any]:
    """The burn chart: cumulative actual cost and the planned spend (PV) per week, against the
    approved budget, from the same weekly series as the S-curve and the API."""
    today = project.today()
    points = selectors.evm_series(project, today)
    dates = [p.date for p in points]
    chart = charts.time_chart(
        dates,
        [
            ("planned", "Planned spend", [p.pv for p in points]),
            ("actual", "Actual cost", [p.ac for p in points]),
        ],
        currency=project.currency,
        levels=[("approved", "Approved budget", approved)] if approved else [],
        marker=today,
        marker_label=f"Today {today.day} {today:%b}",
    )
    known = [p for p in points if p.ac is not None]
    return {"chart": chart, "points": points, "latest": known[-1] if known else None}


def _budget_context(project: Project, **extra: Any) -> dict[str, Any]:
    summary = selectors.budget_summary(project)
    lines = list(selectors.budget_lines_of(project).order_by("category", "id"))
    context = {
        "project": project,
        "area": "budget",
        "tab": "budget",
        "summary": summary,
        "approved": summary["approved"],
        "lines": lines,
        "burn": burn(project, summary["approved"]["total"]),
        "editing": None,
        **rights(project),
        **extra,
    }
    if context["can_manage"] and "add_form" not in context:
        context["add_form"] = BudgetLineForm(project=project, prefix="new")
    return context


def _render_budget(request: HttpRequest, project: Project, **extra: Any) -> HttpResponse:
    template = "budgets/budget_detail.html"
    if request.htmx:
        template += "#budget-region"
    return render(request, template, _budget_context(project, **extra))


@login_required
def budget(request: HttpRequest, pk: int) -> HttpResponse:
    """The budget: variance per category, the approved budget and its trail, the burn chart and
    the budget lines; POST adds a line (the manager's)."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER)
    if refused:
        return refused
    if request.method != "POST":
        return _render_budget(request, project)
    form = BudgetLineForm(request.POST, project=project, prefix="new")
    if form.is_valid():
        create = services.budget_line_create
        if line := form_write(form, create, project=project, by=request.user, **form.values()):
            what = line.name or line.get_category_display()
            amount = money(line.planned_amount, project.currency)
            status = f"Budget line “{what}” added: {amount}."
            return write_done(request, project, status, _render_budget, "budgets:budget")
    return _render_budget(request, project, add_form=form)


@login_required
def line_edit(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Edit a budget line in its table row (htmx), or on the budget page without JavaScript."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER, form=True)
    line = get_object_or_404(BudgetLine, project=project, pk=line_pk)
    if refused:
        return refused
    form = BudgetLineForm(
        request.POST or None, project=project, initial=initial_of(line, LINE_FIELDS), prefix="edit"
    )
    if request.method == "POST" and form.is_valid():
        update = services.budget_line_update
        if saved := form_write_changes(form, update, unchanged=line, line=line, by=request.user):
            status = f"Budget line “{saved.name or saved.get_category_display()}” saved."
            if request.htmx:
                # The row asked; the totals above it changed too, so the whole region comes back.
                return retarget(_render_budget(request, project, status=status), "#budget-region")
            return write_done(request, project, status, _render_budget, "budgets:budget")
    if request.htmx:
        return render(
            request,
            "budgets/budget_detail.html#line-edit-row",
            {"project": project, "line": line, "edit_form": form, **rights(project)},
        )
    return _render_budget(request, project, editing=line.pk, edit_form=form)


@login_required
def line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    line = get_object_or_404(BudgetLine, project=project, pk=line_pk)
    if refused:
        return refused
    what = line.name or line.get_category_display()
    services.budget_line_delete(line=line, by=request.user)
    status = f"Budget line “{what}” deleted."
    return write_done(request, project, status, _render_budget, "budgets:budget")


@login_required
def reconciliation(request: HttpRequest, pk: int) -> HttpResponse:
    """Budget lines vs the approved budget vs the task costs, with the differences explained."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    context = {
        "project": project,
        "area": "budget",
        "tab": "reconciliation",
        **selectors.budget_reconciliation(project),
        **rights(project),
    }
    return render(request, "budgets/budget_reconciliation.html", context)


# --- actual costs ---------------------------------------------------------------------------------


def _actuals_context(request: HttpRequest, project: Project, **extra: Any) -> dict[str, Any]:
    """The cost entries, filtered, sorted and paged: four queries whatever their number."""
    params = request.GET
    filters_form = ActualsFilterForm(params)
    filters = filters_form.filters()
    entries = selectors.cost_entries_of(project).filter(**filters)
    page = Paginator(entries.order_by(*filters_form.ordering()), PAGE_SIZE).get_page(
        params.get("page")
    )
    context = {
        "project": project,
        "area": "budget",
        "tab": "actuals",
        "filters_form": filters_form,
        "is_filtered": bool(filters),
        "page": page,
        "entries": page.object_list,
        "total": entries.total(),
        "sort": filters_form.current_sort,
        "query": query_without(params, "page"),
        **rights(project),
        **extra,
    }
    if context["can_edit"] and "add_form" not in context:
        context["add_form"] = CostEntryForm(
            project=project, prefix="new", initial={"date": project.today()}
        )
    return context


def _render_actuals(request: HttpRequest, project: Project, **extra: Any) -> HttpResponse:
    template = "budgets/costentry_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#actuals-region"
    return render(request, template, _actuals_context(request, project, **extra))


@login_required
def actuals(request: HttpRequest, pk: int) -> HttpResponse:
    """Cost entries (filter by category and month, sort, pages); POST records one."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    if request.method != "POST":
        return _render_actuals(request, project)
    form = CostEntryForm(request.POST, project=project, prefix="new")
    if form.is_valid():
        create = services.cost_entry_create
        if entry := form_write(form, create, project=project, by=request.user, **form.values()):
            kind = "Credit" if entry.kind == CostEntry.Kind.CREDIT else "Cost"
            status = (
                f"{kind} of {money(entry.amount, project.currency)} on "
                f"{entry.date:%-d %b %Y} recorded ({entry.get_category_display()})."
            )
            return write_done(request, project, status, _render_actuals, "budgets:actuals")
    return _render_actuals(request, project, add_form=form)


@login_required
def cost_entry_edit(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    entry = get_object_or_404(CostEntry, project=project, pk=entry_pk)
    if refused:
        return refused
    form = CostEntryForm(
        request.POST or None, project=project, initial=initial_of(entry, ENTRY_FIELDS)
    )
    if request.method == "POST" and form.is_valid():
        update = services.cost_entry_update
        if form_write_changes(form, update, unchanged=entry, entry=entry, by=request.user):
            messages.success(request, "Cost entry saved." if form.changes() else "Nothing changed.")
            return redirect("budgets:actuals", pk=project.pk)
    template = "budgets/costentry_form.html"
    return form_page(request, template, project, "budget", form, tab="actuals", entry=entry)


@login_required
def cost_entry_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    entry = get_object_or_404(CostEntry, project=project, pk=entry_pk)
    if refused:
        return refused
    label = f"{entry.date:%-d %b %Y} {money(entry.signed_amount, project.currency)}"
    services.cost_entry_delete(entry=entry, by=request.user)
    status = f"Cost entry of {label} deleted."
    return write_done(request, project, status, _render_actuals, "budgets:actuals")


@login_required
def actuals_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a CSV of cost entries: every row is checked first, and one bad row imports
    nothing and lists every error by line and column."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.cost_entries_import(
            project=project, by=request.user, file=form.cleaned_data["file"]
        )
        if report.ok:
            count = len(report.created)
            messages.success(request, f"Imported {count} cost entr{'y' if count == 1 else 'ies'}.")
            return redirect("budgets:actuals", pk=project.pk)
    return render(
        request,
        "budgets/costentry_import.html",
        {
            "project": project,
            "area": "budget",
            "tab": "actuals",
            "form": form,
            "report": report,
            "columns": services.IMPORT_COLUMNS,
        },
    )


@login_required
def actuals_export(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    response = HttpResponse(
        selectors.cost_entries_csv(project), content_type="text/csv; charset=utf-8"
    )
    filename = f"{project.key}-cost-entries-{project.today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def actuals_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    response = HttpResponse(
        selectors.cost_entries_xlsx(project),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{project.key}-cost-entries-{project.today():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- commitments ----------------------------------------------------------------------------------


def _render_commitments(request: HttpRequest, project: Project, **extra: Any) -> HttpResponse:
    rows = list(selectors.commitments_of(project).order_by("status", "-date", "-id"))
    context = {
        "project": project,
        "area": "budget",
        "tab": "commitments",
        "commitments": rows,
        "open_total": sum(
            (c.amount for c in rows if c.status == Commitment.Status.OPEN), Decimal("0.00")
        ),
        **rights(project),
        **extra,
    }
    if context["can_edit"] and "add_form" not in context:
        context["add_form"] = CommitmentForm(prefix="new", initial={"date": project.today()})
    template = "budgets/commitment_list.html"
    if request.htmx:
        template += "#commitments-region"
    return render(request, template, context)


@login_required
def commitments(request: HttpRequest, pk: int) -> HttpResponse:
    """Money ordered but not yet invoiced; POST records a commitment."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    if request.method != "POST":
        return _render_commitments(request, project)
    form = CommitmentForm(request.POST, prefix="new")
    if form.is_valid():
        if commitment := form_write(
            form, services.commitment_create, project=project, by=request.user, **form.values()
        ):
            status = f"Commitment {commitment} recorded."
            return write_done(request, project, status, _render_commitments, "budgets:commitments")
    return _render_commitments(request, project, add_form=form)


@login_required
def commitment_close(request: HttpRequest, pk: int, commitment_pk: int) -> HttpResponse:
    """Close an open commitment as invoiced (its cost is now a cost entry) or cancelled."""
    project, refused = door(request, pk, WRITE)
    commitment = get_object_or_404(Commitment, project=project, pk=commitment_pk)
    if refused:
        return refused
    form = CommitmentCloseForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Close a commitment as invoiced or cancelled."
    else:
        try:
            commitment = services.commitment_close(
                commitment=commitment, by=request.user, to=form.cleaned_data["to"]
            )
        except ValidationError as refusal:
            error = error_text(refusal)
    status = "" if error else f"{commitment} is now {commitment.get_status_display().lower()}."
    if request.htmx:
        return _render_commitments(request, project, status=status, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, status)
    return redirect(reverse("budgets:commitments", args=[project.pk]))
