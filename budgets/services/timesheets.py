"""A person's week submitted for approval, approved hours, locks and the missing-week reminder.

Which hours count in labour actual cost
---------------------------------------
An entry counts in AC once it is **approved** (``TimeEntry.approved``; existing entries were
migrated as approved, so no figure moved). It is approved

- on write, when it is logged outside the timesheet by a **manager** of the project (the API,
  imports, integrations with a manager's token: the manager is the project's approver), or for
  a resource with **no Charter account** (nobody could ever submit their week);
- otherwise when the person's week is approved **for that project**: the person logs hours (on
  the timesheet page, or through the API as a member), submits the week, and each project's
  manager approves that project's part. Hours logged by the person themselves on the timesheet
  page always wait for approval, even a manager's on their own project.

Example: Ana (rate 50 /h) logs 30 h on ALPHA and 10 h on BETA and submits the week; ALPHA's
manager approves, BETA's returns it: ALPHA's AC gains 30 × 50 = 1,500.00, BETA's nothing until
Ana resubmits and BETA's manager approves.

Submitting and deciding
-----------------------
``timesheet_submit`` splits the week by project (a ``TimesheetPart`` each, with the hours) and
asks every manager of that project (through ``stakeholders``' approvals: the approval e-mail,
notification and API are theirs) to approve that part only, so a manager sees nothing of the
person's other projects. The first manager's decision settles the part (the other managers'
requests are withdrawn). Approved: the part's entries are approved and locked. Returned (a
reason is required): that part is editable again; parts already approved stay approved and
locked. The week is approved once every part is. A project with no other manager than the
person is approved at once on submit (there is nobody else to ask); a closed project's hours are
left out (it is read-only, its cost final).

Locks
-----
An entry in a part that waits for approval or is approved is locked: ``time_entry_log`` and
``time_entry_delete`` refuse it (400 in the API, the cell read-only on the page). Non-project
time is locked while the week is submitted or approved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from budgets.models import NonProjectTime, Resource, TimeEntry, TimesheetPart, TimesheetWeek
from projects import clock
from projects.events import build_event, record_events
from projects.models import Membership, Project, Role
from projects.models.event import Profile
from projects.services.notifications import zone_of
from stakeholders.models import Approval
from stakeholders.services import approval_request
from stakeholders.services.common import display_name

LOCKED_PARTS = (TimesheetPart.Status.PENDING, TimesheetPart.Status.APPROVED)
OPEN_WEEKS = (TimesheetWeek.Status.DRAFT, TimesheetWeek.Status.RETURNED)
REMINDER_HOUR = 9  # Monday 09:00 in the person's time zone, for the week before


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_label(start: datetime.date) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def is_manager(user: AbstractBaseUser, project_id: int) -> bool:
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        project_id=project_id, user_id=user.pk, role=Role.MANAGER
    ).exists()


def approved_on_write(*, resource: Resource, project_id: int, by: AbstractBaseUser) -> bool:
    """Whether hours logged outside the timesheet count in actual cost at once (the module's
    rule): a resource without an account, or a manager of the project logging them."""
    return resource.user_id is None or is_manager(by, project_id)


def entry_lock_reason(*, resource: Resource, project_id: int, day: datetime.date) -> str:
    """Why hours of ``resource`` on ``day`` in the project may not change, or "": the person's
    week is submitted (waiting) or approved for that project."""
    if resource.user_id is None:
        return ""
    start = monday_of(day)
    part = (
        TimesheetPart.objects.filter(
            week__user_id=resource.user_id,
            week__start=start,
            project_id=project_id,
            status__in=LOCKED_PARTS,
        )
        .only("status")
        .first()
    )
    if part is None:
        return ""
    state = "approved" if part.status == TimesheetPart.Status.APPROVED else "waiting for approval"
    return (
        f"{resource}'s timesheet for {week_label(start)} is {state} on this project; its hours "
        "are locked."
    )


def check_entry_unlocked(*, resource: Resource, project_id: int, day: datetime.date) -> None:
    if reason := entry_lock_reason(resource=resource, project_id=project_id, day=day):
        raise ValidationError({"date": reason})


def week_of(user: AbstractBaseUser, start: datetime.date) -> TimesheetWeek | None:
    return TimesheetWeek.objects.filter(user_id=user.pk, start=start).first()


def non_project_locked(week: TimesheetWeek | None) -> bool:
    return week is not None and week.status not in OPEN_WEEKS


# --- submit -------------------------------------------------------------------------------------


def part_label(part: TimesheetPart) -> str:
    return f"timesheet of {display_name(part.week.user)}, week {part.week.label}"


def part_path(part: TimesheetPart) -> str:
    return reverse("budgets:timesheet_part", kwargs={"pk": part.project_id, "part_pk": part.pk})


def _settle(week: TimesheetWeek) -> TimesheetWeek:
    """The week's status from its parts: returned if any part is, else submitted while any waits,
    else approved."""
    statuses = set(week.parts.values_list("status", flat=True))
    if TimesheetPart.Status.RETURNED in statuses:
        week.status = TimesheetWeek.Status.RETURNED
    elif TimesheetPart.Status.PENDING in statuses:
        week.status = TimesheetWeek.Status.SUBMITTED
    else:
        week.status = TimesheetWeek.Status.APPROVED
    week.decided_at = timezone.now() if week.status != TimesheetWeek.Status.SUBMITTED else None
    week.save(update_fields=["status", "decided_at"])
    return week


def _approve_entries(part: TimesheetPart) -> None:
    start = part.week.start
    TimeEntry.objects.filter(
        resource__user_id=part.week.user_id,
        project_id=part.project_id,
        date__range=(start, start + datetime.timedelta(days=6)),
    ).update(approved=True)


@transaction.atomic
def timesheet_submit(*, user: AbstractBaseUser, start: datetime.date) -> TimesheetWeek:
    """Submit the person's week (``start`` its Monday): each project with hours asks its managers
    to approve that project's hours. A returned week is submitted again the same way (parts
    already approved stay approved)."""
    if start.weekday() != 0:
        raise ValidationError({"week": "A week starts on a Monday."})
    if start > clock.today():
        raise ValidationError({"week": f"{week_label(start)} has not started yet."})
    week, _ = TimesheetWeek.objects.select_for_update().get_or_create(user=user, start=start)
    if week.status not in OPEN_WEEKS:
        raise ValidationError(
            {"week": f"Your timesheet for {week.label} is already {week.get_status_display()}."}
        )
    now = timezone.now()
    hours = dict(
        TimeEntry.objects.filter(
            resource__user=user, date__range=(start, start + datetime.timedelta(days=6))
        )
        # A closed project is read-only and its cost final: nothing there to approve.
        .exclude(project__stage=Project.Stage.CLOSED)
        .values("project_id")
        .annotate(total=Sum("hours"))
        .values_list("project_id", "total")
        .order_by()
    )
    parts = {part.project_id: part for part in week.parts.select_for_update()}
    for project_id, part in parts.items():
        if project_id not in hours and part.status == TimesheetPart.Status.RETURNED:
            part._history_user = user
            part.delete()  # its hours were all removed: nothing left to approve
    week.status, week.submitted_at, week.decided_at = TimesheetWeek.Status.SUBMITTED, now, None
    week._history_user = user
    week.save()
    projects = Project.objects.in_bulk(list(hours))
    for project_id, total in sorted(hours.items()):
        part = parts.get(project_id)
        if part is not None and part.status != TimesheetPart.Status.RETURNED:
            continue  # approved (locked) or still waiting
        if part is None:
            part = TimesheetPart(week=week, project_id=project_id)
        part.status, part.hours, part.submitted_at = TimesheetPart.Status.PENDING, total, now
        part.decided_by, part.decided_at, part.reason = None, None, ""
        part._history_user = user
        part.save()
        managers = list(
            get_user_model()
            .objects.filter(
                memberships__project_id=project_id,
                memberships__role=Role.MANAGER,
                is_active=True,
            )
            .exclude(pk=user.pk)
            .order_by("pk")
        )
        if not managers:
            part.status, part.decided_by, part.decided_at = TimesheetPart.Status.APPROVED, user, now
            part.save(update_fields=["status", "decided_by", "decided_at"])
            _approve_entries(part)
            continue
        note = (
            f"{display_name(user)} logged {total:.2f} h on {projects[project_id].key} in "
            f"{week.label}. Approve or return them: {part_path(part)}"
        )
        for manager in managers:
            approval_request(
                project=projects[project_id], by=user, subject=part, approver=manager, note=note
            )
    return _settle(week)


def timesheet_approval_decided(
    *, approval: Approval, subject: object, decision: str, by: AbstractBaseUser, comment: str
) -> None:
    """A manager decided a part (``projects.signals.approval_decided``, same transaction):
    approved locks and approves its hours and withdraws the other managers' requests; rejected
    returns it with the reason. Then the week's status follows its parts."""
    if not isinstance(subject, TimesheetPart):
        return
    part = (
        TimesheetPart.objects.select_for_update(of=("self",))
        .select_related("week", "project")
        .get(pk=subject.pk)
    )
    if part.status != TimesheetPart.Status.PENDING:
        return
    if not is_manager(by, part.project_id):
        # Someone asked by hand (the approvals API) who is not a manager: their word does not
        # approve anyone's hours (raising undoes the decision, same transaction).
        raise ValidationError(
            {"decision": f"Only a manager of {part.project.key} approves or returns timesheets."}
        )
    now = timezone.now()
    part.decided_by, part.decided_at = by, now
    if decision == Approval.Decision.APPROVED:
        part.status = TimesheetPart.Status.APPROVED
        _approve_entries(part)
        for other in Approval.objects.for_subject(part).pending().select_for_update():
            other.decision, other.decided_at = Approval.Decision.WITHDRAWN, now
            other.comment = f"Withdrawn automatically after {display_name(by)} approved."
            other._history_user = by
            other.save(update_fields=["decision", "decided_at", "comment"])
    else:
        part.status, part.reason = TimesheetPart.Status.RETURNED, comment
    part._history_user = by
    part.save()
    _settle(part.week)


# --- non-project time ---------------------------------------------------------------------------


def non_project_set(
    *, user: AbstractBaseUser, category: str, day: datetime.date, hours: Decimal | None
) -> None:
    """Set (or with None remove) the person's non-project hours of ``category`` on ``day``."""
    if category not in NonProjectTime.Category.values:
        raise ValidationError("Not a kind of non-project time.")
    if hours is None:
        NonProjectTime.objects.filter(user=user, category=category, date=day).delete()
        return
    if not Decimal(0) < hours <= 24:
        raise ValidationError("Hours in a day are more than 0 and at most 24.")
    NonProjectTime.objects.update_or_create(
        user=user, category=category, date=day, defaults={"hours": hours}
    )


# --- the missing-week reminder ------------------------------------------------------------------


def timesheet_reminders_record(*, now: datetime.datetime | None = None) -> int:
    """Remind each person who is a resource on an active project and has not submitted last
    week, once it is Monday 09:00 or later in their own time zone (hourly beat): an event
    ``timesheet.due`` that notifications deliver. Exactly once per person and week
    (``TimesheetWeek.reminded_at``, set under a row lock); a fixed number of queries however
    many people; how many were recorded."""
    now = now or clock.now()
    people: dict[int, int] = {}
    for user_id, project_id in (
        Resource.objects.filter(kind=Resource.Kind.PERSON, user__isnull=False, user__is_active=True)
        .filter(project__in=Project.objects.active())
        .order_by("user_id", "project__key")
        .values_list("user_id", "project_id")
    ):
        people.setdefault(user_id, project_id)  # the event's project: their first by key
    if not people:
        return 0
    zones = dict(
        Profile.objects.filter(user_id__in=list(people)).values_list("user_id", "time_zone")
    )
    # Everyone's "last week" is one of at most two Mondays (time zones straddle a day).
    due: dict[datetime.date, list[int]] = defaultdict(list)
    for user_id in people:
        local = timezone.localtime(now, zone_of(zones.get(user_id)))
        this_monday = monday_of(local.date())
        if local.date() == this_monday and local.hour < REMINDER_HOUR:
            continue  # Monday before nine: not yet
        due[this_monday - datetime.timedelta(days=7)].append(user_id)
    events = []
    with transaction.atomic():
        for start, users in due.items():
            TimesheetWeek.objects.bulk_create(
                [TimesheetWeek(user_id=user_id, start=start) for user_id in users],
                ignore_conflicts=True,
            )
            weeks = list(
                TimesheetWeek.objects.select_for_update()
                .filter(start=start, user_id__in=users, reminded_at__isnull=True)
                .filter(status__in=OPEN_WEEKS)
                .order_by("pk")
            )
            TimesheetWeek.objects.filter(pk__in=[week.pk for week in weeks]).update(reminded_at=now)
            events += [
                build_event(
                    "timesheet.due",
                    project=people[week.user_id],
                    target=week,
                    data={
                        "assignee": week.user_id,
                        "when": week.label,
                        "url": f"{reverse('budgets:timesheet')}?week={week.label}",
                    },
                )
                for week in weeks
            ]
        return len(record_events(events))
