"""The work breakdown structure: an indented tree edited in place (htmx) or by plain forms.

Every action posts, then htmx swaps the tree and a plain request is redirected back to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from projects import services
from projects.exceptions import StaleEdit
from projects.forms import (
    WorkPackageAddForm,
    WorkPackageRenameForm,
    WorkPackageShiftForm,
)
from projects.models import (
    Deliverable,
    Project,
    WorkPackage,
)
from projects.selectors import wbs_of
from projects.views.base import READ, WRITE, door, error_text, rights

# --- WBS -----------------------------------------------------------------------------------------


@dataclass
class WbsRow:
    """A work package as the tree shows it: its depth and what moves it allows."""

    package: WorkPackage
    depth: int
    deliverable_count: int = 0
    has_children: bool = False
    is_first: bool = True
    is_last: bool = True


def wbs_rows(project: Project) -> list[WbsRow]:
    """The WBS in reading order, in two queries whatever its size.

    One query reads the tree (``wbs_of``) and one counts deliverables per package; siblings,
    depth and children are worked out here from the parent ids.
    """
    packages = list(wbs_of(project))
    counts = dict(
        Deliverable.objects.filter(project=project, work_package__isnull=False)
        .values_list("work_package")
        .annotate(n=Count("id"))
        .values_list("work_package", "n")
    )
    rows = [
        WbsRow(package=p, depth=p.depth, deliverable_count=counts.get(p.pk, 0)) for p in packages
    ]
    last_child: dict[int | None, WbsRow] = {}
    for row in rows:  # reading order puts siblings in order and parents before children
        parent_id = row.package.parent_id
        previous = last_child.get(parent_id)
        if previous is not None:
            previous.is_last = False
            row.is_first = False
        last_child[parent_id] = row
    with_children = {p.parent_id for p in packages}
    for row in rows:
        row.has_children = row.package.pk in with_children
    return rows


# The tree editor's four moves, as (direction, symbol, what the button does).
WBS_MOVES = (
    ("up", "↑", "Move up"),
    ("down", "↓", "Move down"),
    ("outdent", "←", "Outdent"),
    ("indent", "→", "Indent"),
)


@login_required
def wbs(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    return _render_wbs(request, project)


@login_required
def wbs_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a work package at the top level, under a package, or right after one."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    form = WorkPackageAddForm(request.POST)
    if not form.is_valid():
        return _wbs_done(request, project, error="Give the new work package a name.")
    data = form.cleaned_data
    parent, position = None, None
    if data["after"]:
        after = get_object_or_404(WorkPackage, project=project, pk=data["after"])
        parent, position = after.parent, after.position + 1
    elif data["parent"]:
        parent = get_object_or_404(WorkPackage, project=project, pk=data["parent"])
    try:
        package = services.work_package_add(
            project=project, by=request.user, name=data["name"], parent=parent, position=position
        )
    except ValidationError as error:
        return _wbs_done(request, project, error=error_text(error))
    return _wbs_done(
        request, project, status=f"Added {package.code} {package.name}.", focus=package
    )


@login_required
def wbs_rename(request: HttpRequest, pk: int, package_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    package = get_object_or_404(WorkPackage, project=project, pk=package_pk)
    form = WorkPackageRenameForm(request.POST)
    if not form.is_valid():
        return _wbs_done(request, project, error=f"Give {package.code} a name.", focus=package)
    try:
        package = services.work_package_update(
            work_package=package,
            by=request.user,
            version=form.cleaned_data["version"],
            name=form.cleaned_data["name"],
        )
    except (StaleEdit, ValidationError) as error:
        text = str(error) if isinstance(error, StaleEdit) else error_text(error)
        return _wbs_done(request, project, error=text, focus=package)
    return _wbs_done(request, project, status=f"Renamed {package.code} to {package.name}.")


@login_required
def wbs_shift(request: HttpRequest, pk: int, package_pk: int) -> HttpResponse:
    """Move a package up or down among its siblings, or indent or outdent it."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    package = get_object_or_404(WorkPackage, project=project, pk=package_pk)
    form = WorkPackageShiftForm(request.POST)
    if not form.is_valid():
        return _wbs_done(request, project, error="Choose up, down, indent or outdent.")
    old_code = package.code
    try:
        package = services.work_package_shift(
            work_package=package, by=request.user, direction=form.cleaned_data["direction"]
        )
    except ValidationError as error:
        return _wbs_done(request, project, error=error_text(error), focus=package)
    return _wbs_done(
        request,
        project,
        status=f"Moved {package.name}: {old_code} is now {package.code}.",
        focus=package,
    )


@login_required
def wbs_delete(request: HttpRequest, pk: int, package_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    package = get_object_or_404(WorkPackage, project=project, pk=package_pk)
    label = f"{package.code} {package.name}"
    try:
        services.work_package_delete(work_package=package, by=request.user)
    except ValidationError as error:
        return _wbs_done(request, project, error=error_text(error), focus=package)
    return _wbs_done(request, project, status=f"Deleted {label}.")


def _wbs_done(
    request: HttpRequest,
    project: Project,
    *,
    status: str = "",
    error: str = "",
    focus: WorkPackage | None = None,
) -> HttpResponse:
    """After a tree edit: htmx gets the new tree with the outcome; a plain POST is redirected."""
    if request.htmx:
        return _render_wbs(request, project, status=status, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, status)
    anchor = f"#wp-{focus.pk}" if focus is not None and focus.pk else ""
    return redirect(reverse("projects:wbs", args=[project.pk]) + anchor)


def _render_wbs(
    request: HttpRequest, project: Project, *, status: str = "", error: str = ""
) -> HttpResponse:
    template = "projects/workpackage_list.html"
    if request.htmx:
        template += "#wbs-tree"
    allowed = rights(project)
    editing = request.GET.get("edit", "") if request.method == "GET" else ""
    return render(
        request,
        template,
        {
            "project": project,
            "area": "wbs",
            "rows": wbs_rows(project),
            "editing": int(editing) if editing.isdigit() and allowed["can_edit"] else None,
            "moves": WBS_MOVES,
            "status": status,
            "error": error,
            **allowed,
        },
    )
