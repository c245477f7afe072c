"""Helpers of the stakeholders services: history, versions, same-project and member checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F, Model

from projects.exceptions import StaleEdit
from projects.models import Membership, Project


def save(instance: Model, by: AbstractBaseUser | None, **clean_kwargs: Any) -> Model:
    instance.full_clean(**clean_kwargs)
    instance._history_user = by
    instance.save()
    return instance


def versioned_update(
    instance: Model,
    *,
    by: AbstractBaseUser,
    version: int | None,
    allowed: Sequence[str],
    changes: dict[str, Any],
) -> Model:
    """Lock the row, refuse a stale ``version``, apply ``changes`` to ``allowed`` fields, save."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({field: "This field cannot be changed here." for field in unknown})
    current = type(instance).objects.select_for_update().get(pk=instance.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    for field, value in changes.items():
        setattr(current, field, value)
    current.full_clean()
    current.version = F("version") + 1
    current._history_user = by
    current.save()
    current.refresh_from_db()
    return current


def refuse_unknown(fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in sorted(unknown)})


def check_member(project: Project, user: AbstractBaseUser | None, field: str) -> None:
    if user is not None and not Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError({field: f"{user.get_username()} is not a member of {project.key}."})


def check_members(project: Project, users: Sequence[AbstractBaseUser], field: str) -> None:
    ids = {u.pk for u in users}
    found = set(
        Membership.objects.filter(project=project, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    strangers = [u.get_username() for u in users if u.pk not in found]
    if strangers:
        raise ValidationError(
            {field: f"Not members of {project.key}: {', '.join(sorted(strangers))}."}
        )


def check_same_project(project: Project, obj: Model | None, field: str) -> None:
    if obj is not None and obj.project_id != project.pk:
        raise ValidationError({field: f"That belongs to another project, not {project.key}."})


def check_all_same_project(project: Project, objs: Sequence[Model], field: str) -> None:
    for obj in objs:
        check_same_project(project, obj, field)


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()
