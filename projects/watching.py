"""Watching a record: a person follows a task, risk, change request, … and hears of every event
about it (``projects.services.notifications``). Any member may watch what they can read.

The records are those of the registry (``projects.records``), reached through the project that
came through the access door: a record of another project, or of an unknown kind, is 404.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model

from projects.attachments import attached_record
from projects.models import Project
from projects.records import RecordKind
from projects.services import notifications


def watched_record(project: Project, resource: str, record_pk: object) -> tuple[RecordKind, Model]:
    """The record ``record_pk`` of kind ``resource`` in ``project`` (Http404 otherwise)."""
    return attached_record(project, resource, record_pk)


def watch_set(*, project: Project, record: Model, user: AbstractBaseUser, watching: bool) -> bool:
    """Follow (``watching``) or stop following ``record``; whether the person now watches it."""
    if watching:
        notifications.watch(user=user, project=project, target=record)
    else:
        notifications.unwatch(user=user, target=record)
    return watching
