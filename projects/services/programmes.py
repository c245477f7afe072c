"""Writes with a rule on programmes: create, edit, members, and which projects belong.

Access is checked at the door (``projects.programmes.get_programme_for(..., manage=True)`` for
every write here); these functions keep the rules that hold whoever calls: a project belongs to
at most one programme and only a manager of both puts it in; a programme keeps a manager;
optimistic concurrency on edits; exchange rates are positive and effective-dated.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from projects.exceptions import StaleEdit
from projects.models import (
    ExchangeRate,
    Membership,
    Programme,
    ProgrammeMembership,
    Project,
    Role,
)
from projects.selectors import colleagues_of
from projects.services.common import save_unique_key

PROGRAMME_EDITABLE_FIELDS = ("name", "key", "description", "currency")
ProgrammeRole = ProgrammeMembership.Role


@transaction.atomic
def programme_create(
    *, by: AbstractBaseUser, name: str, key: str, currency: str = "EUR", description: str = ""
) -> Programme:
    """A new programme; its creator is its first manager."""
    programme = Programme(
        name=name,
        key=(key or "").strip().upper(),
        currency=currency,
        description=description,
        created_by=by,
    )
    programme.full_clean()
    programme._history_user = by
    save_unique_key(programme, "programme")
    membership = ProgrammeMembership(programme=programme, user=by, role=ProgrammeRole.MANAGER)
    membership._history_user = by
    membership.save()
    return programme


@transaction.atomic
def programme_update(
    *, programme: Programme, by: AbstractBaseUser, version: int | None = None, **fields
) -> Programme:
    unknown = set(fields) - set(PROGRAMME_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    current = Programme.objects.select_for_update().get(pk=programme.pk)
    if version is not None and current.version != version:
        raise StaleEdit(
            "Someone else changed this programme since you opened it. Reload it and make your "
            "change again."
        )
    for name, value in fields.items():
        setattr(current, name, value.strip().upper() if name == "key" else value)
    current.full_clean()
    current.version = F("version") + 1
    current._history_user = by
    save_unique_key(current, "programme")
    current.refresh_from_db()
    return current


@transaction.atomic
def programme_delete(*, programme: Programme, by: AbstractBaseUser) -> None:
    """Delete the programme; its projects stay, outside any programme."""
    programme._history_user = by
    programme.delete()


def _is_project_manager(user: AbstractBaseUser, project: Project) -> bool:
    return (
        user.is_superuser
        or Membership.objects.filter(project=project, user=user, role=Role.MANAGER).exists()
    )


@transaction.atomic
def programme_project_add(
    *, programme: Programme, project: Project, by: AbstractBaseUser
) -> Project:
    """Put ``project`` in ``programme``: ``by`` manages both; the project is in no other."""
    if not _is_project_manager(by, project):
        raise PermissionDenied(f"Only a manager of {project.key} may put it in a programme.")
    current = Project.objects.select_for_update().get(pk=project.pk)
    if current.is_closed:
        raise ValidationError(
            {"project": f"{current.key} is closed (read-only): reopen it to move it."}
        )
    if current.programme_id == programme.pk:
        raise ValidationError({"project": f"{current.key} is already in {programme.key}."})
    if current.programme_id is not None:
        raise ValidationError(
            {
                "project": f"{current.key} already belongs to another programme; a project "
                "belongs to at most one. Take it out of that one first."
            }
        )
    current.programme = programme
    current._history_user = by
    current.save(update_fields=["programme", "updated_at"])
    return current


@transaction.atomic
def programme_project_remove(
    *, programme: Programme, project: Project, by: AbstractBaseUser
) -> Project:
    """Take ``project`` out of ``programme`` (a manager of either may)."""
    current = Project.objects.select_for_update().get(pk=project.pk)
    if current.programme_id != programme.pk:
        raise ValidationError({"project": f"{current.key} is not in {programme.key}."})
    current.programme = None
    current._history_user = by
    current.save(update_fields=["programme", "updated_at"])
    return current


def programme_colleagues(user: AbstractBaseUser):
    """Whom a programme manager may add by username: people who share a project or a programme
    with them (anyone else is invited to a project first), so the picker is no directory."""
    shared_programmes = ProgrammeMembership.objects.filter(user=user).values("programme")
    return (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .filter(
            pk__in=colleagues_of(user)
            .values("pk")
            .union(
                ProgrammeMembership.objects.filter(programme__in=shared_programmes).values("user")
            )
        )
    )


@transaction.atomic
def programme_member_add(
    *,
    programme: Programme,
    by: AbstractBaseUser,
    username: str,
    role: str = ProgrammeRole.MEMBER,
) -> ProgrammeMembership:
    if role not in ProgrammeRole.values:
        raise ValidationError({"role": f"“{role}” is not a role; use manager or member."})
    username = (username or "").strip()
    user = programme_colleagues(by).filter(username__iexact=username).first()
    if user is None:
        # The same answer whether or not such a user exists anywhere (no user directory).
        raise ValidationError(
            {
                "username": f"None of the people you work with is “{username}”. Invite them to "
                "a project first."
            }
        )
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    if ProgrammeMembership.objects.filter(programme=programme, user=user).exists():
        raise ValidationError(
            {"username": f"{user.get_username()} is already a member of {programme.key}."}
        )
    membership = ProgrammeMembership(programme=programme, user=user, role=role)
    membership._history_user = by
    membership.save()
    return membership


@transaction.atomic
def programme_member_remove(*, membership: ProgrammeMembership, by: AbstractBaseUser) -> None:
    """Remove a member; the programme always keeps a manager."""
    Programme.objects.select_for_update().filter(pk=membership.programme_id).first()
    if membership.role == ProgrammeRole.MANAGER:
        others = (
            ProgrammeMembership.objects.filter(
                programme_id=membership.programme_id, role=ProgrammeRole.MANAGER
            )
            .exclude(pk=membership.pk)
            .exists()
        )
        if not others:
            raise ValidationError(
                {
                    "role": f"{membership.user.get_username()} is the last manager of this "
                    "programme. Make someone else a manager first."
                }
            )
    membership._history_user = by
    membership.delete()


@transaction.atomic
def exchange_rate_set(
    *,
    by: AbstractBaseUser,
    source: str,
    target: str,
    rate: Decimal,
    effective_from: datetime.date,
) -> ExchangeRate:
    """Enter the rate of a currency pair from a day on (an administrator's job: the admin and
    the API check ``is_staff`` at their doors). The same pair and day again replaces it."""
    existing = ExchangeRate.objects.filter(
        source=source, target=target, effective_from=effective_from
    ).first()
    entry = existing or ExchangeRate(
        source=source, target=target, effective_from=effective_from, created_by=by
    )
    entry.rate = rate
    entry.full_clean()
    entry._history_user = by
    entry.save()
    return entry
