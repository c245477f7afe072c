"""Agile and stage pages: the product backlog, sprints, the sprint board, burndown and velocity;
phases (stages) with their tolerances and gate reviews.

Every page opens its project through ``projects.views.base.door``: a project the user is not a
member of answers 404 whatever they send; a viewer may read, a member may change the backlog and
sprints, and only a manager sets stage plans and records gate decisions. Writes go through
``scheduling.services``; reads through ``scheduling.selectors``.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project, Role
from projects.views.base import READ, READ_WRITE, WRITE, can, door, error_text
from scheduling import selectors, services
from scheduling.agile_charts import burndown_chart, velocity_chart
from scheduling.forms import (
    BacklogItemForm,
    BoardMoveForm,
    GateReviewForm,
    MoveForm,
    PhaseForm,
    SprintAssignForm,
    SprintCloseForm,
    SprintForm,
    open_sprints,
)
from scheduling.models import BacklogItem, GateReview, Phase, Sprint

# --- Backlog -------------------------------------------------------------------------------------


def _backlog_context(project: Project, **extra: Any) -> dict[str, Any]:
    items = list(
        BacklogItem.objects.filter(project=project)
        .select_related("sprint")
        .order_by("position", "id")
    )
    sprints = list(open_sprints(project).order_by("start_date", "id"))
    forecast = selectors.agile_forecast(project)
    return {
        "project": project,
        "area": "backlog",
        "items": items,
        "sprints": sprints,
        "total_points": sum(item.story_points or 0 for item in items),
        "unestimated": sum(1 for item in items if item.story_points is None),
        "forecast": forecast,
        "last_velocities": forecast["velocities"][-3:],
        "can_edit": can(project, Role.MEMBER),
        "editing": None,
        **extra,
    }


def _render_backlog(request: HttpRequest, project: Project, **extra: Any) -> HttpResponse:
    template = "scheduling/agile/backlog_list.html"
    if request.htmx:
        template += "#backlog-region"
    context = _backlog_context(project, **extra)
    if "add_form" not in context:
        context["add_form"] = BacklogItemForm(project=project)
    return render(request, template, context)


def _after_backlog_write(
    request: HttpRequest, project: Project, item: BacklogItem, *, done: str = "", notice: str = ""
) -> HttpResponse:
    """htmx: the backlog region again, with any notice in it; otherwise back to the page."""
    if request.htmx:
        return _render_backlog(request, project, notice=notice)
    if notice:
        messages.warning(request, notice)
    elif done:
        messages.success(request, done)
    url = reverse("scheduling:backlog", args=[project.pk])
    return redirect(f"{url}#item-{item.pk}")


@login_required
def backlog(request: HttpRequest, pk: int) -> HttpResponse:
    """The ordered product backlog; POST adds an item at the bottom."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    if request.method != "POST":
        return _render_backlog(request, project)
    form = BacklogItemForm(request.POST, project=project)
    if form.is_valid():
        fields = {
            k: v for k, v in form.cleaned_data.items() if k != "version" and v not in ("", None)
        }
        try:
            item = services.backlog_item_create(
                project=project, by=request.user, today=project.today(), **fields
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            return _after_backlog_write(
                request, project, item, done=f"“{item.title}” added to the backlog."
            )
    return _render_backlog(request, project, add_form=form)


@login_required
def backlog_item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Edit one item: in place in the backlog with htmx, or on a page of its own without."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    item = get_object_or_404(BacklogItem.objects.filter(project=project), pk=item_pk)
    form = BacklogItemForm(
        request.POST or None,
        instance=copy.copy(item),  # a refused edit must not show in the rest of the page
        project=project,
        initial={"version": item.version},
        prefix="edit",
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.backlog_item_update(
                item=item,
                by=request.user,
                version=form.cleaned_data["version"],
                today=project.today(),
                **form.changes(),
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            return _after_backlog_write(request, project, item, done=f"“{item.title}” saved.")
    if request.htmx:
        return _render_backlog(request, project, editing=item.pk, edit_form=form)
    return render(
        request,
        "scheduling/agile/backlog_item_form.html",
        {"project": project, "area": "backlog", "form": form, "item": item},
    )


@login_required
def backlog_item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Move an item one place up or down (the reorder that needs no JavaScript)."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    item = get_object_or_404(BacklogItem.objects.filter(project=project), pk=item_pk)
    form = MoveForm(request.POST)
    notice = "Move an item up or down."
    if form.is_valid():
        try:
            services.backlog_item_move(
                item=item, by=request.user, direction=form.cleaned_data["direction"]
            )
        except ValidationError as error:
            notice = error_text(error)
        else:
            notice = ""
    return _after_backlog_write(request, project, item, notice=notice)


@login_required
def backlog_item_assign(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Put an item in a planned or active sprint, or back in the product backlog."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    item = get_object_or_404(BacklogItem.objects.filter(project=project), pk=item_pk)
    form = SprintAssignForm(request.POST, project=project)
    if not form.is_valid():
        notice = "Pick a planned or active sprint, or the product backlog."
        return _after_backlog_write(request, project, item, notice=notice)
    sprint = form.cleaned_data["sprint"]
    try:
        services.backlog_item_update(item=item, by=request.user, version=None, sprint=sprint)
    except ValidationError as error:
        return _after_backlog_write(request, project, item, notice=error_text(error))
    where = sprint.name if sprint else "the product backlog"
    return _after_backlog_write(request, project, item, done=f"“{item.title}” moved to {where}.")


# --- Sprints -------------------------------------------------------------------------------------


@login_required
def sprint_list(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    points = selectors.sprint_points(project)
    sprints = list(Sprint.objects.filter(project=project).order_by("start_date", "id"))
    for sprint in sprints:
        sprint.committed = points.get(sprint.pk, {}).get("committed", 0)
        sprint.done = points.get(sprint.pk, {}).get("done", 0)
        sprint.item_count = points.get(sprint.pk, {}).get("items", 0)
    active = next((s for s in sprints if s.status == Sprint.Status.ACTIVE), None)
    return render(
        request,
        "scheduling/agile/sprint_list.html",
        {
            "project": project,
            "area": "sprints",
            "sprints": sprints,
            "active": active,
            "today": project.today(),
            "can_edit": can(project, Role.MEMBER),
        },
    )


@login_required
def sprint_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    initial = _next_sprint_dates(project)
    form = SprintForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            sprint = services.sprint_create(project=project, by=request.user, **fields)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                f"{sprint.name} planned. Put backlog items in it, then start it.",
            )
            return redirect("scheduling:sprints", pk=project.pk)
    return render(
        request,
        "scheduling/agile/sprint_form.html",
        {"project": project, "area": "sprints", "form": form},
    )


def _next_sprint_dates(project: Project) -> dict[str, Any]:
    """Suggest the next two-week sprint: the Monday after the last sprint, or from today."""
    last = Sprint.objects.filter(project=project).order_by("-finish_date").first()
    start = project.today()
    if last:
        start = max(start, last.finish_date + datetime.timedelta(days=1))
    start += datetime.timedelta(days=(7 - start.weekday()) % 7)
    return {
        "start_date": start,
        "finish_date": start + datetime.timedelta(days=11),
        "capacity": last.capacity if last else None,
    }


@login_required
def sprint_edit(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    sprint = get_object_or_404(Sprint.objects.filter(project=project), pk=sprint_pk)
    form = SprintForm(request.POST or None, instance=sprint, initial={"version": sprint.version})
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("scheduling:sprints", pk=project.pk)
        try:
            sprint = services.sprint_update(
                sprint=sprint, by=request.user, version=form.cleaned_data["version"], **changes
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"{sprint.name} saved.")
            return redirect("scheduling:sprints", pk=project.pk)
    return render(
        request,
        "scheduling/agile/sprint_form.html",
        {"project": project, "area": "sprints", "form": form, "sprint": sprint},
    )


@login_required
def sprint_start(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    sprint = get_object_or_404(Sprint.objects.filter(project=project), pk=sprint_pk)
    try:
        sprint = services.sprint_start(sprint=sprint, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("scheduling:sprints", pk=project.pk)
    messages.success(request, f"{sprint.name} started.")
    return redirect("scheduling:sprint_board", pk=project.pk, sprint_pk=sprint.pk)


@login_required
def sprint_close(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    """Close the active sprint: a page that says what is unfinished and where it should go."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    sprint = get_object_or_404(Sprint.objects.filter(project=project), pk=sprint_pk)
    form = SprintCloseForm(request.POST or None, sprint=sprint)
    if request.method == "POST" and form.is_valid():
        carry = form.cleaned_data["carry_over_to"]
        try:
            sprint = services.sprint_close(sprint=sprint, by=request.user, carry_over_to=carry)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            where = carry.name if carry else "the product backlog"
            messages.success(request, f"{sprint.name} closed; unfinished items went to {where}.")
            return redirect("scheduling:sprints", pk=project.pk)
    unfinished = list(sprint.items.exclude(status=BacklogItem.Status.DONE).order_by("position"))
    return render(
        request,
        "scheduling/agile/sprint_close.html",
        {
            "project": project,
            "area": "sprints",
            "sprint": sprint,
            "form": form,
            "unfinished": unfinished,
            "unfinished_points": sum(i.story_points or 0 for i in unfinished),
        },
    )


# --- Board ---------------------------------------------------------------------------------------

BOARD_COLUMNS = [
    (BacklogItem.Status.TODO, "To do"),
    (BacklogItem.Status.IN_PROGRESS, "In progress"),
    (BacklogItem.Status.DONE, "Done"),
]


def _board_context(project: Project, sprint: Sprint | None) -> dict[str, Any]:
    items = list(sprint.items.order_by("position", "id")) if sprint else []
    columns = []
    for index, (status, label) in enumerate(BOARD_COLUMNS):
        cards = [item for item in items if item.status == status]
        columns.append(
            {
                "status": status,
                "label": label,
                "items": cards,
                "points": sum(i.story_points or 0 for i in cards),
                "moves": [
                    {"status": other, "label": name, "way": "back" if j < index else "on"}
                    for j, (other, name) in enumerate(BOARD_COLUMNS)
                    if j != index
                ],
            }
        )
    committed = sum(i.story_points or 0 for i in items)
    done = columns[2]["points"]
    today = project.today()
    return {
        "project": project,
        "area": "board",
        "sprint": sprint,
        "columns": columns,
        "committed": committed,
        "done_points": done,
        "remaining": committed - done,
        "today": today,
        "days_left": _working_days_left(project, sprint, today) if sprint else None,
        "can_edit": can(project, Role.MEMBER) and sprint and sprint.status != "closed",
    }


def _working_days_left(project: Project, sprint: Sprint, today: datetime.date) -> int:
    """Working days from today (included) to the sprint's finish (included)."""
    if today > sprint.finish_date:
        return 0
    calendar = services.work_calendar(project)
    first = calendar.date_to_index(max(today, sprint.start_date))
    return max(0, calendar.last_index_on_or_before(sprint.finish_date) - first + 1)


def _render_board(request: HttpRequest, project: Project, sprint: Sprint | None) -> HttpResponse:
    template = "scheduling/agile/sprint_board.html"
    if request.htmx:
        template += "#board"
    return render(request, template, _board_context(project, sprint))


@login_required
def current_board(request: HttpRequest, pk: int) -> HttpResponse:
    """The board of the active sprint (the side navigation's "Board")."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    sprint = Sprint.objects.filter(project=project, status=Sprint.Status.ACTIVE).first()
    if sprint:
        return redirect("scheduling:sprint_board", pk=project.pk, sprint_pk=sprint.pk)
    return _render_board(request, project, None)


@login_required
def sprint_board(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    sprint = get_object_or_404(Sprint.objects.filter(project=project), pk=sprint_pk)
    return _render_board(request, project, sprint)


@login_required
def board_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Move a card to another column of the board (its status)."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    item = get_object_or_404(
        BacklogItem.objects.filter(project=project).select_related("sprint"), pk=item_pk
    )
    form = BoardMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Move a card to To do, In progress or Done.")
    else:
        try:
            services.backlog_item_update(
                item=item,
                by=request.user,
                version=None,
                today=project.today(),
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
    if item.sprint is None:
        return redirect("scheduling:backlog", pk=project.pk)
    if request.htmx:
        return _render_board(request, project, item.sprint)
    return redirect("scheduling:sprint_board", pk=project.pk, sprint_pk=item.sprint_id)


# --- Burndown and velocity -----------------------------------------------------------------------


@login_required
def sprint_burndown(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    sprint = get_object_or_404(Sprint.objects.filter(project=project), pk=sprint_pk)
    sprint.project = project  # the one read through the door; spares a query
    today = project.today()
    days = selectors.sprint_burndown(sprint, today)
    committed = selectors.sprint_points(project).get(sprint.pk, {}).get("committed", 0)
    latest = next((d for d in reversed(days) if d.remaining is not None), None)
    others = Sprint.objects.filter(project=project).exclude(status=Sprint.Status.PLANNED)
    return render(
        request,
        "scheduling/agile/sprint_burndown.html",
        {
            "project": project,
            "area": "sprints",
            "sprint": sprint,
            "days": days,
            "chart": burndown_chart(days, today) if days else None,
            "committed": committed,
            "latest": latest,
            "behind": latest is not None and latest.remaining > latest.ideal,
            "today": today,
            "other_sprints": others.order_by("start_date", "id"),
        },
    )


@login_required
def velocity(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    forecast = selectors.agile_forecast(project)
    points = selectors.sprint_points(project)
    rows = [
        {
            "sprint": row["sprint"],
            "done": row["done"],
            "committed": points.get(row["sprint"].pk, {}).get("committed", 0),
        }
        for row in selectors.velocity(project)
    ]
    mean = forecast["mean_velocity"]
    return render(
        request,
        "scheduling/agile/velocity.html",
        {
            "project": project,
            "area": "velocity",
            "rows": rows,
            "in_mean": {row["sprint"].pk for row in rows[-3:]},
            "forecast": forecast,
            "mean": mean,
            "chart": velocity_chart(
                [(r["sprint"].name, r["done"], r["committed"]) for r in rows], mean
            )
            if rows
            else None,
        },
    )


# --- Phases and gates ----------------------------------------------------------------------------


@login_required
def phase_list(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    rows = selectors.phase_status(project)
    return render(
        request,
        "scheduling/agile/phase_list.html",
        {
            "project": project,
            "area": "phases",
            "rows": rows,
            "exceptions": sum(1 for r in rows if r["time_exception"] or r["cost_exception"]),
            "can_manage": can(project, Role.MANAGER),
        },
    )


@login_required
def phase_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, need=Role.MANAGER, form=True)
    if refused:
        return refused
    form = PhaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        if fields.get("position") is None:
            fields.pop("position", None)
        try:
            phase = services.phase_create(project=project, by=request.user, **fields)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Phase “{phase.name}” added.")
            return redirect("scheduling:phases", pk=project.pk)
    return render(
        request,
        "scheduling/agile/phase_form.html",
        {"project": project, "area": "phases", "form": form},
    )


@login_required
def phase_edit(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, need=Role.MANAGER, form=True)
    if refused:
        return refused
    phase = get_object_or_404(Phase.objects.filter(project=project), pk=phase_pk)
    form = PhaseForm(request.POST or None, instance=phase, initial={"version": phase.version})
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("scheduling:phase_detail", pk=project.pk, phase_pk=phase.pk)
        try:
            phase = services.phase_update(
                phase=phase, by=request.user, version=form.cleaned_data["version"], **changes
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Phase “{phase.name}” saved.")
            return redirect("scheduling:phase_detail", pk=project.pk, phase_pk=phase.pk)
    return render(
        request,
        "scheduling/agile/phase_form.html",
        {"project": project, "area": "phases", "form": form, "phase": phase},
    )


def _render_phase(
    request: HttpRequest, project: Project, phase: Phase, form: GateReviewForm | None = None
) -> HttpResponse:
    status = next(r for r in selectors.phase_status(project) if r["phase"].pk == phase.pk)
    can_decide = can(project, Role.MANAGER)
    if form is None and can_decide:
        form = GateReviewForm(initial={"date": project.today()})
    return render(
        request,
        "scheduling/agile/phase_detail.html",
        {
            "project": project,
            "area": "phases",
            "phase": phase,
            "row": status,
            "reviews": phase.gate_reviews.select_related("decided_by"),
            "form": form,
            "can_manage": can_decide,
        },
    )


@login_required
def phase_detail(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    """A phase: its forecast against tolerances, the gate review history and, for a manager,
    the form to record the next decision."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    phase = get_object_or_404(Phase.objects.filter(project=project), pk=phase_pk)
    return _render_phase(request, project, phase)


@login_required
def gate_review_create(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    """Record a gate decision (go, go with conditions, no-go): the manager's call."""
    project, refused = door(request, pk, WRITE, need=Role.MANAGER)
    if refused:
        return refused
    phase = get_object_or_404(Phase.objects.filter(project=project), pk=phase_pk)
    form = GateReviewForm(request.POST)
    if form.is_valid():
        try:
            review = services.gate_review_record(phase=phase, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            decision = GateReview.Decision(review.decision).label
            messages.success(request, f"Gate of “{phase.name}”: {decision} recorded.")
            return redirect("scheduling:phase_detail", pk=project.pk, phase_pk=phase.pk)
    return _render_phase(request, project, phase, form)
