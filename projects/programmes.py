"""Reads of programmes: the door to a programme, and its projects (DESIGN §3's one exception).

``programmes_for(user)`` is the root of every programme query, as ``projects_for`` is of every
project query: a programme someone is not a member of does not exist for them (404).
``programme_projects`` is the second, explicit selector the issue allows: the projects of a
programme whatever the reader's project memberships, for the roll-up only. It carries no
``my_role`` and must never feed a project page or endpoint; those stay behind ``projects_for``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, F, QuerySet, Value
from django.http import Http404

from projects.models import Programme, ProgrammeMembership, Project

Role = ProgrammeMembership.Role


def programmes_for(user: AbstractBaseUser) -> QuerySet[Programme]:
    """The programmes ``user`` is a member of, each annotated with ``my_role``."""
    if not user.is_authenticated:
        return Programme.objects.none()
    if user.is_superuser:
        return Programme.objects.annotate(
            my_role=Value(Role.MANAGER.value, output_field=CharField())
        )
    return Programme.objects.filter(memberships__user=user).annotate(my_role=F("memberships__role"))


def get_programme_for(user: AbstractBaseUser, pk: Any, *, manage: bool = False) -> Programme:
    """The programme ``pk`` if ``user`` is its member (Http404 otherwise, whether or not it
    exists); with ``manage``, PermissionDenied unless they are its manager."""
    try:
        programme = programmes_for(user).get(pk=int(pk))
    except (Programme.DoesNotExist, TypeError, ValueError):
        raise Http404("No such programme.") from None
    if manage and programme.my_role != Role.MANAGER:
        raise PermissionDenied(
            f"Only the managers of {programme.key} may change it; you are a member."
        )
    return programme


def programme_projects(programme: Programme) -> QuerySet[Project]:
    """The programme's projects, for its roll-up (see the module: not a door to them)."""
    return Project.objects.filter(programme=programme).order_by("key")


def programme_members(programme: Programme) -> QuerySet[ProgrammeMembership]:
    return programme.memberships.select_related("user").order_by("user__username")
