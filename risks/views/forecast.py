"""The Monte Carlo forecast page: the newest run's finish and cost percentiles, histogram,
S-curve and drivers; a request queues a run to Celery and the page polls a progress partial every
second while it runs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django_htmx.http import HttpResponseClientRefresh

from projects.forms import attach_errors
from projects.models import Project
from projects.money import money
from projects.views.base import READ, READ_WRITE, can, door
from risks import charts, selectors, services
from risks.forms import (
    ForecastForm,
)
from risks.models import ForecastRun
from risks.simulation import chance_percent
from risks.views.base import _page
from scheduling.models import Task

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
        "target_chance": None
        if run.p_target_finish is None
        else chance_percent(run.p_target_finish),
        "budget_chance": None if run.p_budget is None else chance_percent(run.p_budget),
        "budget": None if run.budget is None else money(run.budget, project.currency),
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
