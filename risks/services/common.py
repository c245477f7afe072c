"""Helpers of the risks services: history, versions, same-project and member checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F, Max, Model, QuerySet

from projects.exceptions import StaleEdit
from projects.services.common import check_member as check_member
from projects.services.common import check_same_project as check_same_project
from projects.services.common import lock_project as lock_project


def next_number(rows: QuerySet) -> int:
    return (rows.aggregate(m=Max("number"))["m"] or 0) + 1


def refuse_unknown(fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            {field: "This field cannot be set here." for field in sorted(unknown)}
        )


def save(instance: Model, by: AbstractBaseUser | None) -> Model:
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


def locked_current(instance: Model, version: int | None) -> Model:
    """The row, locked; a stale ``version`` is refused (DESIGN §3)."""
    current = type(instance).objects.select_for_update().get(pk=instance.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    return current


def save_version(current: Model, by: AbstractBaseUser) -> Model:
    current.full_clean()
    current.version = F("version") + 1
    current._history_user = by
    current.save()
    current.refresh_from_db()
    return current
