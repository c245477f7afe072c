"""The risk scale page (what each probability and impact level means, the level thresholds; the
manager edits it) and the heat map it draws, inherent and residual, with the exposure trend.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from projects.exceptions import StaleEdit
from projects.models import Role
from projects.views.base import READ, READ_WRITE, door
from risks import charts, selectors, services
from risks.forms import (
    RiskScaleForm,
)
from risks.models import LIVE_STATUSES, Risk
from risks.views.base import _page

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
