"""Helpers of the stakeholders services: history, versions, same-project and member checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Model

from projects.models import Membership, Project
from projects.services.common import check_member as check_member
from projects.services.common import check_same_project as check_same_project
from projects.services.common import save as save
from projects.services.common import save_versioned as save_versioned
from projects.services.common import versioned_update as versioned_update


def refuse_unknown(fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in sorted(unknown)})


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


def check_all_same_project(project: Project, objs: Sequence[Model], field: str) -> None:
    for obj in objs:
        check_same_project(project, obj, field)


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()
