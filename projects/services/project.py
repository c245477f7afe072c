"""Writes with a rule: creating and editing projects, and managing who is in them.

Every face (pages, API, tasks) calls these, so they cannot disagree. Access (who may call) is
checked at the door, ``projects.selectors.get_project_for``; these functions enforce the rules
that hold whoever calls: validation, the last-manager rule, optimistic concurrency.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet

from projects import events, sso
from projects.exceptions import StaleEdit
from projects.models import Membership, Project, Role
from projects.models.project import DEFAULT_PRIORITY
from projects.selectors import colleagues_of
from projects.services.common import save_unique_key

# Fields a manager may change after creation. ``key`` is included: it is unique and validated.
PROJECT_EDITABLE_FIELDS = (
    "name",
    "key",
    "description",
    "type",
    "methodology",
    "stage",
    "sponsor",
    "start_date",
    "target_finish",
    "currency",
    "time_zone",
    "report_weekday",
    "report_hour",
    "priority",
)


def _full_clean(instance: Any, **kwargs: Any) -> None:
    """``full_clean`` that also upper-cases keys first (clean() runs after field validation)."""
    if isinstance(instance, Project) and instance.key:
        instance.key = instance.key.strip().upper()
    instance.full_clean(**kwargs)


@transaction.atomic
def project_create(
    *,
    by: AbstractBaseUser,
    name: str,
    key: str,
    start_date: datetime.date,
    target_finish: datetime.date,
    type: str = Project.Type.SOFTWARE,
    methodology: str = Project.Methodology.HYBRID,
    stage: str = Project.Stage.INITIATING,
    description: str = "",
    sponsor: str = "",
    currency: str = "EUR",
    time_zone: str = "Europe/London",
    report_weekday: int = Project.Weekday.FRIDAY,
    report_hour: int = 9,
    priority: int = DEFAULT_PRIORITY,
) -> Project:
    """Create a project; its creator becomes its manager."""
    project = Project(
        name=name,
        key=key,
        start_date=start_date,
        target_finish=target_finish,
        type=type,
        methodology=methodology,
        stage=stage,
        description=description,
        sponsor=sponsor,
        currency=currency,
        time_zone=time_zone,
        report_weekday=report_weekday,
        report_hour=report_hour,
        priority=priority,
        created_by=by,
    )
    _full_clean(project)
    project._history_user = by
    save_unique_key(project, "project")
    membership = Membership(project=project, user=by, role=Role.MANAGER)
    membership._history_user = by
    membership.save()
    project.my_role = Role.MANAGER.value
    return project


def _check_stage_change(current: Project, stage: str) -> None:
    """Closing and reopening are not edits (DESIGN §3, §4 "Closure"): a project closes when its
    sponsor signs the closure off, and a manager reopens it with a reason, both on its Closure
    page, so that the sign-off and the reason are on record."""
    if stage == current.stage:
        return
    if stage == Project.Stage.CLOSED:
        raise ValidationError(
            {
                "stage": "A project closes when its sponsor signs off the closure report; "
                "start the closure on the project's Closure page."
            }
        )
    if current.stage == Project.Stage.CLOSED:
        raise ValidationError(
            {
                "stage": f"{current.key} is closed; a manager reopens it on its Closure page "
                "(or POST …/closure/reopen/), giving a reason."
            }
        )


@transaction.atomic
def project_update(
    *, project: Project, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Project:
    """Apply ``changes`` to ``project`` if nobody else changed it since ``version`` was read.

    ``version=None`` skips the check (an API client that did not read first); pages always send it.
    """
    unknown = set(changes) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in unknown})
    # The lock queues concurrent edits of one project instead of letting them interleave.
    current = Project.objects.select_for_update().get(pk=project.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    _check_stage_change(current, changes.get("stage", current.stage))
    target_before = current.target_finish
    for field, value in changes.items():
        setattr(current, field, value)
    _full_clean(current)
    current.version = F("version") + 1
    current._history_user = by
    save_unique_key(current, "project")
    current.refresh_from_db()
    if current.target_finish != target_before:
        # The forecast's chance of the target measures the old date until it runs again.
        events.record_event(
            "project.target_changed",
            project=current,
            target=current,
            actor=by,
            data={"from": target_before.isoformat(), "to": current.target_finish.isoformat()},
        )
    current.my_role = getattr(project, "my_role", None)
    return current


def _find_user(identifier: str, *, among: QuerySet) -> AbstractBaseUser:
    identifier = identifier.strip()
    users = list(among.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))[:2])
    if not users:
        raise ValidationError(
            {
                "user": f"None of the people you work with has the username or e-mail address "
                f"“{identifier}”. To add someone new, invite them by e-mail."
            }
        )
    if len(users) > 1:
        raise ValidationError(
            {"user": f"More than one user has the e-mail address “{identifier}”; use a username."}
        )
    return users[0]


@transaction.atomic
def membership_add(
    *,
    project: Project,
    by: AbstractBaseUser,
    user: AbstractBaseUser | None = None,
    identifier: str = "",
    role: str | None = None,
) -> Membership:
    """Add an existing user (given, or found by username or e-mail among ``by``'s colleagues)
    to the project. Without a role, they get their default one: the role their single sign-on
    groups map to (``projects.sso.default_role``), else member."""
    if user is None:
        user = _find_user(identifier, among=colleagues_of(by))
    if not role:
        role = sso.default_role(user) or Role.MEMBER
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role; use manager, member or viewer."})
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError(
            {"user": f"{user.get_username()} is already a member of {project.key}."}
        )
    membership = Membership(project=project, user=user, role=role)
    membership._history_user = by
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:  # a concurrent add of the same person won the race
        raise ValidationError(
            {"user": f"{user.get_username()} is already a member of {project.key}."}
        ) from None
    return membership


def _ensure_another_manager(membership: Membership) -> None:
    others = (
        Membership.objects.filter(project_id=membership.project_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise ValidationError(
            {
                "role": f"{membership.user.get_username()} is the last manager of this project. "
                "Make someone else a manager first."
            }
        )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, by: AbstractBaseUser, role: str
) -> Membership:
    """Change a member's role; the project always keeps at least one manager."""
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role; use manager, member or viewer."})
    # Lock the project so two managers demoting each other at once cannot leave it with none.
    Project.objects.select_for_update().filter(pk=membership.project_id).first()
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.MANAGER:
        _ensure_another_manager(membership)
    membership.role = role
    membership._history_user = by
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: AbstractBaseUser) -> None:
    """Remove someone from the project; the last manager cannot be removed."""
    Project.objects.select_for_update().filter(pk=membership.project_id).first()
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    if membership.role == Role.MANAGER:
        _ensure_another_manager(membership)
    membership._history_user = by
    membership.delete()
