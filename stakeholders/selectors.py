"""Reads of stakeholder data for pages, the API, reports and exports, each in a fixed number of
queries. Project-scoped reads take a project that came through the access door
(``projects.selectors.get_project_for``); cross-project reads ("my work", "waiting for my
approval") start from ``projects_for(user)``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from projects.approval_subjects import approval_subjects
from projects.models import Deliverable, Membership, Project, WorkPackage
from projects.selectors import User, projects_for
from stakeholders.models import (
    ActionItem,
    Approval,
    CommunicationPlanItem,
    Decision,
    Meeting,
    Quadrant,
    RaciEntry,
    Stakeholder,
)
from stakeholders.services.raci import entry_key, row_problem

STAKEHOLDER_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "power": ("-power", "-interest", "name"),
    "interest": ("-interest", "-power", "name"),
    "quadrant": ("quadrant_rank", "-power", "-interest", "name"),
    "organisation": ("organisation", "name"),
}


# --- register -------------------------------------------------------------------------------------


def stakeholders_of(
    project: Project,
    *,
    search: str = "",
    quadrant: str = "",
    kind: str = "",
    engagement_gap: bool = False,
    ordering: str = "name",
) -> QuerySet[Stakeholder]:
    """The register, filtered; each row annotated with ``quadrant_code`` (one query)."""
    qs = Stakeholder.objects.for_project(project).with_quadrant().select_related("user")
    if search := search.strip():
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(organisation__icontains=search)
            | Q(title__icontains=search)
            | Q(email__icontains=search)
        )
    if quadrant:
        qs = qs.filter(quadrant_code=quadrant)
    if kind:
        qs = qs.filter(kind=kind)
    if engagement_gap:
        qs = qs.exclude(engagement_current=F("engagement_desired"))
    return qs.order_by(*STAKEHOLDER_ORDERINGS.get(ordering, STAKEHOLDER_ORDERINGS["name"]))


def power_interest_grid(project: Project) -> dict[Quadrant, list[Stakeholder]]:
    """Stakeholders by quadrant, every quadrant present (one query), for the grid page."""
    grid: dict[Quadrant, list[Stakeholder]] = {quadrant: [] for quadrant in Quadrant}
    for stakeholder in Stakeholder.objects.for_project(project).order_by("-power", "name"):
        grid[stakeholder.quadrant].append(stakeholder)
    return grid


# --- RACI -----------------------------------------------------------------------------------------


def raci_matrix(project: Project) -> dict[str, Any]:
    """The RACI matrix: rows (work packages in WBS order, then deliverables), columns
    (stakeholders, then team members) and cells, in five queries.

    Returns ``{"columns": [{"key", "party", "name", "is_stakeholder"}],
    "rows": [{"row", "kind", "label", "cells": [role or ""], "problem"}]}``; a row's
    ``problem`` is the rule it breaks ("" when fine), such as a row written before the rule.
    """
    stakeholders = list(Stakeholder.objects.for_project(project).order_by("name", "id"))
    members = list(
        Membership.objects.filter(project=project)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    columns: list[dict[str, Any]] = [
        {"key": ("s", s.pk), "party": s, "name": s.name, "is_stakeholder": True}
        for s in stakeholders
    ]
    columns += [
        {
            "key": ("u", m.user_id),
            "party": m.user,
            "name": m.user.get_full_name() or m.user.get_username(),
            "is_stakeholder": False,
        }
        for m in members
    ]
    names = {c["key"]: c["name"] for c in columns}
    cells: dict[tuple[str, int], dict[tuple[str, int], str]] = {}
    for entry in RaciEntry.objects.filter(project=project).select_related("user"):
        row_key = (
            ("wp", entry.work_package_id) if entry.work_package_id else ("d", entry.deliverable_id)
        )
        key = entry_key(entry)
        cells.setdefault(row_key, {})[key] = entry.role
        if key not in names:  # a former member keeps their cells: show them as a column
            names[key] = entry.user.get_full_name() or entry.user.get_username()
            columns.append(
                {"key": key, "party": entry.user, "name": names[key], "is_stakeholder": False}
            )
    rows = []
    row_objects: list[tuple[str, WorkPackage | Deliverable]] = [
        ("wp", wp) for wp in WorkPackage.objects.filter(project=project).order_by("sort_key")
    ] + [("d", d) for d in Deliverable.objects.filter(project=project).order_by("due_date", "id")]
    for kind, obj in row_objects:
        roles = cells.get((kind, obj.pk), {})
        rows.append(
            {
                "row": obj,
                "kind": "work_package" if kind == "wp" else "deliverable",
                "label": f"{obj.code} {obj.name}" if kind == "wp" else obj.name,
                "cells": [roles.get(c["key"], "") for c in columns],
                "problem": row_problem(obj, roles, names),
            }
        )
    return {"columns": columns, "rows": rows}


# --- communication plan ---------------------------------------------------------------------------


def communication_plan_of(project: Project) -> QuerySet[CommunicationPlanItem]:
    """Plan items, next due first (undated last), with owner and audience (two queries)."""
    return (
        CommunicationPlanItem.objects.filter(project=project)
        .select_related("owner")
        .prefetch_related(Prefetch("audience", queryset=Stakeholder.objects.order_by("name")))
        .order_by(F("next_due").asc(nulls_last=True), "id")
    )


def weekly_report_recipients(project: Project) -> QuerySet[Stakeholder]:
    """Exactly the audience of the project's weekly status report item(s) that has an e-mail
    address: whom the weekly report goes to (DESIGN §4). One query."""
    return (
        Stakeholder.objects.filter(
            project=project,
            communications__project=project,
            communications__kind=CommunicationPlanItem.Kind.WEEKLY_STATUS_REPORT,
        )
        .with_email()
        .distinct()
        .order_by("name", "id")
    )


# --- meetings, decisions, actions -----------------------------------------------------------------


def meetings_of(project: Project) -> QuerySet[Meeting]:
    """Meetings, newest first, with organiser, attendees and counts of decisions and open
    actions (three queries)."""
    return (
        Meeting.objects.filter(project=project)
        .select_related("organiser")
        .prefetch_related(
            Prefetch("stakeholders", queryset=Stakeholder.objects.order_by("name")),
            "attendees",
        )
        .annotate(
            decision_count=Count("decisions", distinct=True),
            open_action_count=Count(
                "action_items",
                filter=Q(action_items__status=ActionItem.Status.OPEN),
                distinct=True,
            ),
        )
        .order_by("-starts_at", "id")
    )


def decisions_of(project: Project) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(project=project)
        .select_related("meeting", "recorded_by")
        .order_by("-date", "-id")
    )


def action_items_of(project: Project, *, status: str = "") -> QuerySet[ActionItem]:
    qs = ActionItem.objects.for_project(project).select_related("owner", "meeting")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "due_date", "id")


def overdue_actions(project: Project, today: datetime.date | None = None) -> QuerySet[ActionItem]:
    """Open actions past their due date, for the project overview (one query)."""
    today = today or project.today()
    return (
        ActionItem.objects.for_project(project)
        .overdue(today)
        .select_related("owner", "meeting")
        .order_by("due_date", "id")
    )


def my_open_actions(user: User) -> QuerySet[ActionItem]:
    """The user's open actions across the projects they can see ("my work"), soonest due first,
    with project and meeting (one query)."""
    if not user.is_authenticated:
        return ActionItem.objects.none()
    return (
        ActionItem.objects.open()
        .owned_by(user)
        .filter(project__in=projects_for(user))
        .select_related("project", "meeting")
        .order_by("due_date", "id")
    )


# --- approvals ------------------------------------------------------------------------------------


def _with_subjects(qs: QuerySet[Approval]) -> QuerySet[Approval]:
    # One query per kind of subject, never one per approval; a registered subject whose label
    # reads related rows (a timesheet names its person and week) brings them along.
    return qs.select_related(
        "project", "approver", "requested_by", "stakeholder", "content_type"
    ).prefetch_related(
        GenericPrefetch(
            "subject",
            [
                subject.model._default_manager.select_related(*subject.select_related)
                for subject in approval_subjects()
                if subject.select_related
            ],
        )
    )


def approvals_waiting_for(user: User) -> QuerySet[Approval]:
    """Pending approvals addressed to the user, across their projects, oldest first."""
    if not user.is_authenticated:
        return Approval.objects.none()
    return _with_subjects(
        Approval.objects.pending()
        .filter(approver=user, project__in=projects_for(user))
        .order_by("requested_at", "id")
    )


def approvals_of(project: Project, *, decision: str = "") -> QuerySet[Approval]:
    qs = Approval.objects.filter(project=project)
    if decision:
        qs = qs.filter(decision=decision)
    return _with_subjects(qs.order_by("-requested_at", "-id"))


def approvals_for_subject(subject) -> QuerySet[Approval]:
    """Every approval of one deliverable, change request, phase or project, newest first."""
    return (
        Approval.objects.for_subject(subject)
        .select_related("approver", "requested_by", "stakeholder")
        .order_by("-requested_at", "-id")
    )


def get_approval(project: Project, pk: Any) -> Approval:
    """An approval of ``project`` (reached through the access door) by id, or 404."""
    return get_object_or_404(_with_subjects(Approval.objects.filter(project=project)), pk=pk)
