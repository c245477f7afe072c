"""What a calendar feed carries, as iCalendar: a person's feed and a project's gates feed.

A person's feed (``/feeds/<token>/calendar.ics``): the tasks they own (all-day, from start to
finish), the milestones and meetings of their projects (meetings at their time, in the project's
time zone) and their open action items (all-day on the due date). A project's feed
(``…/projects/<id>/calendar.ics``): its milestones, its phases' planned gates and the gate
decisions recorded. Both carry only projects the person is a member of at the time of the fetch
(``selectors.feed_projects``), and leave out entries that ended more than ``HISTORY`` ago, so a
feed stays the same size as a project ages.

All-day entries, not VTODOs: Outlook and Google Calendar show VTODOs of a subscription poorly or
not at all. UIDs are stable per record (``task-12@charter``), so a calendar program updates an
entry in place when its dates move.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from interchange import ical, selectors
from interchange.ical import FeedEvent
from projects import clock
from projects.models import Project
from projects.site import site_url
from scheduling.models import GateReview, Phase, Task
from stakeholders.models import ActionItem, Meeting

# Entries that ended longer ago are left out of feeds.
HISTORY = datetime.timedelta(days=365)
UID_DOMAIN = "charter"


def person_feed_ics(user: AbstractBaseUser) -> bytes:
    """``user``'s calendar: their tasks, their projects' milestones and meetings, their open
    action items. A fixed number of queries, however many projects and entries."""
    since = clock.today() - HISTORY
    origin = site_url()
    projects = selectors.feed_projects(user)
    events: list[FeedEvent] = []
    for task in selectors.feed_tasks(user, projects, since=since):
        events.append(_task_event(task, origin))
    for meeting in selectors.feed_meetings(projects, since=clock.now() - HISTORY):
        events.append(_meeting_event(meeting, origin))
    for action in selectors.feed_action_items(user, projects):
        events.append(_action_event(action, origin))
    name = user.get_full_name() or user.get_username()
    return ical.calendar_ics(
        name=f"Charter · {name}",
        description="Tasks, milestones, meetings and action items from Charter.",
        events=events,
    )


def project_feed_ics(project: Project) -> bytes:
    """``project``'s milestones, planned stage gates and gate decisions."""
    since = clock.today() - HISTORY
    origin = site_url()
    events = [
        _task_event(task, origin, project)
        for task in selectors.feed_milestones(project, since=since)
    ]
    events += [
        _phase_event(phase, project, origin)
        for phase in selectors.feed_phases(project, since=since)
    ]
    events += [
        _gate_review_event(review, project, origin)
        for review in selectors.feed_gate_reviews(project, since=since)
    ]
    return ical.calendar_ics(
        name=f"Charter · {project.key} milestones and gates",
        description=f"Milestones and stage gates of {project.key} · {project.name}.",
        events=events,
    )


def _uid(kind: str, pk: int) -> str:
    return f"{kind}-{pk}@{UID_DOMAIN}"


def _link(origin: str, name: str, *args: int) -> str:
    return f"{origin}{reverse(name, args=args)}"


def _task_event(task: Task, origin: str, project: Project | None = None) -> FeedEvent:
    project = project or task.project
    start, end = ical.all_day(task.start_date, task.finish_date)
    if task.is_milestone:
        summary = f"{project.key} · ◆ {task.name}"
        description = f"Milestone {task.ref} of {project.key} · {project.name}."
        category = "Milestone"
    else:
        summary = f"{project.key} · {task.name}"
        description = (
            f"Task {task.ref} of {project.key} · {project.name}: "
            f"{task.get_status_display().lower()}, {task.percent_complete}% complete."
        )
        category = "Task"
    return FeedEvent(
        uid=_uid("task", task.pk),
        summary=summary,
        start=start,
        end=end,
        stamp=task.updated_at,
        url=_link(origin, "scheduling:task_detail", project.pk, task.pk),
        description=description,
        category=category,
    )


def _meeting_event(meeting: Meeting, origin: str) -> FeedEvent:
    project = meeting.project
    zone = project.zone
    return FeedEvent(
        uid=_uid("meeting", meeting.pk),
        summary=f"{project.key} · {meeting.title}",
        start=meeting.starts_at.astimezone(zone),
        end=meeting.ends_at.astimezone(zone),
        stamp=meeting.updated_at,
        url=_link(origin, "stakeholders:meeting", project.pk, meeting.pk),
        description=f"{meeting.get_kind_display()} of {project.key} · {project.name}.",
        location=meeting.location,
        category="Meeting",
    )


def _action_event(action: ActionItem, origin: str) -> FeedEvent:
    project = action.project
    start, end = ical.all_day(action.due_date, action.due_date)
    return FeedEvent(
        uid=_uid("action", action.pk),
        summary=f"{project.key} · Action: {action.title}",
        start=start,
        end=end,
        stamp=action.created_at,
        url=_link(origin, "stakeholders:actions", project.pk),
        description=f"Action item of {project.key} · {project.name}, due this day.",
        category="Action item",
    )


def _phase_event(phase: Phase, project: Project, origin: str) -> FeedEvent:
    start, end = ical.all_day(phase.planned_finish, phase.planned_finish)
    return FeedEvent(
        uid=_uid("gate", phase.pk),
        summary=f"{project.key} · Gate: end of {phase.name} (planned)",
        start=start,
        end=end,
        # A phase keeps no time of change; the project's last one stands in for it.
        stamp=project.updated_at,
        url=_link(origin, "scheduling:phase_detail", project.pk, phase.pk),
        description=f"Stage gate of {project.key}: the planned finish of the phase {phase.name}.",
        category="Stage gate",
    )


def _gate_review_event(review: GateReview, project: Project, origin: str) -> FeedEvent:
    start, end = ical.all_day(review.date, review.date)
    description = f"Gate review of {project.key}, phase {review.phase.name}: "
    description += f"{review.get_decision_display()}."
    if review.conditions:
        description += f" Conditions: {review.conditions}"
    return FeedEvent(
        uid=_uid("gate-review", review.pk),
        summary=f"{project.key} · Gate review {review.phase.name}: {review.get_decision_display()}",
        start=start,
        end=end,
        stamp=review.created_at,
        url=_link(origin, "scheduling:phase_detail", project.pk, review.phase_id),
        description=description,
        category="Stage gate",
    )
