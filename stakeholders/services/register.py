"""The stakeholder register and the communication plan."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import Project
from stakeholders.models import CommunicationPlanItem, Engagement, RaciEntry, Stakeholder
from stakeholders.services.common import (
    check_all_same_project,
    check_member,
    refuse_unknown,
    save,
    versioned_update,
)
from stakeholders.services.raci import lock_row, party_name, row_entries, row_problem

STAKEHOLDER_FIELDS = (
    "name",
    "organisation",
    "title",
    "email",
    "kind",
    "user",
    "power",
    "interest",
    "engagement_current",
    "engagement_desired",
    "communication_needs",
    "notes",
)


def _save_unique_user(stakeholder: Stakeholder, by: AbstractBaseUser) -> Stakeholder:
    """Save; a user linked twice by concurrent requests is the same error full_clean() gives."""
    stakeholder._history_user = by
    try:
        with transaction.atomic():
            stakeholder.save()
    except IntegrityError:
        if (
            stakeholder.user_id
            and Stakeholder.objects.filter(project_id=stakeholder.project_id, user=stakeholder.user)
            .exclude(pk=stakeholder.pk)
            .exists()
        ):
            raise ValidationError(
                {"user": "This user already has a stakeholder record here."}
            ) from None
        raise
    return stakeholder


@transaction.atomic
def stakeholder_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    name: str,
    organisation: str = "",
    title: str = "",
    email: str = "",
    kind: str = Stakeholder.Kind.INTERNAL,
    user: AbstractBaseUser | None = None,
    power: int = 3,
    interest: int = 3,
    engagement_current: str = Engagement.NEUTRAL,
    engagement_desired: str = Engagement.SUPPORTIVE,
    communication_needs: str = "",
    notes: str = "",
) -> Stakeholder:
    """Add someone to the register. A linked user needs no membership: many stakeholders only
    read reports; approving asks for membership (see ``approval_request``)."""
    if user is not None and not email:
        email = user.email
    stakeholder = Stakeholder(
        project=project,
        name=name.strip(),
        organisation=organisation.strip(),
        title=title.strip(),
        email=email.strip(),
        kind=kind,
        user=user,
        power=power,
        interest=interest,
        engagement_current=engagement_current,
        engagement_desired=engagement_desired,
        communication_needs=communication_needs,
        notes=notes,
    )
    stakeholder.full_clean()
    return _save_unique_user(stakeholder, by)


@transaction.atomic
def stakeholder_update(
    *, stakeholder: Stakeholder, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Stakeholder:
    return versioned_update(
        stakeholder, by=by, version=version, allowed=STAKEHOLDER_FIELDS, changes=changes
    )


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder, by: AbstractBaseUser) -> None:
    """Remove someone from the register, unless a RACI row would lose its only A or only R."""
    key = ("s", stakeholder.pk)
    entries = RaciEntry.objects.filter(stakeholder=stakeholder).select_related(
        "deliverable", "work_package"
    )
    for entry in entries:
        row = lock_row(entry.row)
        cells = row_entries(row)
        names = {k: party_name(e.party) for k, e in cells.items()}
        remaining = {k: e.role for k, e in cells.items() if k != key}
        if problem := row_problem(row, remaining, names):
            raise ValidationError(
                f"{stakeholder.name} cannot be removed: without them, {problem[0].lower()}"
                f"{problem[1:]} Give their role to someone else first."
            )
    stakeholder._history_user = by
    stakeholder.delete()


# --- communication plan ---------------------------------------------------------------------------

COMMUNICATION_FIELDS = ("kind", "title", "frequency", "channel", "owner", "next_due", "notes")


def _set_audience(
    item: CommunicationPlanItem, audience: Iterable[Stakeholder] | None
) -> CommunicationPlanItem:
    if audience is None:
        return item
    audience = list(audience)
    check_all_same_project(item.project, audience, "audience")
    item.audience.set(audience)
    return item


@transaction.atomic
def communication_item_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    kind: str = CommunicationPlanItem.Kind.CUSTOM,
    frequency: str = CommunicationPlanItem.Frequency.WEEKLY,
    channel: str = CommunicationPlanItem.Channel.EMAIL,
    audience: Iterable[Stakeholder] = (),
    owner: AbstractBaseUser | None = None,
    next_due: datetime.date | None = None,
    notes: str = "",
) -> CommunicationPlanItem:
    check_member(project, owner, "owner")
    item = save(
        CommunicationPlanItem(
            project=project,
            kind=kind,
            title=title.strip(),
            frequency=frequency,
            channel=channel,
            owner=owner,
            next_due=next_due,
            notes=notes,
        ),
        by,
    )
    return _set_audience(item, audience)


@transaction.atomic
def communication_item_update(
    *,
    item: CommunicationPlanItem,
    by: AbstractBaseUser,
    version: int | None,
    audience: Iterable[Stakeholder] | None = None,
    **changes: Any,
) -> CommunicationPlanItem:
    refuse_unknown(changes, COMMUNICATION_FIELDS)
    if "owner" in changes:
        check_member(item.project, changes["owner"], "owner")
    updated = versioned_update(
        item, by=by, version=version, allowed=COMMUNICATION_FIELDS, changes=changes
    )
    return _set_audience(updated, audience)


@transaction.atomic
def communication_item_delete(*, item: CommunicationPlanItem, by: AbstractBaseUser) -> None:
    item._history_user = by
    item.delete()
