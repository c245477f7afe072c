"""The levelling preview: the moves that would clear over-allocation (task, from → to, why)
and the new project finish, before anything is saved; Apply (the manager's) takes the
"Before levelling" baseline and applies them (``budgets.services.levelling``). The same across
the projects I manage (``budgets.services.portfolio_levelling``), with a baseline per project
touched, undone on that project's levelling page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from budgets import services
from budgets.forms import LevellingForm
from budgets.services import levelling as levelling_service
from budgets.services import levelling_jobs
from budgets.services import portfolio_levelling as portfolio_levelling_service
from budgets.services.levelling import LevellingPlan
from projects.models import Role
from projects.views.base import READ, WRITE, door, error_text, not_allowed, rights
from scheduling.models import Baseline


def fingerprint(plan: LevellingPlan) -> str:
    """The moves a preview showed, so Apply can tell when the plan changed in between."""
    return levelling_jobs.plan_fingerprint(plan)


def _levelling_url(project_pk: int, allow_past_float: bool) -> str:
    url = reverse("budgets:levelling", args=[project_pk])
    return url + ("?allow_past_float=on" if allow_past_float else "")


@login_required
def levelling(request: HttpRequest, pk: int) -> HttpResponse:
    """What levelling would do now; nothing is saved. With ``?job=<token>``: the levelling
    Apply queued, polled while the worker applies it."""
    if "job" in request.GET:
        return _levelling_job(request, pk, request.GET["job"])
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
            "undoable": levelling_service.levelling_undoable(project),
            **rights(project),
        },
    )


@login_required
def levelling_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a levelling of this project through the baseline it took (the manager's)."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    back = reverse("budgets:levelling", args=[project.pk])
    raw = request.POST.get("baseline", "")
    baseline = (
        Baseline.objects.filter(project=project, pk=int(raw)).first() if raw.isdigit() else None
    )
    if baseline is None:
        messages.error(request, "Choose a levelling of this project to undo.")
        return redirect(back)
    try:
        restored = services.levelling_undo(project=project, by=request.user, baseline=baseline)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(back)
    messages.success(
        request,
        f"Levelling undone: {restored} task{'s' if restored != 1 else ''} got back the "
        f"dates they had before “{baseline.name}”.",
    )
    return redirect(back)


@login_required
def levelling_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the previewed levelling (a manager's decision: it moves the plan). The worker
    applies it (DESIGN §6); this redirects to the levelling page's ``?job=<token>``, which
    polls until it is done and then says what it did or why it refused."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    form = LevellingForm(request.POST)
    allow = form.is_valid() and form.cleaned_data["allow_past_float"]
    token = levelling_jobs.levelling_job_start(
        project,
        request.user,
        allow_past_float=allow,
        fingerprint=request.POST.get("fingerprint", ""),
    )
    url = reverse("budgets:levelling", args=[project.pk])
    return redirect(f"{url}?{urlencode({'job': token})}")


def _levelling_job(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The levelling a worker applies: "Levelling…" (polled) while pending, then its outcome."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    job = levelling_jobs.levelling_job(project, request.user, token)
    if job is None:
        raise Http404("No such levelling: it has expired, or it is not yours.")
    template = "budgets/levelling_job.html"
    if request.htmx:
        template += "#outcome"
    return render(
        request,
        template,
        {
            "project": project,
            "area": "levelling",
            "job": job,
            "back": _levelling_url(project.pk, job["allow_past_float"]),
            **rights(project),
        },
    )


# --- across the projects I manage -----------------------------------------------------------------


def _chosen(values: list[str]) -> list[int] | None:
    """The project ids asked for (``?project=1&project=2``); None for every project I manage.
    An id that is not a number names no project: 404, as the project door answers."""
    try:
        return [int(value) for value in values] or None
    except ValueError:
        raise Http404("No such project.") from None


def _portfolio_url(project_ids: list[int] | None, allow_past_float: bool) -> str:
    query = [("project", pk) for pk in project_ids or []]
    if allow_past_float:
        query.append(("allow_past_float", "on"))
    url = reverse("budgets:portfolio_levelling")
    return f"{url}?{urlencode(query)}" if query else url


@login_required
def portfolio_levelling(request: HttpRequest) -> HttpResponse:
    """The projects I manage levelled together (project priority first); nothing is saved.
    A project I am not a member of is 404, one I do not manage 403."""
    if refused := not_allowed(request, READ):
        return refused
    if "job" in request.GET:
        return _portfolio_job(request, request.GET["job"])
    form = LevellingForm(request.GET)
    allow = form.is_valid() and form.cleaned_data["allow_past_float"]
    chosen = _chosen(request.GET.getlist("project"))
    managed = portfolio_levelling_service.managed_projects(request.user)
    selected = portfolio_levelling_service.managed_projects(request.user, chosen)
    error = ""
    plan = None
    if selected:
        try:
            plan = portfolio_levelling_service.portfolio_levelling_preview(
                user=request.user, project_ids=[p.pk for p in selected], allow_past_float=allow
            )
        except ValidationError as refusal:
            error = error_text(refusal)
    return render(
        request,
        "budgets/portfolio_levelling.html",
        {
            "managed": managed,
            "selected": {p.pk for p in selected},
            "chosen": chosen,
            "allow_past_float": allow,
            "plan": plan,
            "error": error,
        },
    )


@login_required
def portfolio_levelling_apply(request: HttpRequest) -> HttpResponse:
    """Apply the previewed plan, project by project, each after its own baseline: the worker
    does (DESIGN §6); this redirects to the portfolio page's ``?job=<token>``, which polls."""
    if refused := not_allowed(request, WRITE):
        return refused
    form = LevellingForm(request.POST)
    allow = form.is_valid() and form.cleaned_data["allow_past_float"]
    chosen = _chosen(request.POST.getlist("project"))
    # Refuse at once what the worker would refuse for certain: a project that is not mine
    # (404) or that I do not manage (403).
    portfolio_levelling_service.managed_projects(request.user, chosen)
    token = levelling_jobs.portfolio_job_start(
        request.user,
        project_ids=chosen,
        allow_past_float=allow,
        fingerprint=request.POST.get("fingerprint", ""),
    )
    return redirect(f"{reverse('budgets:portfolio_levelling')}?{urlencode({'job': token})}")


def _portfolio_job(request: HttpRequest, token: str) -> HttpResponse:
    """The levelling across projects a worker applies: polled while pending, then its outcome."""
    job = levelling_jobs.portfolio_job(request.user, token)
    if job is None:
        raise Http404("No such levelling: it has expired, or it is not yours.")
    template = "budgets/portfolio_levelling_job.html"
    if request.htmx:
        template += "#outcome"
    return render(
        request,
        template,
        {"job": job, "back": _portfolio_url(job["project_ids"], job["allow_past_float"])},
    )
