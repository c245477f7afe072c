"""Risk pages, under /projects/<pk>/risks/: the register with filters, a risk with its actions
and "this risk occurred", the issue log, the heat map with the trend, and the Monte Carlo
forecast (queued to Celery; the page polls a progress partial every second while it runs).

Every page opens its project through ``projects.views.base.door``: a project the user is not a
member of answers 404 whatever they send (DESIGN §3); viewers read; writes need the member role.
Rules live in ``risks.services``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRefresh

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project, Role
from projects.money import money
from projects.views.base import READ, READ_WRITE, WRITE, can, door
from risks import charts, selectors, services
from risks.forms import (
    ActionForm,
    ForecastForm,
    IssueEditForm,
    IssueForm,
    OccurredForm,
    RiskFilterForm,
    RiskForm,
    RiskScaleForm,
)
from risks.models import LIVE_STATUSES, ForecastRun, Issue, Risk, RiskAction
from scheduling.models import Task

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


def _page(request: HttpRequest, template: str, project: Project, **context: Any) -> HttpResponse:
    return render(request, template, {"project": project, "can_edit": can(project), **context})


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


# --- issues ---------------------------------------------------------------------------------------


@login_required
def issues(request: HttpRequest, pk: int) -> HttpResponse:
    """The issue log; POST logs a new issue."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    form = None
    if request.method == "POST":
        form = IssueForm(request.POST, project=project, prefix="new")
        if form.is_valid():
            try:
                issue = services.issue_create(project=project, by=request.user, **form.values())
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"{issue.reference} logged.")
                return redirect("risks:issues", pk=project.pk)
    if form is None and can(project):
        form = IssueForm(project=project, prefix="new")
    status = request.GET.get("status", "")
    rows = list(
        selectors.issues_of(
            project,
            unresolved=True if status == "unresolved" else None,
            status=status if status in Issue.Status.values else None,
        )
    )
    return _page(
        request,
        "risks/issue_list.html",
        project,
        area="risk_issues",
        issues=rows,
        add_form=form,
        add_open=request.method == "POST",
        status=status,
        statuses=Issue.Status.choices,
    )


@login_required
def issue_edit(request: HttpRequest, pk: int, issue_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    issue = get_object_or_404(Issue.objects.select_related("risk"), project=project, pk=issue_pk)
    if request.method == "POST":
        form = IssueEditForm(request.POST, project=project)
        if form.is_valid():
            try:
                issue = services.issue_update(
                    issue=issue,
                    by=request.user,
                    version=form.cleaned_data.get("version"),
                    **form.values(),
                )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"{issue.reference} saved.")
                return redirect("risks:issues", pk=project.pk)
    else:
        names = ["title", "description", "priority", "owner", "due_date", "status", "resolution"]
        initial = {name: getattr(issue, name) for name in names}
        form = IssueEditForm(initial={**initial, "version": issue.version}, project=project)
    return _page(
        request, "risks/issue_form.html", project, area="risk_issues", form=form, issue=issue
    )


# --- scale ----------------------------------------------------------------------------------------


@login_required
def scale(request: HttpRequest, pk: int) -> HttpResponse:
    """What probability and impact 1–5 mean in the project: everyone reads it, the manager
    changes it (the percentages feed every risk's EMV, so a change recomputes them)."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER)
    if refused:
        return refused
    current = selectors.risk_scale_of(project)
    if request.method == "POST":
        form = RiskScaleForm(request.POST)
        if form.is_valid():
            try:
                services.risk_scale_update(
                    project=project,
                    by=request.user,
                    version=form.cleaned_data.get("version"),
                    **form.values(),
                )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.attach_scale_errors(error)
            else:
                messages.success(request, f"{project.key}'s risk scale saved; EMVs recomputed.")
                return redirect("risks:scale", pk=project.pk)
    else:
        form = RiskScaleForm(initial=RiskScaleForm.initial_for(current))
    meanings = current.meanings()
    return _page(
        request,
        "risks/scale_form.html",
        project,
        area="risk_scale",
        form=form,
        scale=current,
        can_manage=Role(project.my_role).covers(Role.MANAGER) and not project.is_closed,
        probability_rows=[
            (n, form[f"label_{n}"], form[f"percent_{n}"], meanings["probability"][n - 1])
            for n in range(1, 6)
        ],
        impact_rows=[
            (
                n,
                form[f"days_{n}"] if n > 1 else None,
                form[f"budget_{n}"] if n > 1 else None,
                meanings["impact"][n - 1],
            )
            for n in range(1, 6)
        ],
    )


# --- heat map -------------------------------------------------------------------------------------


@login_required
def heat_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The 5×5 heat maps, inherent and residual, each cell a link to its risks; the trend of
    live risks by level per week."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    scale = selectors.risk_scale_of(project)
    inherent = selectors.heat_map(project)
    residual = selectors.heat_map(project, residual=True)
    points = selectors.risk_trend(project)
    trend_chart, stacks = charts.trend(points)
    return _page(
        request,
        "risks/heat_map.html",
        project,
        area="risk_heat_map",
        maps=[
            ("inherent", "Inherent", inherent, charts.heat_cells(inherent)),
            ("residual", "Residual", residual, charts.heat_cells(residual)),
        ],
        meanings=scale.meanings(),
        trend=points,
        trend_chart=trend_chart,
        stacks=stacks,
        live_count=Risk.objects.for_project(project).filter(status__in=LIVE_STATUSES).count(),
        top=selectors.top_risks(project),
    )


# --- forecast -------------------------------------------------------------------------------------


def _forecast_context(project: Project, run: ForecastRun | None) -> dict[str, Any]:
    if run is None or not run.results:
        return {"run": run}
    results = run.results
    names = dict(Task.objects.filter(project=project).values_list("id", "name"))
    criticality = sorted(
        ((names.get(int(pk), pk), share * 100) for pk, share in results["criticality"].items()),
        key=lambda row: -row[1],
    )
    percentiles = [
        {
            "p": key,
            "date": results["finish"][key]["date"],
            "cost": money(Decimal(results["cost"][key]), project.currency),
        }
        for key in results["finish"]
    ]
    return {
        "run": run,
        "results": results,
        "percentiles": percentiles,
        "histogram": charts.histogram(results["finish_histogram"]),
        "curve": charts.s_curve(results["s_curve"]),
        "tornado": charts.tornado(results["drivers"]),
        "criticality": criticality,
        "base_cost": money(Decimal(results["base_cost"]), project.currency),
    }


@login_required
def forecast(request: HttpRequest, pk: int) -> HttpResponse:
    """Request a Monte Carlo run (queued to Celery) and see the latest results; a run still
    queued or running shows a progress bar that polls until it is done."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    form = None
    uncertainty = services.default_uncertainty_of(project)
    if request.method == "POST":
        form = ForecastForm(request.POST, uncertainty=uncertainty)
        if form.is_valid():
            try:
                run = services.forecast_request(
                    project=project, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, f"Forecast {run.number} queued.")
                return redirect("risks:forecast", pk=project.pk)
    coverage = selectors.estimate_coverage(project)
    if form is None and can(project):
        # Offered ticked when no task with work left has an estimate: a run without any
        # spread would look near certain.
        form = ForecastForm(
            uncertainty=uncertainty,
            initial={"default_uncertainty": bool(coverage["open"]) and not coverage["estimated"]},
        )
    pending = (
        selectors.forecast_runs_of(project)
        .filter(status__in=[ForecastRun.Status.QUEUED, ForecastRun.Status.RUNNING])
        .first()
    )
    failed = selectors.forecast_runs_of(project).first()
    return _page(
        request,
        "risks/forecast.html",
        project,
        area="risk_forecast",
        form=form,
        pending=pending,
        last_failed=failed if failed and failed.status == ForecastRun.Status.FAILED else None,
        coverage=coverage,
        uncertainty=uncertainty,
        **_forecast_context(project, selectors.latest_forecast(project)),
    )


@login_required
def forecast_progress(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    """The progress partial the forecast page polls every second; once the run is finished it
    tells htmx to reload the page, which then shows the results."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    run = get_object_or_404(ForecastRun.objects.defer("results"), project=project, pk=run_pk)
    if run.is_finished and request.htmx:
        return HttpResponseClientRefresh()
    return _page(
        request, "risks/forecast.html#forecast-progress", project, pending=run, area="forecast"
    )
