"""The issue log: problems that are happening now (a risk that occurred opens one too, see
``risk_occurred``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse

from projects.events import record_assignment, record_event
from projects.models import Project
from risks.models import Issue
from risks.services.common import (
    check_member,
    lock_project,
    locked_current,
    next_number,
    refuse_unknown,
    save,
    save_versioned,
)

ISSUE_FIELDS = ("title", "description", "priority", "owner", "due_date", "status", "resolution")


@transaction.atomic
def issue_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    description: str = "",
    priority: str = Issue.Priority.MEDIUM,
    owner: AbstractBaseUser | None = None,
    due_date: datetime.date | None = None,
) -> Issue:
    check_member(project, owner, "owner")
    lock_project(project)
    issue = Issue(
        project=project,
        number=next_number(Issue.objects.filter(project=project)),
        title=title.strip(),
        description=description,
        priority=priority,
        owner=owner,
        due_date=due_date,
        raised_by=by,
    )
    save(issue, by)
    record_assignment(
        "issue", issue, project=project, before=None, actor=by, url=_issues_url(issue)
    )
    record_issue_opened(issue, by=by)
    return issue


def record_issue_opened(issue: Issue, *, by: AbstractBaseUser) -> None:
    """Tell the event source of a new issue (logged by hand, or opened by a risk that
    occurred)."""
    record_event(
        "issue.opened",
        project=issue.project_id,
        target=issue,
        actor=by,
        data={
            "priority": issue.priority,
            "owner": issue.owner_id,
            "due_date": issue.due_date,
            "risk": issue.risk_id,
            "url": _issues_url(issue),
        },
    )


@transaction.atomic
def issue_update(
    *,
    issue: Issue,
    by: AbstractBaseUser,
    version: int | None,
    today: datetime.date | None = None,
    **changes: Any,
) -> Issue:
    """Edit an issue; resolving or closing it needs a resolution and records the day."""
    refuse_unknown(changes, ISSUE_FIELDS)
    current = locked_current(issue, version)
    before = current.owner_id
    if "owner" in changes:
        check_member(current.project, changes["owner"], "owner")
    was_unresolved = current.status in Issue.UNRESOLVED
    for field, value in changes.items():
        setattr(current, field, value)
    if current.status in Issue.UNRESOLVED:
        current.resolved_on = None
    elif was_unresolved:
        current.resolved_on = today or current.project.today()
    current = save_versioned(current, by)
    record_assignment(
        "issue",
        current,
        project=current.project_id,
        before=before,
        actor=by,
        url=_issues_url(current),
    )
    return current


def _issues_url(issue: Issue) -> str:
    return reverse("risks:issues", kwargs={"pk": issue.project_id})
