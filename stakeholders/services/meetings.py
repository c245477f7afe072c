"""Meetings, the decision log and action items."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from projects import clock
from projects.events import Due, due_reminders_record, record_assignment
from projects.exceptions import StaleEdit
from projects.models import Project
from stakeholders.models import ActionItem, Decision, Meeting, Stakeholder
from stakeholders.services.common import (
    check_all_same_project,
    check_member,
    check_members,
    check_same_project,
    refuse_unknown,
    save,
    save_versioned,
    versioned_update,
)

MEETING_FIELDS = (*Meeting.INVITATION_FIELDS, "organiser", "minutes")


def _check_times(fields: dict[str, Any]) -> None:
    for name in ("starts_at", "ends_at"):
        value = fields.get(name)
        if not isinstance(value, datetime.datetime):
            continue
        if timezone.is_naive(value):
            raise ValidationError(
                {name: "Give the time with its time zone (the project's, or UTC)."}
            )
        # Shown in the project's time zone (pages, .ics), which overflows near year 1 or 9999.
        if not 1900 <= value.year <= 2200:
            raise ValidationError({name: "Give a time between the years 1900 and 2200."})


def _set_attendees(
    meeting: Meeting,
    stakeholders: Iterable[Stakeholder] | None,
    users: Iterable[AbstractBaseUser] | None,
) -> bool:
    """Replace the attendees given (None leaves a list as it is); True when anything changed."""
    changed = False
    if stakeholders is not None:
        stakeholders = list(stakeholders)
        check_all_same_project(meeting.project, stakeholders, "stakeholders")
        before = set(meeting.stakeholders.values_list("pk", flat=True))
        meeting.stakeholders.set(stakeholders)
        changed |= before != {s.pk for s in stakeholders}
    if users is not None:
        users = list(users)
        check_members(meeting.project, users, "attendees")
        before = set(meeting.attendees.values_list("pk", flat=True))
        meeting.attendees.set(users)
        changed |= before != {u.pk for u in users}
    return changed


@transaction.atomic
def meeting_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    kind: str = Meeting.Kind.OTHER,
    location: str = "",
    agenda: str = "",
    minutes: str = "",
    organiser: AbstractBaseUser | None = None,
    stakeholders: Iterable[Stakeholder] = (),
    attendees: Iterable[AbstractBaseUser] = (),
) -> Meeting:
    """Schedule a meeting; its organiser (the creator unless given) must be a member."""
    _check_times({"starts_at": starts_at, "ends_at": ends_at})
    organiser = organiser or by
    check_member(project, organiser, "organiser")
    meeting = save(
        Meeting(
            project=project,
            kind=kind,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            agenda=agenda,
            minutes=minutes,
            organiser=organiser,
        ),
        by,
    )
    _set_attendees(meeting, stakeholders, attendees)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: AbstractBaseUser,
    version: int | None,
    stakeholders: Iterable[Stakeholder] | None = None,
    attendees: Iterable[AbstractBaseUser] | None = None,
    **changes: Any,
) -> Meeting:
    """Edit a meeting. A change to what the invitation says (time, place, title, agenda,
    attendees) bumps its iCalendar SEQUENCE, so calendars replace the copy they hold."""
    refuse_unknown(changes, MEETING_FIELDS)
    _check_times(changes)
    if "organiser" in changes:
        check_member(meeting.project, changes["organiser"], "organiser")
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    revised = any(
        getattr(current, name) != value
        for name, value in changes.items()
        if name in (*Meeting.INVITATION_FIELDS, "organiser")
    )
    updated = versioned_update(
        current, by=by, version=None, allowed=MEETING_FIELDS, changes=changes
    )
    revised |= _set_attendees(updated, stakeholders, attendees)
    if revised:
        Meeting.objects.filter(pk=updated.pk).update(sequence=F("sequence") + 1)
        updated.refresh_from_db(fields=["sequence"])
    return updated


# --- decision log ---------------------------------------------------------------------------------

DECISION_FIELDS = ("title", "decided_by", "date", "rationale", "meeting")


@transaction.atomic
def decision_record(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    decided_by: str,
    date: datetime.date,
    rationale: str = "",
    meeting: Meeting | None = None,
) -> Decision:
    check_same_project(project, meeting, "meeting")
    return save(
        Decision(
            project=project,
            title=title.strip(),
            decided_by=decided_by.strip(),
            date=date,
            rationale=rationale,
            meeting=meeting,
            recorded_by=by,
        ),
        by,
    )


@transaction.atomic
def decision_update(
    *, decision: Decision, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Decision:
    if "meeting" in changes:
        check_same_project(decision.project, changes["meeting"], "meeting")
    return versioned_update(
        decision, by=by, version=version, allowed=DECISION_FIELDS, changes=changes
    )


# --- action items ---------------------------------------------------------------------------------

ACTION_ITEM_FIELDS = ("title", "owner", "due_date", "notes", "meeting")


@transaction.atomic
def action_item_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    owner: AbstractBaseUser,
    due_date: datetime.date,
    meeting: Meeting | None = None,
    notes: str = "",
) -> ActionItem:
    """Record an action (from a meeting or not); its owner must be a project member."""
    if owner is None:
        raise ValidationError({"owner": "An action needs an owner."})
    check_member(project, owner, "owner")
    check_same_project(project, meeting, "meeting")
    action = save(
        ActionItem(
            project=project,
            title=title.strip(),
            owner=owner,
            due_date=due_date,
            meeting=meeting,
            notes=notes,
        ),
        by,
    )
    record_assignment(
        "action_item", action, project=project, before=None, actor=by, url=_actions_url(project.pk)
    )
    return action


@transaction.atomic
def action_item_update(
    *, action: ActionItem, by: AbstractBaseUser, version: int | None, **changes: Any
) -> ActionItem:
    if "owner" in changes:
        if changes["owner"] is None:
            raise ValidationError({"owner": "An action needs an owner."})
        check_member(action.project, changes["owner"], "owner")
    if "meeting" in changes:
        check_same_project(action.project, changes["meeting"], "meeting")
    before = ActionItem.objects.filter(pk=action.pk).values_list("owner_id", flat=True).first()
    action = versioned_update(
        action, by=by, version=version, allowed=ACTION_ITEM_FIELDS, changes=changes
    )
    record_assignment(
        "action_item",
        action,
        project=action.project_id,
        before=before,
        actor=by,
        url=_actions_url(action.project_id),
    )
    return action


def _actions_url(project_id: int) -> str:
    return reverse("stakeholders:actions", kwargs={"pk": project_id})


def action_item_due_reminders_record() -> int:
    """Record ``action_item.due`` for every open action item due tomorrow or overdue since
    yesterday in its project's time zone; how many were recorded."""
    today = clock.today(datetime.UTC)
    rows = (
        ActionItem.objects.filter(
            status=ActionItem.Status.OPEN,
            owner__isnull=False,
            due_date__range=(
                today - datetime.timedelta(days=2),
                today + datetime.timedelta(days=2),
            ),
        )
        .exclude(project__stage=Project.Stage.CLOSED)
        .select_related("project")
    )
    return due_reminders_record(
        "action_item",
        (
            Due(
                target=action,
                project_id=action.project_id,
                time_zone=action.project.time_zone,
                assignee=action.owner_id,
                due=action.due_date,
                url=_actions_url(action.project_id),
            )
            for action in rows
        ),
    )


@transaction.atomic
def action_item_set_status(*, action: ActionItem, by: AbstractBaseUser, status: str) -> ActionItem:
    """Mark an action done (recording when) or open it again."""
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": f"“{status}” is not an action status; use open or done."})
    current = ActionItem.objects.select_for_update().get(pk=action.pk)
    if current.status == status:
        return current
    current.status = status
    current.done_at = timezone.now() if status == ActionItem.Status.DONE else None
    return save_versioned(current, by, clean=False)
