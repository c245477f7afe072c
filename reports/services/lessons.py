"""Lessons learned: what happened on a project, its impact, and what to do next time (DESIGN §4
"Closure").

Lessons are the one thing a closed project still accepts (DESIGN §3): adding one is allowed
whatever the stage, while editing or removing one is refused on a closed project, like any other
write. Members and managers add lessons; the author or a manager of the project edits or removes
one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from projects.models import Membership, Project, Role
from projects.services.common import locked_current, versioned_update
from reports.models import LessonLearned

LESSON_FIELDS = ("category", "title", "what_happened", "impact", "recommendation", "tags")
REQUIRED_TEXT = {
    "title": "Give the lesson a title.",
    "what_happened": "Say what happened.",
    "recommendation": "Say what to do next time.",
}
MAX_TAGS = 10
MAX_TAG_LENGTH = 30


def normalise_tags(tags: Iterable[str] | str | None) -> list[str]:
    """Tags as stored: lower-case, trimmed, inner spaces collapsed, without repeats, in the order
    given. A string is split on commas (what a person types in a form).

    Raises ValidationError (on ``tags``) for more than MAX_TAGS tags or a tag longer than
    MAX_TAG_LENGTH characters.
    """
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    result: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError({"tags": "Each tag must be a short piece of text."})
        tag = " ".join(tag.replace("\x00", "").split()).lower()
        if not tag or tag in result:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                {
                    "tags": f"“{tag[:MAX_TAG_LENGTH]}…” is too long: a tag has at most "
                    f"{MAX_TAG_LENGTH} characters."
                }
            )
        result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValidationError(
            {"tags": f"Give at most {MAX_TAGS} tags; this lesson has {len(result)}."}
        )
    return result


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Trim the text fields, refuse empty required ones and unknown categories, normalise tags."""
    cleaned = dict(fields)
    errors: dict[str, str] = {}
    for name in ("title", "what_happened", "impact", "recommendation"):
        if name in cleaned:
            value = cleaned[name]
            cleaned[name] = value.strip() if isinstance(value, str) else value
            if name in REQUIRED_TEXT and not cleaned[name]:
                errors[name] = REQUIRED_TEXT[name]
    if "category" in cleaned and cleaned["category"] not in LessonLearned.Category.values:
        errors["category"] = (
            f"“{cleaned['category']}” is not a category; choose one of "
            f"{', '.join(LessonLearned.Category.values)}."
        )
    if errors:
        raise ValidationError(errors)
    if "tags" in cleaned:
        cleaned["tags"] = normalise_tags(cleaned["tags"])
    return cleaned


def may_edit(lesson: LessonLearned, user: AbstractBaseUser) -> bool:
    """The author (still a member) or a manager of the project may change a lesson, while the
    project is open."""
    if lesson.project.is_closed or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    role = (
        Membership.objects.filter(project_id=lesson.project_id, user=user)
        .values_list("role", flat=True)
        .first()
    )
    if role is None or not Role(role).covers(Role.MEMBER):
        return False
    return role == Role.MANAGER or lesson.created_by_id == user.pk


def _check_may_edit(lesson: LessonLearned, by: AbstractBaseUser, verb: str) -> None:
    """Refuse (PermissionDenied) a change on a closed project, or by someone else than the
    author or a manager; ``verb`` is "change" or "remove"."""
    project = lesson.project
    if project.is_closed:
        raise PermissionDenied(
            f"{project.key} is closed: lessons learned can still be added, but not {verb}d."
        )
    if not may_edit(lesson, by):
        raise PermissionDenied(
            f"Only the lesson's author or a manager of {project.key} can {verb} it."
        )


@transaction.atomic
def lesson_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    category: str,
    title: str,
    what_happened: str,
    recommendation: str,
    impact: str = "",
    tags: Iterable[str] | str | None = None,
) -> LessonLearned:
    """Record a lesson learned; allowed on a closed project too (DESIGN §3)."""
    fields = _clean_fields(
        {
            "category": category,
            "title": title,
            "what_happened": what_happened,
            "impact": impact,
            "recommendation": recommendation,
            "tags": tags,
        }
    )
    lesson = LessonLearned(project=project, created_by=by, **fields)
    lesson.full_clean()
    lesson._history_user = by
    lesson.save()
    return lesson


@transaction.atomic
def lesson_update(
    *, lesson: LessonLearned, by: AbstractBaseUser, version: int | None, **changes: Any
) -> LessonLearned:
    """Edit a lesson (its author or a manager, not on a closed project); a stale ``version`` is
    refused with StaleEdit."""
    _check_may_edit(lesson, by, "change")
    return versioned_update(
        lesson, by=by, version=version, allowed=LESSON_FIELDS, changes=_clean_fields(changes)
    )


@transaction.atomic
def lesson_delete(
    *, lesson: LessonLearned, by: AbstractBaseUser, version: int | None = None
) -> None:
    """Remove a lesson (its author or a manager, not on a closed project)."""
    _check_may_edit(lesson, by, "remove")
    current = locked_current(lesson, version)
    current._history_user = by
    current.delete()
