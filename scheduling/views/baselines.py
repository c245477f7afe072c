"""Baselines: the list, taking one, choosing the performance baseline, and the comparison of the
current plan against a baseline (variance in working days, and the finish slip in words)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from projects.forms import attach_errors
from projects.models import Project, Role
from projects.views.base import READ, READ_WRITE, WRITE, door
from scheduling import selectors, services
from scheduling.forms import BaselineForm
from scheduling.models import Baseline
from scheduling.views.schedule import PAGE_SIZE, can_manage


def _baselines(project: Project):
    return (
        Baseline.objects.filter(project=project)
        .select_related("created_by")
        .annotate(task_count=Count("tasks"))
        .order_by("-created_at", "-id")
    )


@login_required
def baseline_list(request: HttpRequest, pk: int) -> HttpResponse:
    """GET lists the baselines; POST (a manager) takes a new one from the current plan."""
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER)
    if refused:
        return refused
    form = BaselineForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                baseline = services.baseline_create(
                    project=project, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Baseline “{baseline.name}” taken"
                    + (
                        ", and it is now the performance baseline"
                        if baseline.is_performance
                        else ""
                    )
                    + ".",
                )
                return redirect("scheduling:baselines", pk=project.pk)
        status = 400
    return render(
        request,
        "scheduling/baseline_list.html",
        {
            "project": project,
            "area": "baselines",
            "baselines": _baselines(project),
            "form": form,
            "can_manage": can_manage(project),
        },
        status=status,
    )


@login_required
def baseline_performance(request: HttpRequest, pk: int, baseline_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    baseline = get_object_or_404(Baseline.objects.filter(project=project), pk=baseline_pk)
    services.baseline_set_performance(baseline=baseline, by=request.user)
    messages.success(request, f"“{baseline.name}” is now the performance baseline.")
    return redirect("scheduling:baselines", pk=project.pk)


def slip_sentence(slip: int | None, baseline: Baseline, finish, baseline_finish) -> str:
    """The project's finish against the baseline, in words a sponsor reads."""
    if slip is None or finish is None or baseline_finish is None:
        return f"The finish cannot be compared with “{baseline.name}”: one of them has no tasks."
    if slip == 0:
        return f"The project finishes on the same day as in “{baseline.name}”, {finish:%-d %b %Y}."
    days = f"{abs(slip)} working day{'s' if abs(slip) != 1 else ''}"
    return (
        f"The project finishes {days} {'later' if slip > 0 else 'earlier'} than in "
        f"“{baseline.name}”: {finish:%-d %b %Y} instead of {baseline_finish:%-d %b %Y}."
    )


@login_required
def baseline_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Per task, baseline and current start and finish, and their variance in working days.
    ``?baseline=<id>`` (default: the performance baseline, else the latest), ``?changed=1``
    for the tasks that moved, are new, or were removed."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    baselines = list(Baseline.objects.filter(project=project).order_by("-created_at", "-id"))
    wanted = request.GET.get("baseline", "")
    baseline = next((b for b in baselines if wanted.isdigit() and b.pk == int(wanted)), None)
    if baseline is None:
        baseline = next((b for b in baselines if b.is_performance), None) or (
            baselines[0] if baselines else None
        )
    context = {
        "project": project,
        "area": "baselines",
        "baselines": baselines,
        "baseline": baseline,
        "changed_only": request.GET.get("changed") == "1",
    }
    if baseline is not None:
        variance = selectors.baseline_variance(project, baseline)
        rows = variance["tasks"]
        moved = [r for r in rows if r["is_new"] or r["start_variance"] or r["finish_variance"]]
        shown = moved if context["changed_only"] else rows
        page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            variance=variance,
            page=page,
            moved_count=len(moved),
            task_count=len(rows),
            later_count=sum(1 for r in rows if (r["finish_variance"] or 0) > 0),
            earlier_count=sum(1 for r in rows if (r["finish_variance"] or 0) < 0),
            new_count=sum(1 for r in rows if r["is_new"]),
            slip=slip_sentence(
                variance["finish_slip"], baseline, variance["finish"], variance["baseline_finish"]
            ),
            query=query.urlencode(),
        )
    return render(request, "scheduling/baseline_compare.html", context)
