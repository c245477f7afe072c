"""Browser pages of the project itself: portfolio, create/edit, overview, members.

Every page reaches project data only through ``projects.selectors`` (DESIGN §3): a project the
user is not a member of answers 404, a role too low for the action answers 403. Project pages
open the project through ``projects.views.base.door``, *before* the HTTP method, so a non-member
gets the same 404 whatever they send.
"""

from __future__ import annotations

import copy
import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from projects.exceptions import StaleEdit
from projects.forms import (
    InvitationForm,
    MemberAddForm,
    MemberRoleForm,
    PortfolioFilterForm,
    ProjectCreateForm,
    ProjectEditForm,
    attach_errors,
)
from projects.models import Membership, Project, Role
from projects.selectors import (
    managers_by_project,
    members_of,
    portfolio_for,
    projects_for,
)
from projects.services import (
    membership_add,
    membership_change_role,
    membership_remove,
    project_create,
    project_create_from_template,
    project_update,
)
from projects.views.base import READ, READ_WRITE, WRITE, can, door
from projects.views.scope import scope_summary

# --- Portfolio -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def portfolio(request: HttpRequest) -> HttpResponse:
    form = PortfolioFilterForm(request.GET)
    projects = list(portfolio_for(request.user, **form.filters()))
    managers = managers_by_project([p.pk for p in projects])
    for project in projects:
        project.manager_names = managers[project.pk]
    context = {
        "form": form,
        "projects": projects,
        "sort": form.current_sort,
        "is_filtered": form.is_filtered,
        # An empty list costs one more query, to tell "no projects yet" from "no matches".
        "has_any_project": bool(projects) or projects_for(request.user).exists(),
    }
    template = "projects/project_list.html"
    if request.htmx:
        template += "#project-table"
    return render(request, template, context)


# --- Create, overview, edit ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    form = ProjectCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        template = fields.pop("template")
        try:
            if template is None:
                project = project_create(by=request.user, **fields)
            else:
                project = project_create_from_template(by=request.user, template=template, **fields)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            started = f" from the template “{template.name}”" if template else ""
            messages.success(
                request, f"Project {project.key} created{started}. You are its manager."
            )
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "time_zones": _time_zone_names()},
    )


@dataclass(frozen=True)
class Timeline:
    """Where today falls between a project's start and target finish, in calendar days."""

    duration_days: int  # inclusive: a project starting and finishing on one day lasts 1 day
    starts_in: int | None = None
    remaining: int | None = None
    overdue: int | None = None


def timeline(start: datetime.date, finish: datetime.date, today: datetime.date) -> Timeline:
    duration = (finish - start).days + 1
    if today < start:
        return Timeline(duration, starts_in=(start - today).days)
    if today <= finish:
        return Timeline(duration, remaining=(finish - today).days)
    return Timeline(duration, overdue=(today - finish).days)


@login_required
def project_overview(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    today = project.today()
    team: dict[str, list[Membership]] = {}
    for membership in members_of(project):
        team.setdefault(membership.get_role_display(), []).append(membership)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "area": "overview",
            "today": today,
            "timeline": timeline(project.start_date, project.target_finish, today),
            "team": team,
            "scope": scope_summary(project),
            "can_manage": can(project, Role.MANAGER),
        },
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER, form=True)
    if refused:
        return refused
    # The form validates a copy, so a refused edit never shows in the page header.
    form = ProjectEditForm(
        request.POST or None, instance=copy.copy(project), initial={"version": project.version}
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect(project)
        try:
            project = project_update(
                project=project, by=request.user, version=form.cleaned_data["version"], **changes
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"{project.key} saved.")
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project, "area": "edit", "time_zones": _time_zone_names()},
    )


# --- Members -------------------------------------------------------------------------------------


@login_required
def project_members(request: HttpRequest, pk: int) -> HttpResponse:
    project, refused = door(request, pk, READ_WRITE, Role.MANAGER)
    if refused:
        return refused
    if request.method == "POST":
        form = MemberAddForm(request.POST)
        if form.is_valid():
            try:
                membership = membership_add(
                    project=project,
                    by=request.user,
                    identifier=form.cleaned_data["identifier"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                attach_errors(form, error, aliases={"user": "identifier"})
            else:
                messages.success(
                    request,
                    f"{_display_name(membership.user)} added as {membership.get_role_display()}.",
                )
                return redirect("projects:members", pk=project.pk)
    else:
        form = MemberAddForm()
    return render_members(request, project, add_form=form)


@login_required
def member_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Change a member's role: the row's select posts here (htmx swaps just the row)."""
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    membership = get_object_or_404(project.memberships.select_related("user"), pk=membership_pk)
    form = MemberRoleForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            membership = membership_change_role(
                membership=membership, by=request.user, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(msg for msgs in form.errors.values() for msg in msgs)
    if request.htmx:
        return render(
            request,
            "projects/membership_list.html#member-row",
            {
                "project": project,
                "m": membership,
                "can_manage": True,
                "row_error": error,
                "row_saved": not error,
                "error_for": membership.pk,
                "roles": Role.choices,
            },
        )
    if error:
        return render_members(request, project, error_for=membership.pk, row_error=error)
    messages.success(
        request, f"{_display_name(membership.user)} is now {membership.get_role_display()}."
    )
    return redirect("projects:members", pk=project.pk)


@login_required
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    project, refused = door(request, pk, WRITE, Role.MANAGER)
    if refused:
        return refused
    membership = get_object_or_404(project.memberships.select_related("user"), pk=membership_pk)
    try:
        membership_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        return render_members(
            request, project, error_for=membership.pk, row_error=" ".join(exc.messages)
        )
    messages.success(request, f"{_display_name(membership.user)} removed from {project.key}.")
    return redirect("projects:members", pk=project.pk)


def render_members(
    request: HttpRequest,
    project: Project,
    *,
    add_form: MemberAddForm | None = None,
    invite_form: InvitationForm | None = None,
    error_for: int | None = None,
    row_error: str = "",
) -> HttpResponse:
    """The members page: members, open invitations (pending or expired) and, for managers,
    the forms to invite and to add a colleague."""
    return render(
        request,
        "projects/membership_list.html",
        {
            "project": project,
            "area": "members",
            "memberships": members_of(project),
            "invitations": project.invitations.filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            ).select_related("invited_by"),
            "can_manage": can(project, Role.MANAGER),
            "add_form": add_form or MemberAddForm(),
            "invite_form": invite_form or InvitationForm(),
            "roles": Role.choices,
            "error_for": error_for,
            "row_error": row_error,
        },
    )


# --- Helpers -------------------------------------------------------------------------------------


def _display_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())
