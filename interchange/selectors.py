"""Reads of the interchange app."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from interchange.models import CalendarFeed, Import
from projects.models import Membership, Project, ProjectQuerySet
from projects.selectors import projects_for
from scheduling.models import GateReview, Phase, Task
from stakeholders.models import ActionItem, Meeting


def imports_for(user) -> QuerySet[Import]:
    """The imports ``user`` uploaded: nobody else's exists for them."""
    return Import.objects.of(user).select_related("project")


# --- calendar feeds ---------------------------------------------------------------------------


def calendar_feed_of(user: AbstractBaseUser) -> CalendarFeed | None:
    """``user``'s active calendar feed, if they made one."""
    return CalendarFeed.objects.active().filter(user=user).first()


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed whose secret is ``token``, with its (active) user; None for anything
    else. Looked up by the secret's digest: the database compares hashes, never the secret, so
    the time it takes tells nothing about how close a guess came."""
    if not CalendarFeed.is_well_formed(token):
        return None
    return (
        CalendarFeed.objects.active()
        .filter(token_hash=CalendarFeed.digest(token), user__is_active=True)
        .select_related("user")
        .first()
    )


def feed_projects(user: AbstractBaseUser) -> ProjectQuerySet:
    """The projects ``user``'s feeds carry: through the access door, and only those they are a
    member of (a superuser sees every project, but their calendar carries their own). Read at
    every fetch, so a member who is removed stops receiving the project at the next refresh."""
    mine = Membership.objects.filter(user=user).values("project_id")
    return projects_for(user).filter(pk__in=mine)


def feed_tasks(
    user: AbstractBaseUser, projects: QuerySet[Project], *, since: datetime.date
) -> QuerySet[Task]:
    """In ``projects``: the scheduled tasks ``user`` owns and every milestone, finishing on or
    after ``since``, each with its project, in one query."""
    return (
        Task.objects.filter(project__in=projects.values("pk"), finish_date__gte=since)
        .filter(Q(owner=user) | Q(duration=0))
        .select_related("project")
        .only(
            "ref",
            "name",
            "duration",
            "status",
            "percent_complete",
            "start_date",
            "finish_date",
            "updated_at",
            "project__key",
            "project__name",
        )
        .order_by("start_date", "pk")
    )


def feed_meetings(projects: QuerySet[Project], *, since: datetime.datetime) -> QuerySet[Meeting]:
    """The meetings of ``projects`` ending on or after ``since``, each with its project."""
    return (
        Meeting.objects.filter(project__in=projects.values("pk"), ends_at__gte=since)
        .select_related("project")
        .only(
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "updated_at",
            "project__key",
            "project__name",
            "project__time_zone",
        )
        .order_by("starts_at", "pk")
    )


def feed_action_items(user: AbstractBaseUser, projects: QuerySet[Project]) -> QuerySet[ActionItem]:
    """The open action items of ``projects`` that ``user`` owns, however long overdue."""
    return (
        ActionItem.objects.filter(project__in=projects.values("pk"))
        .owned_by(user)
        .open()
        .select_related("project")
        .only("title", "due_date", "created_at", "project__key", "project__name")
        .order_by("due_date", "pk")
    )


def feed_milestones(project: Project, *, since: datetime.date) -> QuerySet[Task]:
    """The project's scheduled milestones on or after ``since``."""
    return Task.objects.filter(project=project, duration=0, finish_date__gte=since).order_by(
        "start_date", "pk"
    )


def feed_phases(project: Project, *, since: datetime.date) -> QuerySet[Phase]:
    """The project's phases whose gate (their planned finish) is on or after ``since``."""
    return Phase.objects.filter(project=project, planned_finish__gte=since).order_by(
        "planned_finish", "pk"
    )


def feed_gate_reviews(project: Project, *, since: datetime.date) -> QuerySet[GateReview]:
    """The gate decisions recorded in the project on or after ``since``, with their phase."""
    return (
        GateReview.objects.filter(phase__project=project, date__gte=since)
        .select_related("phase")
        .order_by("date", "pk")
    )
