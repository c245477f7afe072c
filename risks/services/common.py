"""Helpers of the risks services: history, versions, same-project and member checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Max, Model, QuerySet

from projects.services.common import check_member as check_member
from projects.services.common import check_same_project as check_same_project
from projects.services.common import lock_project as lock_project
from projects.services.common import locked_current as locked_current
from projects.services.common import save_versioned as save_versioned


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
