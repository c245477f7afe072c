"""Reads of project data, all scoped to a user: the only doors to a project (DESIGN §3).

Every query for project data in every app starts from ``projects_for(user)`` or
``get_project_for(user, pk, need=...)``. A project the user is not a member of does not exist for
them (404); a role too low for the action is refused (403).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.http import Http404

from projects.models import (
    ChangeRequest,
    Deliverable,
    Membership,
    Project,
    ProjectQuerySet,
    ProjectTemplate,
    Requirement,
    Role,
    WorkPackage,
)

User = AbstractBaseUser | AnonymousUser


def projects_for(user: User) -> ProjectQuerySet:
    """The projects ``user`` may see, each annotated with ``my_role``."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.annotate(my_role=Value(Role.MANAGER.value, output_field=CharField()))
    # A join on the membership (one row per project and user), not a subquery per project:
    # the database starts from the user's memberships, so the cost follows what the user sees,
    # not the number of projects in the installation.
    return Project.objects.filter(memberships__user=user).annotate(my_role=F("memberships__role"))


def templates_for(user: User):
    """The project templates ``user`` may read and start from: the published ones and their
    own (a saved template holds its project's scope); superusers see every one."""
    if not user.is_authenticated:
        return ProjectTemplate.objects.none()
    if user.is_superuser:
        return ProjectTemplate.objects.all()
    return ProjectTemplate.objects.filter(Q(is_published=True) | Q(created_by=user))


def get_project_for(
    user: User, pk: Any, *, need: Role = Role.VIEWER, allow_closed: bool = False
) -> Project:
    """The project ``pk`` if ``user`` holds at least the role ``need`` in it.

    Raises Http404 when the project does not exist *or the user is not a member* (so ids of other
    people's projects reveal nothing), and PermissionDenied when the role is too low, or when the
    action writes to a closed project (closed projects are read-only, DESIGN §3).
    """
    try:
        project = projects_for(user).get(pk=int(pk))
    except (Project.DoesNotExist, TypeError, ValueError):
        raise Http404("No such project.") from None
    require_role(project, need, allow_closed=allow_closed)
    return project


def require_role(project: Project, need: Role, *, allow_closed: bool = False) -> None:
    """Raise PermissionDenied, with the reason a person reads, unless the role the door read
    into ``project.my_role`` covers ``need`` (and, for a write, the project is not closed)."""
    if not Role(project.my_role).covers(need):
        raise PermissionDenied(
            f"You need the {Role(need).label.lower()} role in {project.key} to do this; "
            f"you are a {Role(project.my_role).label.lower()}."
        )
    if need != Role.VIEWER and project.is_closed and not allow_closed:
        raise PermissionDenied(f"{project.key} is closed and read-only.")


def portfolio_for(
    user: User,
    *,
    search: str = "",
    type: str = "",
    methodology: str = "",
    stage: str = "",
    ordering: str = "key",
) -> ProjectQuerySet:
    """The portfolio list: my projects, filtered, with their managers' names in one query each."""
    qs = projects_for(user).search(search)
    if type:
        qs = qs.filter(type=type)
    if methodology:
        qs = qs.filter(methodology=methodology)
    if stage:
        qs = qs.filter(stage=stage)
    return qs.annotate(member_count=Count("memberships", distinct=True)).order_by(ordering, "key")


def managers_by_project(project_ids: list[int]) -> dict[int, list[str]]:
    """Display names of each project's managers, for a list of projects, in one query."""
    rows = (
        Membership.objects.filter(project_id__in=project_ids, role=Role.MANAGER)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    result: dict[int, list[str]] = {pk: [] for pk in project_ids}
    for row in rows:
        result[row.project_id].append(row.user.get_full_name() or row.user.get_username())
    return result


def members_of(project: Project):
    """The project's memberships with their users, managers first."""
    return (
        Membership.objects.filter(project=project)
        .select_related("user")
        .annotate(
            role_rank=Case(
                When(role=Role.MANAGER, then=0), When(role=Role.MEMBER, then=1), default=2
            )
        )
        .order_by("role_rank", "user__first_name", "user__username")
    )


# --- scope ----------------------------------------------------------------------------------------


def change_log_totals(project: Project) -> dict[str, Decimal | int]:
    """Approved (or implemented) schedule and cost impact, and counts by status, in one query."""
    approved = Q(status__in=[ChangeRequest.Status.APPROVED, ChangeRequest.Status.IMPLEMENTED])
    return ChangeRequest.objects.filter(project=project).aggregate(
        schedule=Sum("schedule_impact", filter=approved, default=0),
        cost=Sum("cost_impact", filter=approved, default=Decimal("0.00")),
        pending=Count("id", filter=Q(status=ChangeRequest.Status.SUBMITTED)),
        approved=Count("id", filter=approved),
        total=Count("id"),
    )


def wbs_of(project: Project):
    """The whole WBS in reading order (one query), owners joined, each with its ``depth``."""
    return WorkPackage.objects.filter(project=project).select_related("owner").order_by("sort_key")


def deliverables_of(project: Project):
    """Deliverables with their criteria, owner and work package, for lists (three queries)."""
    return (
        Deliverable.objects.filter(project=project)
        .select_related("owner", "work_package", "decided_by")
        .prefetch_related("criteria")
        .order_by("due_date", "id")
    )


def requirements_of(project: Project):
    """Requirements with the deliverables they trace to (two queries)."""
    return (
        Requirement.objects.filter(project=project)
        .prefetch_related(Prefetch("deliverables", queryset=Deliverable.objects.order_by("id")))
        .order_by("ref")
    )


def traceability(project: Project) -> dict:
    """Requirements × deliverables: the matrix rows, columns, and what traces to nothing."""
    requirements = list(requirements_of(project))
    deliverables = list(Deliverable.objects.filter(project=project).order_by("due_date", "id"))
    traced_deliverables: set[int] = set()
    rows = []
    for requirement in requirements:
        linked = {d.pk for d in requirement.deliverables.all()}
        traced_deliverables |= linked
        rows.append(
            {
                "requirement": requirement,
                "cells": [d.pk in linked for d in deliverables],
                "untraced": not linked and requirement.status != Requirement.Status.DROPPED,
            }
        )
    return {
        "deliverables": deliverables,
        "rows": rows,
        "untraced_requirements": [r["requirement"] for r in rows if r["untraced"]],
        "deliverables_without_requirements": [
            d for d in deliverables if d.pk not in traced_deliverables
        ],
    }


def colleagues_of(user: AbstractBaseUser) -> QuerySet:
    """Active people who share a project with ``user``: whom a manager may add by username or
    e-mail. Anyone else is invited by e-mail, so the member picker is no user directory."""
    return (
        get_user_model()
        ._default_manager.filter(
            is_active=True,
            memberships__project__in=Membership.objects.filter(user=user).values("project"),
        )
        .distinct()
    )


def sign_in_log_for(user: AbstractBaseUser) -> QuerySet:
    """The person's sign-ins, failed tries and lockouts (django-axes' logs), newest first: rows
    of ``kind`` (``signed_in``, ``failed``, ``locked_out``), ``attempt_time``, ``ip_address`` and
    ``user_agent``. Axes logs a try under the account it names (projects.lockout.username_for),
    so these are the tries at this account, whoever made them."""
    columns = ("kind", "attempt_time", "ip_address", "user_agent")
    username = user.get_username()
    sign_ins = (
        AccessLog.objects.filter(username=username)
        .annotate(kind=Value("signed_in", output_field=CharField()))
        .values_list(*columns)
    )
    failures = (
        AccessFailureLog.objects.filter(username=username)
        .annotate(
            kind=Case(
                When(locked_out=True, then=Value("locked_out")),
                default=Value("failed"),
                output_field=CharField(),
            )
        )
        .values_list(*columns)
    )
    return sign_ins.union(failures, all=True).order_by("-attempt_time")
