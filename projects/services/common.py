"""Checks and write steps every app's services share (projects is the ground floor, so every
app may import them): the project lock, same-project and membership checks, versioned edits."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model

from projects.exceptions import StaleEdit
from projects.models import Membership, Project, Role


def lock_project(project: Project) -> Project:
    """Take the project row lock: edits of one project that renumber, number or reschedule its
    records queue behind each other instead of interleaving (DESIGN §4)."""
    return Project.objects.select_for_update().get(pk=project.pk)


def check_member(project: Project, user: AbstractBaseUser | None, field: str) -> None:
    """Refuse (on ``field``) a person who is not a member of the project."""
    if user is not None and not Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError({field: f"{user.get_username()} is not a member of {project.key}."})


def check_manager(project: Project, user: AbstractBaseUser | None, action: str) -> None:
    """Refuse (PermissionDenied) anyone but a manager of the project or a superuser; ``None`` is
    the system itself (a scheduled task). ``action`` completes "Only a manager of KEY can …"."""
    if user is None or user.is_superuser:
        return
    if not Membership.objects.filter(project=project, user=user, role=Role.MANAGER).exists():
        raise PermissionDenied(f"Only a manager of {project.key} can {action}.")


def check_not_after_today(
    project: Project, day: datetime.date | None, field: str, what: str
) -> None:
    """Refuse (on ``field``) a date after today in the project's time zone for something that
    has happened (an actual start or finish, hours worked, money spent): a future one would
    count as done work or spent money in earned value before it exists. Plans and commitments
    may be dated in the future; they do not go through this check."""
    if day is None:
        return
    today = project.today()
    if day > today:
        raise ValidationError(
            {
                field: f"{what} cannot be after today ({today:%-d %b %Y} in "
                f"{project.time_zone}): record it once it has happened."
            }
        )


def check_same_project(project: Project, obj: Model | None, field: str) -> None:
    """Refuse (on ``field``) a reference to another project's record, e.g. an id smuggled into
    a form or an API body."""
    if obj is not None and obj.project_id != project.pk:
        raise ValidationError({field: f"That belongs to another project, not {project.key}."})


def locked_current(instance: Model, version: int | None) -> Model:
    """The row, locked for the edit; a stale ``version`` is refused with StaleEdit (DESIGN §3),
    ``None`` skips the check (a client that did not read first)."""
    current = type(instance).objects.select_for_update().get(pk=instance.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    return current


def save(instance: Model, by: AbstractBaseUser | None, **clean_kwargs: Any) -> Model:
    """Validate (``clean_kwargs`` go to ``full_clean``) and save with ``by`` as the history's
    author; ``None`` is the system itself."""
    instance.full_clean(**clean_kwargs)
    instance._history_user = by
    instance.save()
    return instance


def save_versioned(current: Model, by: AbstractBaseUser, *, clean: bool = True) -> Model:
    """Validate (unless ``clean`` is False: a lifecycle step that sets only its own status
    fields), bump the version, save with ``by`` as the history's author, and re-read."""
    if clean:
        current.full_clean()
    current.version = F("version") + 1
    current._history_user = by
    current.save()
    current.refresh_from_db()
    return current


def versioned_update(
    instance: Model,
    *,
    by: AbstractBaseUser,
    version: int | None,
    allowed: Sequence[str],
    changes: dict[str, Any],
) -> Model:
    """Lock the row, refuse a stale ``version``, apply ``changes`` to ``allowed`` fields, save
    with history (the common case of ``locked_current`` + ``save_versioned``)."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({field: "This field cannot be changed here." for field in unknown})
    current = locked_current(instance, version)
    for field, value in changes.items():
        setattr(current, field, value)
    return save_versioned(current, by)


def save_unique_key(instance: Model, what: str) -> None:
    """Save a record whose ``key`` is unique (a project, a programme): a key taken by a
    concurrent request after ``full_clean()`` checked it is the same error ``full_clean()``
    gives ("Another project already uses the key …"), not a database error."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        taken = type(instance)._default_manager.filter(key=instance.key).exclude(pk=instance.pk)
        if taken.exists():
            raise ValidationError(
                {"key": f"Another {what} already uses the key {instance.key}."}
            ) from None
        raise
