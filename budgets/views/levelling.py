"""The levelling preview: the moves that would clear over-allocation (task, from → to, why)
and the new project finish, before anything is saved; Apply (the manager's) takes the
"Before levelling" baseline and applies them (``budgets.services.levelling``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from budgets import services
from budgets.forms import LevellingForm
from budgets.services.levelling import LevellingPlan
from projects.models import Role
from projects.views.base import READ, WRITE, door, error_text, rights


def fingerprint(plan: LevellingPlan) -> str:
    """The moves a preview showed, so Apply can tell when the plan changed in between."""
    return ",".join(f"{m.task_id}:{m.to_start.isoformat()}" for m in plan.moves)


def _levelling_url(project_pk: int, allow_past_float: bool) -> str:
    url = reverse("budgets:levelling", args=[project_pk])
    return url + ("?allow_past_float=on" if allow_past_float else "")


@login_required
def levelling(request: HttpRequest, pk: int) -> HttpResponse:
    """What levelling would do now; nothing is saved."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    form = LevellingForm(request.GET)
    allow = form.is_valid() and form.cleaned_data["allow_past_float"]
    error = ""
    try:
        plan = services.levelling_preview(project=project, allow_past_float=allow)
    except ValidationError as refusal:
        plan, error = None, error_text(refusal)
    return render(
        request,
        "budgets/levelling.html",
        {
            "project": project,
            "area": "levelling",
            "form": form,
            "allow_past_float": allow,
            "plan": plan,
            "error": error,
            "fingerprint": fingerprint(plan) if plan else "",
            "levelled_count": sum(1 for m in plan.moves if m.levelled) if plan else 0,
            **rights(project),
        },
    )


@login_required
def levelling_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the previewed levelling (a manager's decision: it moves the plan)."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    form = LevellingForm(request.POST)
    allow = form.is_valid() and form.cleaned_data["allow_past_float"]
    back = _levelling_url(project.pk, allow)
    try:
        preview = services.levelling_preview(project=project, allow_past_float=allow)
        if fingerprint(preview) != request.POST.get("fingerprint", ""):
            messages.warning(
                request,
                "The plan changed since your preview (someone edited the schedule): here is "
                "the new preview. Nothing was applied.",
            )
            return redirect(back)
        result = services.levelling_apply(project=project, by=request.user, plan=preview)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(back)
    moved = sum(1 for m in result.moves if m.levelled)
    finish = result.finish_after
    messages.success(
        request,
        f"Levelled: {moved} task{'s' if moved != 1 else ''} delayed"
        + (f", project finish {finish:%-d %b %Y}" if finish else "")
        + f". The plan before levelling is kept as the baseline “{result.baseline.name}”: "
        "compare against it or undo the levelling from Baselines.",
    )
    return redirect(back)
