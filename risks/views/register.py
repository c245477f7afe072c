"""The risk register pages: the register with its filters (status, level, kind, category, owner,
text, heat-map cell), a risk with its actions, adding, editing and deleting a risk, and "this risk
occurred", which opens its issue.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project
from projects.views.base import READ, READ_WRITE, WRITE, door
from risks import selectors, services
from risks.forms import (
    ActionForm,
    OccurredForm,
    RiskFilterForm,
    RiskForm,
)
from risks.models import Risk, RiskAction
from risks.views.base import _page

RISK_FORM_FIELDS = [
    "title",
    "kind",
    "category",
    "cause",
    "event",
    "effect",
    "probability",
    "impact",
    "owner",
    "trigger",
    "proximity",
    "status",
    "response_strategy",
    "response_plan",
    "contingency_plan",
    "residual_probability",
    "residual_impact",
    "cost_impact",
]

# --- register -------------------------------------------------------------------------------------


def _cell_ids(project: Project, cell: str) -> list[int] | None:
    """``inherent-4-5`` → the ids of the live risks in that heat-map cell."""
    try:
        kind, p, i = cell.split("-")
        p, i = int(p), int(i)
    except ValueError:
        return None
    if kind not in ("inherent", "residual") or not (1 <= p <= 5 and 1 <= i <= 5):
        return None
    grid = selectors.heat_map(project, residual=kind == "residual")
    return grid[5 - p][i - 1]["risk_ids"]


@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """The risk register, filtered by status, level, kind, category, owner, text or heat-map
    cell; with htmx only the table is sent back."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    filters = RiskFilterForm(request.GET or None, project=project)
    kwargs: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"] == "live":
            kwargs["live"] = True
        elif data["status"]:
            kwargs["status"] = data["status"]
        for name in ("level", "kind", "category"):
            if data[name]:
                kwargs[name] = data[name]
        if data["owner"]:
            kwargs["owner"] = data["owner"]
        kwargs["search"] = data["q"]
    cell = request.GET.get("cell", "")
    if cell:
        ids = _cell_ids(project, cell)
        kwargs["ids"] = ids if ids is not None else []
    risks = list(selectors.risks_of(project, **kwargs))
    template = "risks/risk_list.html"
    if request.htmx:
        template += "#risk-table"
    return _page(
        request,
        template,
        project,
        area="risk_register",
        risks=risks,
        filters=filters,
        cell=cell,
        exposure=selectors.risk_exposure(project),
    )


def _risk_form_page(
    request: HttpRequest, project: Project, form: RiskForm, risk: Risk | None
) -> HttpResponse:
    template = "risks/risk_form.html"
    if request.htmx and request.htmx.trigger_name == "kind":
        # The kind changed: send back the strategy select with the choices that fit it.
        template += "#strategy-field"
    return _page(request, template, project, area="risk_register", form=form, risk=risk)


@login_required
def risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    scale = selectors.risk_scale_of(project)
    if request.method == "POST":
        form = RiskForm(request.POST, project=project, scale=scale)
        if form.is_valid():
            try:
                values = form.values()
                risk = services.risk_create(project=project, by=request.user, **values)
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"{risk.reference} added to the register.")
                return redirect("risks:risk", pk=project.pk, risk_pk=risk.pk)
    else:
        form = RiskForm(request.GET or None, project=project, scale=scale)
        if request.GET:
            form.errors.clear()  # a kind switch without JavaScript is not a submission
    return _risk_form_page(request, project, form, None)


def _risk(project: Project, risk_pk: int) -> Risk:
    try:
        return selectors.risk_detail(project, risk_pk)
    except Risk.DoesNotExist:
        raise Http404("No such risk in this project.") from None


@login_required
def risk_edit(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    risk = _risk(project, risk_pk)
    scale = selectors.risk_scale_of(project)
    if request.method == "POST":
        form = RiskForm(request.POST, project=project, scale=scale)
        if form.is_valid():
            values = form.values()
            version = form.cleaned_data.get("version")
            try:
                risk = services.risk_update(risk=risk, by=request.user, version=version, **values)
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"{risk.reference} saved.")
                return redirect("risks:risk", pk=project.pk, risk_pk=risk.pk)
    else:
        initial = {name: getattr(risk, name) for name in RISK_FORM_FIELDS}
        initial["version"] = risk.version
        impacts = list(risk.task_impacts.all())
        initial["impact_tasks"] = [i.task for i in impacts]
        initial["impact_days"] = impacts[0].days if impacts else None
        if request.htmx and request.GET.get("kind"):
            initial["kind"] = request.GET["kind"]
        form = RiskForm(initial=initial, project=project, scale=scale)
    return _risk_form_page(request, project, form, risk)


@login_required
def risk_detail(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    risk = _risk(project, risk_pk)
    scale = selectors.risk_scale_of(project)
    return _page(
        request,
        "risks/risk_detail.html",
        project,
        area="risk_register",
        risk=risk,
        probability_meaning=scale.probability_meaning(risk.probability),
        impact_meaning=scale.impact_meaning(risk.impact),
        action_form=ActionForm(project=project, prefix="action"),
        occurred_form=OccurredForm(prefix="occurred"),
    )


@login_required
def risk_delete(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    risk = get_object_or_404(Risk, project=project, pk=risk_pk)
    services.risk_delete(risk=risk, by=request.user)
    messages.success(request, f"{risk.reference} deleted.")
    return redirect("risks:register", pk=project.pk)


@login_required
def risk_occurred(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    """This risk occurred: mark it and open its issue in one step, then show the issue log."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    risk = get_object_or_404(Risk, project=project, pk=risk_pk)
    form = OccurredForm(request.POST, prefix="occurred")
    due = form.cleaned_data["due_date"] if form.is_valid() else None
    issue = services.risk_occurred(risk=risk, by=request.user, due_date=due)
    messages.success(request, f"{risk.reference} occurred: {issue.reference} opened.")
    return redirect(f"{reverse('risks:issues', args=[project.pk])}#issue-{issue.pk}")


@login_required
def action_add(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    risk = get_object_or_404(Risk, project=project, pk=risk_pk)
    form = ActionForm(request.POST, project=project, prefix="action")
    if form.is_valid():
        try:
            services.risk_action_create(risk=risk, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Action added.")
    else:
        messages.error(request, "Give the action a title.")
    return redirect("risks:risk", pk=project.pk, risk_pk=risk.pk)


@login_required
def action_done(request: HttpRequest, pk: int, risk_pk: int, action_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    action = get_object_or_404(RiskAction, risk__project=project, risk_id=risk_pk, pk=action_pk)
    services.risk_action_set_done(action=action, by=request.user, done=not action.done)
    return redirect("risks:risk", pk=project.pk, risk_pk=risk_pk)
