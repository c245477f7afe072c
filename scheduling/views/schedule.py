"""The plan's pages: the Gantt chart, the task table with in-place edits, a task with its
dependencies, and the add / edit / delete pages behind them.

Every view reaches the project through ``projects.views.base.door`` before it looks at the HTTP
method, so a non-member gets 404 whatever they send and a viewer 403 on any write.
Writes go through ``scheduling.services``, which recompute the schedule in the same transaction:
a response that follows an edit already shows the new dates.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django_htmx.http import reswap, retarget

from projects.exceptions import StaleEdit
from projects.forms import attach_errors
from projects.models import Project, Role, WorkPackage
from projects.selectors import members_of, projects_for
from projects.views.base import READ, READ_WRITE, WRITE, door
from scheduling import gantt, selectors, services
from scheduling.forms import (
    DependencyAddForm,
    DependencyEditForm,
    ExternalDependencyForm,
    TaskAddForm,
    TaskEditForm,
    TaskRowForm,
)
from scheduling.models import Baseline, BaselineTask, Dependency, ExternalDependency, Task
from scheduling.services import external

PAGE_SIZE = 200  # rows per page of the Gantt and the task table

# The task table's sort keys: ?sort=<key> or ?sort=-<key>.
TASK_SORTS = (
    "ref",
    "wbs",
    "name",
    "duration",
    "start",
    "finish",
    "total_float",
    "free_float",
    "critical",
    "percent",
    "status",
    "owner",
)
_SORT_FIELD = {
    "ref": "ref",
    "wbs": "order",
    "name": "name",
    "duration": "duration",
    "start": "start_date",
    "finish": "finish_date",
    "total_float": "total_float",
    "free_float": "free_float",
    "critical": "is_critical",
    "percent": "percent_complete",
    "status": "status",
    "owner": "owner_name",
}
_STATUS_RANK = {Task.Status.NOT_STARTED: 0, Task.Status.IN_PROGRESS: 1, Task.Status.DONE: 2}


# --- helpers --------------------------------------------------------------------------------------


def can_edit(project: Project) -> bool:
    """Members and managers edit tasks and links; nobody edits a closed project."""
    return Role(project.my_role).covers(Role.MEMBER) and not project.is_closed


def can_manage(project: Project) -> bool:
    return project.my_role == Role.MANAGER and not project.is_closed


def _project_task(project: Project, task_pk: int) -> Task:
    return get_object_or_404(
        Task.objects.filter(project=project).with_floats().select_related("work_package", "owner"),
        pk=task_pk,
    )


def _packages(project: Project) -> list[dict[str, Any]]:
    """The WBS in reading order as plain rows (one query)."""
    return list(
        WorkPackage.objects.filter(project=project)
        .order_by("sort_key")
        .values("id", "parent_id", "code", "name")
    )


def _span_words(task: Task) -> str:
    if task.start_date is None:
        return "not scheduled yet"
    if task.is_milestone:
        return f"milestone on {task.start_date:%-d %b %Y}"
    return f"{task.start_date:%-d %b %Y} – {task.finish_date:%-d %b %Y}"


# --- task table -----------------------------------------------------------------------------------


def _task_table(project: Project, params: QueryDict, **extra: Any) -> dict[str, Any]:
    """The task table's context: every task's row (code, owner name, computed dates), sorted
    and paged. A fixed number of queries whatever the number of tasks."""
    rows = selectors.schedule_rows(project)
    packages = _packages(project)
    codes = gantt.task_codes(rows, packages)  # in outline order, the Gantt's
    position = {task_id: order for order, task_id in enumerate(codes)}
    statuses = dict(Task.Status.choices)
    owners = {
        m.user_id: m.user.get_full_name() or m.user.get_username() for m in members_of(project)
    }
    links = selectors.predecessor_texts(project)
    for row in rows:
        row["predecessors"] = links.get(row["id"], "")
        row["order"] = position[row["id"]]
        row["code"] = codes[row["id"]]
        row["owner_name"] = owners.get(row["owner_id"], "")
        row["is_milestone"] = row["duration"] == 0
        row["status_label"] = statuses.get(row["status"], row["status"])

    sort = params.get("sort") or "wbs"
    if sort.lstrip("-") not in TASK_SORTS:
        sort = "wbs"
    field = _SORT_FIELD[sort.lstrip("-")]
    if field == "status":
        rows.sort(key=lambda r: _STATUS_RANK.get(r["status"], 0), reverse=sort.startswith("-"))
    elif field != "order":
        # Empty values last whichever the direction; the plan order breaks ties.
        present = [r for r in rows if r[field] not in (None, "")]
        missing = [r for r in rows if r[field] in (None, "")]
        present.sort(key=lambda r: (r[field], r["order"]), reverse=sort.startswith("-"))
        rows = present + missing
    else:
        rows.sort(key=lambda r: r["order"], reverse=sort.startswith("-"))

    finishes = [r["finish_date"] for r in rows if r["finish_date"]]
    starts = [r["start_date"] for r in rows if r["start_date"]]
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    return {
        "project": project,
        "page": page,
        "tasks": page.object_list,
        "task_count": len(rows),
        "critical_count": sum(1 for r in rows if r["is_critical"]),
        "plan_start": min(starts, default=None),
        "plan_finish": max(finishes, default=None),
        "sort": sort,
        "query": _query_without(params, "page"),
        "can_edit": can_edit(project),
        # The predecessor picker's list: every task's number and name, in plan order.
        "ref_choices": [(r["ref"], r["name"]) for r in sorted(rows, key=lambda r: r["order"])],
        **extra,
    }


def _query_without(params: QueryDict, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


@login_required
def task_list(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    context = _task_table(project, request.GET, area="tasks")
    template = "scheduling/task_list.html"
    if request.htmx:
        template += "#task-table"
    else:
        context["add_form"] = TaskAddForm(project=project) if context["can_edit"] else None
    return render(request, template, context)


@login_required
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a task (the form above the task table posts here; GET shows it on its own page)."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    form = TaskAddForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v is not None and k != "name"}
        try:
            task = services.task_create(
                project=project, by=request.user, name=form.cleaned_data["name"], **fields
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Added “{task.name}”: {_span_words(task)}.")
            return redirect("scheduling:tasks", pk=project.pk)
    return render(
        request,
        "scheduling/task_form.html",
        {
            "project": project,
            "area": "tasks",
            "form": form,
            "adding": True,
            "ref_choices": selectors.task_refs(project),
        },
    )


@login_required
def task_row(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """A task-table row edited in place (htmx): GET gives the form row (``?cancel=1`` the plain
    row back), POST saves it and answers with the whole table, since one task's new dates can
    move many others. Errors come back in the form row, next to their fields."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    task = _project_task(project, task_pk)
    if request.method != "POST":
        if not request.htmx:
            return redirect("scheduling:task_edit", pk=project.pk, task_pk=task.pk)
        if request.GET.get("cancel"):
            return render(
                request, "scheduling/task_list.html#task-row", _row_context(project, task.pk)
            )
        form = TaskRowForm(instance=task, initial={"version": task.version}, project=project)
        return _render_row_form(request, project, task, form)

    form = TaskRowForm(request.POST, instance=copy.copy(task), project=project)
    if form.is_valid():
        try:
            task = services.task_update(
                task=task, by=request.user, version=form.cleaned_data["version"], **form.changes()
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
    if form.errors:
        if request.htmx:
            response = _render_row_form(request, project, task, form)
            return reswap(retarget(response, f"#task-{task.pk}"), "outerHTML")
        context = _task_table(project, request.GET, area="tasks", editing=task.pk, row_form=form)
        context["add_form"] = TaskAddForm(project=project)
        return render(request, "scheduling/task_list.html", context)
    if request.htmx:
        # Keep the sort and page the person was looking at.
        current = QueryDict(mutable=True)
        if request.htmx.current_url:
            current.update(dict(parse_qsl(urlsplit(request.htmx.current_url).query)))
        context = _task_table(project, current, saved=task.pk)
        return render(request, "scheduling/task_list.html#task-table", context)
    messages.success(request, f"Saved “{task.name}”: {_span_words(task)}.")
    return redirect("scheduling:tasks", pk=project.pk)


def _row_context(project: Project, task_pk: int, **extra: Any) -> dict[str, Any]:
    """The task table's context with ``t``, the row of one task, for rendering that row."""
    context = _task_table(project, QueryDict(), **extra)
    context["t"] = next(r for r in context["page"].paginator.object_list if r["id"] == task_pk)
    return context


def _render_row_form(
    request: HttpRequest, project: Project, task: Task, form: TaskRowForm
) -> HttpResponse:
    return render(
        request,
        "scheduling/task_list.html#task-edit-row",
        _row_context(project, task.pk, row_form=form),
    )


@login_required
def task_detail(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    task = _project_task(project, task_pk)
    return _render_detail(request, project, task)


def _render_detail(
    request: HttpRequest,
    project: Project,
    task: Task,
    *,
    add_form: DependencyAddForm | None = None,
    external_form: ExternalDependencyForm | None = None,
    link_errors: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    links = (
        Dependency.objects.filter(Q(successor=task) | Q(predecessor=task))
        .select_related("predecessor", "successor")
        .order_by("id")
    )
    predecessors = [d for d in links if d.successor_id == task.pk]
    successors = [d for d in links if d.predecessor_id == task.pk]
    if add_form is None:
        add_form = DependencyAddForm(choices=_predecessor_choices(project, task, predecessors))
    # The outline code, as the task table and the Gantt number the task.
    siblings = list(
        Task.objects.filter(project=project, work_package=task.work_package_id)
        .in_plan_order()
        .values("id", "work_package_id")
    )
    packages = (
        _packages(project)
        if task.work_package_id
        else list(
            WorkPackage.objects.filter(project=project, parent=None).values(
                "id", "parent_id", "code", "name"
            )
        )
    )
    code = gantt.task_codes(siblings, packages).get(task.pk, "")
    return render(
        request,
        "scheduling/task_detail.html",
        {
            "project": project,
            "area": "tasks",
            "task": task,
            "code": code,
            "predecessors": predecessors,
            "successors": successors,
            "add_form": add_form,
            "external_predecessors": external.external_predecessors(request.user, task),
            "external_successors": external.external_successors(request.user, task),
            "external_form": external_form or _external_form(request, project),
            "link_errors": link_errors or {},
            "link_types": Dependency.Type.choices,
            "can_edit": can_edit(project),
        },
        status=status,
    )


def _predecessor_choices(
    project: Project, task: Task, predecessors: list[Dependency]
) -> list[tuple[int, str]]:
    """Every other task of the project not already a predecessor, in plan order."""
    taken = {d.predecessor_id for d in predecessors} | {task.pk}
    rows = Task.objects.filter(project=project).in_plan_order().values_list("id", "ref", "name")
    return [(pk, f"{ref} · {name}") for pk, ref, name in rows if pk not in taken]


@login_required
def task_edit(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """The full task form (also the task table's edit link when JavaScript is off)."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    task = _project_task(project, task_pk)
    form = TaskEditForm(
        request.POST or None,
        instance=copy.copy(task),
        initial={"version": task.version},
        project=project,
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("scheduling:task_detail", pk=project.pk, task_pk=task.pk)
        try:
            task = services.task_update(
                task=task, by=request.user, version=form.cleaned_data["version"], **changes
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Saved “{task.name}”: {_span_words(task)}.")
            return redirect("scheduling:task_detail", pk=project.pk, task_pk=task.pk)
    return render(
        request,
        "scheduling/task_form.html",
        {
            "project": project,
            "area": "tasks",
            "form": form,
            "task": task,
            "ref_choices": selectors.task_refs(project),
        },
    )


@login_required
def task_delete(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """GET asks for confirmation (naming what else the deletion removes); POST deletes."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    task = _project_task(project, task_pk)
    if request.method == "POST":
        name = task.name
        services.task_delete(task=task, by=request.user)
        messages.success(request, f"Deleted “{name}” and its links. The schedule is updated.")
        return redirect("scheduling:tasks", pk=project.pk)
    link_count = Dependency.objects.filter(Q(successor=task) | Q(predecessor=task)).count()
    return render(
        request,
        "scheduling/task_confirm_delete.html",
        {"project": project, "area": "tasks", "task": task, "link_count": link_count},
    )


# --- dependencies ---------------------------------------------------------------------------------


@login_required
def dependency_add(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """Add a predecessor to the task; a loop is refused with the tasks that would form it."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    task = _project_task(project, task_pk)
    links = list(Dependency.objects.filter(successor=task))
    form = DependencyAddForm(request.POST, choices=_predecessor_choices(project, task, links))
    if form.is_valid():
        predecessor = get_object_or_404(
            Task.objects.filter(project=project), pk=form.cleaned_data["predecessor"]
        )
        try:
            services.dependency_add(
                project=project,
                by=request.user,
                predecessor=predecessor,
                successor=task,
                type=form.cleaned_data["type"],
                lag=form.cleaned_data["lag"],
            )
        except ValidationError as error:
            attach_errors(form, error, aliases={"successor": "predecessor"})
        else:
            task.refresh_from_db()
            messages.success(
                request,
                f"“{predecessor.name}” is now a predecessor ({form.cleaned_data['type']}). "
                f"“{task.name}”: {_span_words(task)}.",
            )
            return redirect("scheduling:task_detail", pk=project.pk, task_pk=task.pk)
    return _render_detail(request, project, task, add_form=form, status=400)


def _link_and_page(request: HttpRequest, project: Project, dependency_pk: int):
    dependency = get_object_or_404(
        Dependency.objects.filter(project=project).select_related("predecessor", "successor"),
        pk=dependency_pk,
    )
    # Back to the task page the form was on: the link's successor unless it says otherwise.
    back = dependency.successor
    if request.POST.get("task") == str(dependency.predecessor_id):
        back = dependency.predecessor
    return dependency, back


@login_required
def dependency_edit(request: HttpRequest, pk: int, dependency_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    dependency, back = _link_and_page(request, project, dependency_pk)
    form = DependencyEditForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.dependency_update(
                dependency=dependency,
                by=request.user,
                version=form.cleaned_data["version"],
                type=form.cleaned_data["type"],
                lag=form.cleaned_data["lag"],
            )
        except StaleEdit as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(m for field in form.errors.values() for m in field)
    if error:
        task = _project_task(project, back.pk)
        return _render_detail(
            request, project, task, link_errors={dependency.pk: error}, status=400
        )
    messages.success(
        request,
        f"Link “{dependency.predecessor.name}” → “{dependency.successor.name}” is now "
        f"{form.cleaned_data['type']} {form.cleaned_data['lag']:+d}d.",
    )
    return redirect("scheduling:task_detail", pk=project.pk, task_pk=back.pk)


@login_required
def dependency_remove(request: HttpRequest, pk: int, dependency_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    dependency, back = _link_and_page(request, project, dependency_pk)
    words = f"“{dependency.predecessor.name}” → “{dependency.successor.name}”"
    services.dependency_remove(dependency=dependency, by=request.user)
    messages.success(request, f"Removed the link {words}.")
    return redirect("scheduling:task_detail", pk=project.pk, task_pk=back.pk)


def _external_form(
    request: HttpRequest, project: Project, data: QueryDict | None = None
) -> ExternalDependencyForm:
    """The form linking a task to a task of another project the person can see."""
    others = projects_for(request.user).exclude(pk=project.pk).order_by("key")
    choices = [(pk, f"{key} · {name}") for pk, key, name in others.values_list("pk", "key", "name")]
    return ExternalDependencyForm(data, projects=choices)


@login_required
def external_add(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """Make the task wait for a task of another project (by its project and number); a loop of
    projects is refused naming it."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    task = _project_task(project, task_pk)
    form = _external_form(request, project, request.POST)
    if form.is_valid():
        other = projects_for(request.user).get(pk=form.cleaned_data["other_project"])
        number = form.cleaned_data["number"]
        predecessor = Task.objects.filter(project=other, ref=number).first()
        if predecessor is None:
            form.add_error("number", f"{other.key} has no task numbered {number}.")
        else:
            try:
                external.external_dependency_add(
                    project=project,
                    by=request.user,
                    predecessor=predecessor,
                    successor=task,
                    type=form.cleaned_data["type"],
                    lag=form.cleaned_data["lag"],
                )
            except ValidationError as error:
                attach_errors(form, error, aliases={"predecessor": "number", "successor": "number"})
            else:
                task.refresh_from_db()
                messages.success(
                    request,
                    f"“{task.name}” now waits for {external.task_label(predecessor, other.key)} "
                    f"({form.cleaned_data['type']}): {_span_words(task)}.",
                )
                return redirect("scheduling:task_detail", pk=project.pk, task_pk=task.pk)
    return _render_detail(request, project, task, external_form=form, status=400)


@login_required
def external_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    link = get_object_or_404(
        ExternalDependency.objects.filter(project=project).select_related("successor"),
        pk=link_pk,
    )
    task = link.successor
    external.external_dependency_remove(link=link, by=request.user)
    messages.success(request, f"“{task.name}” no longer waits for that task of another project.")
    return redirect("scheduling:task_detail", pk=project.pk, task_pk=task.pk)


# --- Gantt ----------------------------------------------------------------------------------------


@login_required
def task_gantt(request: HttpRequest, pk: int) -> HttpResponse:
    """The Gantt chart, one window of rows at a time on the whole project's time axis.

    Reads only the rows it shows: the outline is laid out from the WBS and each work package's
    task count, the axis from the plan's first start and last finish, and then the window's
    tasks, their links and the linked tasks' dates are read, so the first screen of a
    10,000-task plan costs what a 200-task plan's does.

    ``?zoom=week|month|fit``, ``?width=<px>`` (the chart's visible width, sent by the page's
    script: the axis fills it, or at ``fit`` the plan is scaled into it),
    ``?baseline=<id>|none`` (default: the performance baseline),
    ``?collapsed=<work package ids>``, ``?page=<n>``. An htmx request aimed at
    ``#gantt-bodies`` (the row after the last asks for it when it scrolls into view) gets the
    window's chart to append there and its table rows out of band.
    """
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    wanted = _GanttRequest.of(request.GET)
    appending = bool(request.htmx) and request.htmx.target == "gantt-bodies"
    today = project.today()
    calendar = services.work_calendar(project)
    plan = selectors.plan_outline(project, calendar)
    blocks = gantt.outline_blocks(plan.packages, plan.counts, plan.rollup, wanted.collapsed)
    total = blocks[-1].end if blocks else 0
    paginator = Paginator(range(total), PAGE_SIZE)
    number = paginator.get_page(wanted.page).number
    first = (number - 1) * PAGE_SIZE
    window = gantt.Window(blocks, first, min(first + PAGE_SIZE, total))
    tasks = selectors.gantt_window_rows(project, *window.task_query())
    shown = [t["id"] for t in tasks]
    tasks_shown = set(shown)
    baselines = list(Baseline.objects.filter(project=project).order_by("-created_at", "-id"))
    baseline = _chosen_baseline(baselines, wanted.baseline)
    rows = window.rows(
        tasks,
        plan.packages,
        plan.rollup,
        calendar,
        collapsed=wanted.collapsed,
        baseline=_baseline_dates(baseline, shown),
    )
    page = Page(rows, number, paginator)
    last = first + len(rows)
    links, ends = selectors.links_touching(project, shown)
    off_window = [row for task_id, row in ends.items() if task_id not in tasks_shown]
    above, below = window.beyond(tasks, off_window)
    axis = gantt.axis_for(
        [plan.start, plan.finish, *_baseline_span(baseline)],
        wanted.zoom,
        default=project.start_date,
        width=wanted.width,
    )
    # Open at the first unfinished bar on screen, not at today: a page of finished or future
    # work would otherwise open on empty rows.
    opening = gantt.opening_day(rows) or project.start_date
    span = _PlanSpan(
        count=plan.count,
        start=plan.start,
        finish=plan.finish,
        critical_count=plan.critical_count,
    )
    title = span.title(project)
    chart = gantt.chart_svg(
        rows,
        first=0,
        last=len(rows),
        axis=axis,
        links=[
            gantt.Link(d["predecessor_id"], d["successor_id"], d["type"], d["lag"]) for d in links
        ],
        today=today,
        calendar=calendar,
        url=_task_url(project),
        baseline_name=baseline.name if baseline else "",
        title=title,
        above=above,
        below=below,
        defs=not appending,
    )
    state = wanted.state()
    here = str(number) if number > 1 else ""  # a branch opens or closes where it is
    context = {
        "project": project,
        "area": "gantt",
        "page": page,
        "rows": [
            (row, _gantt_query(state, collapsed=_toggled(wanted.collapsed, row.id), page=here))
            for row in rows
        ],
        "axis_svg": mark_safe(gantt.axis_svg(axis, today, calendar)),  # built with html.escape
        "chart_svg": mark_safe(chart),
        "chart_width": axis.width,
        "today_x": axis.x(today) if axis.start <= today < axis.end else None,
        "open_x": max(axis.x(opening), 0) if axis.start <= opening < axis.end else 0,
        "opening": opening,
        "performance_baseline": next((b for b in baselines if b.is_performance), None),
        "row_height": gantt.ROW_HEIGHT,
        "header_height": gantt.HEADER_HEIGHT,
        "zoom": wanted.zoom,
        "baselines": baselines,
        "baseline": baseline,
        "baseline_param": state["baseline"],
        "any_collapsed": bool(wanted.collapsed),
        "collapsed_param": state["collapsed"],
        **_gantt_links(
            state,
            page,
            summaries=[p["id"] for p in plan.packages if p["id"] in plan.rollup],
            first=first,
            last=last,
            total=total,
        ),
        # The next window, with this one's width so that its chart lines up under this one.
        "more_url": _gantt_query(state, page=str(number + 1), width=str(wanted.width))
        if page.has_next()
        else "",
        "appending": appending,
        "task_count": span.count,
        "critical_count": span.critical_count,
        "plan_start": span.start,
        "plan_finish": span.finish,
        "today": today,
        "title": title,
    }
    template = "scheduling/task_gantt.html"
    if appending:
        template += "#gantt-next"
    elif request.htmx:
        template += "#gantt"
    return render(request, template, context)


@dataclass(frozen=True)
class _GanttRequest:
    """What the Gantt's query string asks for, defaults filled in and nonsense ignored."""

    zoom: str
    width: int
    collapsed: set[int]
    baseline: str
    page: str | None

    @classmethod
    def of(cls, params: QueryDict) -> _GanttRequest:
        zoom = params.get("zoom", "")
        if zoom not in gantt.ZOOMS and zoom != gantt.FIT:
            zoom = gantt.DEFAULT_ZOOM
        width = gantt.FIT_WIDTH
        if params.get("width", "").isdigit():
            low, high = gantt.FIT_WIDTH_RANGE
            width = min(max(int(params["width"]), low), high)
        return cls(
            zoom=zoom,
            width=width,
            collapsed={
                int(v) for v in params.get("collapsed", "").split(",") if v.strip().isdigit()
            },
            baseline=params.get("baseline", ""),
            page=params.get("page"),
        )

    def state(self) -> dict[str, str]:
        """The view's state that every Gantt link carries along (see :func:`_gantt_query`)."""
        return {
            "zoom": self.zoom,
            "baseline": self.baseline,
            "collapsed": ",".join(str(c) for c in sorted(self.collapsed)),
        }


@dataclass(frozen=True)
class _PlanSpan:
    """The plan's tasks: how many, the first start, the last finish, how many are critical."""

    count: int
    start: datetime.date | None
    finish: datetime.date | None
    critical_count: int

    def title(self, project: Project) -> str:
        """The chart's accessible title: tasks, their dates, how many are critical."""
        dates = f" from {self.start:%-d %b %Y} to {self.finish:%-d %b %Y}" if self.start else ""
        return (
            f"Gantt chart of {project.key}: {self.count} tasks{dates}, "
            f"{self.critical_count} critical"
        )


def _baseline_dates(
    baseline: Baseline | None, task_ids: list[int]
) -> dict[int, tuple[datetime.date | None, datetime.date | None]]:
    """The (start, finish) frozen in ``baseline`` of the tasks ``task_ids``; none without one."""
    if baseline is None:
        return {}
    return {
        task_id: (start, finish)
        for task_id, start, finish in BaselineTask.objects.filter(
            baseline=baseline, task_id__in=task_ids
        ).values_list("task_id", "start_date", "finish_date")
    }


def _baseline_span(baseline: Baseline | None) -> tuple[datetime.date | None, datetime.date | None]:
    """The first start and last finish frozen in ``baseline``, for the axis: one query."""
    if baseline is None:
        return None, None
    span = BaselineTask.objects.filter(baseline=baseline, task__isnull=False).aggregate(
        start=Min("start_date"), finish=Max("finish_date")
    )
    return span["start"], span["finish"]


def _task_url(project: Project) -> Callable[[int], str]:
    """The task page's address for a task id of ``project``, as the chart's bars link it."""

    def url(task_id: int) -> str:
        return reverse("scheduling:task_detail", args=[project.pk, task_id])

    return url


def _gantt_links(
    state: dict[str, str], page: Page, *, summaries: list[int], first: int, last: int, total: int
) -> dict[str, Any]:
    """The links that change the Gantt's view: zoom, collapse / expand all, the pages before
    and after (with the row ranges they hold)."""
    return {
        "zoom_links": {z: _gantt_query(state, zoom=z) for z in gantt.ZOOMS},
        "fit_link": _gantt_query(state, zoom=gantt.FIT),
        "collapse_all": _gantt_query(state, collapsed=",".join(map(str, summaries))),
        "expand_all": _gantt_query(state, collapsed=""),
        "prev_url": _gantt_query(state, page=str(page.number - 1)) if page.has_previous() else "",
        "next_url": _gantt_query(state, page=str(page.number + 1)) if page.has_next() else "",
        "prev_range": f"{first - PAGE_SIZE + 1}–{first}",
        "next_range": f"{last + 1}–{min(last + PAGE_SIZE, total)}",
    }


def _chosen_baseline(baselines: list[Baseline], wanted: str | None) -> Baseline | None:
    if wanted == "none":
        return None
    if wanted and wanted.isdigit():
        for baseline in baselines:
            if baseline.pk == int(wanted):
                return baseline
    return next((b for b in baselines if b.is_performance), None)


def _toggled(collapsed: set[int], package: int) -> str:
    return ",".join(str(c) for c in sorted(collapsed ^ {package}))


def _gantt_query(state: dict[str, str], **changes: str) -> str:
    """The Gantt's query string with ``changes``; empty values and defaults left out."""
    merged = {**state, **changes}
    if merged.get("zoom") == gantt.DEFAULT_ZOOM:
        merged.pop("zoom")
    return "?" + urlencode({k: v for k, v in merged.items() if v})
