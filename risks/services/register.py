"""The risk register: the project's scale, risks with their responses and schedule impacts,
actions, and "this risk occurred" (a risk becomes an issue in one step)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from projects.events import record_assignment, record_event
from projects.models import Project
from risks.models import Issue, Level, Risk, RiskAction, RiskScale, RiskTaskImpact, Status
from risks.services.common import (
    check_member,
    check_same_project,
    lock_project,
    locked_current,
    next_number,
    refuse_unknown,
    save,
    save_versioned,
)
from risks.services.issues import record_issue_opened
from scheduling.models import MAX_WORKING_DAYS, Task

RISK_FIELDS = (
    "title",
    "cause",
    "event",
    "effect",
    "category",
    "kind",
    "probability",
    "impact",
    "owner",
    "trigger",
    "proximity",
    "status",
    "response_strategy",
    "response_plan",
    "contingency_plan",
    "residual_probability",
    "residual_impact",
    "cost_impact",
)
ACTION_FIELDS = ("title", "owner", "due_date", "task")
SCALE_FIELDS = (
    "probability_percents",
    "probability_labels",
    "impact_days",
    "impact_budget_percents",
    "default_optimistic_percent",
    "default_pessimistic_percent",
)

# --- scale ----------------------------------------------------------------------------------------


def risk_scale_for(project: Project) -> RiskScale:
    """The project's scale, created with the defaults the first time it is asked for."""
    scale, _ = RiskScale.objects.get_or_create(project=project)
    return scale


@transaction.atomic
def risk_scale_update(
    *, project: Project, by: AbstractBaseUser, version: int | None, **changes: Any
) -> RiskScale:
    """Change what the numbers mean; every risk's EMV follows the new percentages."""
    refuse_unknown(changes, SCALE_FIELDS)
    lock_project(project)
    current = locked_current(risk_scale_for(project), version)
    for field, value in changes.items():
        setattr(current, field, value)
    scale = save_versioned(current, by)
    risks = list(Risk.objects.filter(project=project))
    for risk in risks:
        risk.derive(scale)
    Risk.objects.bulk_update(risks, ["emv"], batch_size=500)
    return scale


# --- risks ----------------------------------------------------------------------------------------


def _set_impacts(risk: Risk, impacts: Mapping[Task, int] | None) -> None:
    """Replace the risk's schedule impacts: working days per task, tasks of its project only."""
    if impacts is None:
        return
    for task, days in impacts.items():
        check_same_project(risk.project, task, "schedule_impacts")
        if not isinstance(days, int) or not 1 <= days <= MAX_WORKING_DAYS:
            raise ValidationError(
                {
                    "schedule_impacts": f"“{task.name}”: give the impact as whole working days "
                    f"from 1 to {MAX_WORKING_DAYS:,}."
                }
            )
    RiskTaskImpact.objects.filter(risk=risk).exclude(task__in=list(impacts)).delete()
    existing = {i.task_id: i for i in RiskTaskImpact.objects.filter(risk=risk)}
    changed = []
    for task, days in impacts.items():
        impact = existing.get(task.pk)
        if impact is None:
            impact = RiskTaskImpact(risk=risk, task=task, days=days)
            impact.save()
        elif impact.days != days:
            impact.days = days
            changed.append(impact)
    for impact in changed:
        impact.save(update_fields=["days"])


# Low < medium < high < critical: a risk escalates when its level rises.
LEVEL_RANK = {level.value: rank for rank, level in enumerate(Level)}


def _check_refs(project: Project, fields: Mapping[str, Any]) -> None:
    if "owner" in fields:
        check_member(project, fields["owner"], "owner")


@transaction.atomic
def risk_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    schedule_impacts: Mapping[Task, int] | None = None,
    **fields: Any,
) -> Risk:
    """Add a risk to the register; ``schedule_impacts`` maps tasks of the project to days.

    Other fields are those of ``RISK_FIELDS``; the strategy must fit the kind, the owner be a
    member."""
    refuse_unknown(fields, RISK_FIELDS)
    lock_project(project)
    _check_refs(project, fields)
    risk = Risk(project=project, title=title.strip(), **fields)
    risk.number = next_number(Risk.objects.filter(project=project))
    save(risk, by)
    _set_impacts(risk, schedule_impacts)
    record_assignment("risk", risk, project=project, before=None, actor=by, url=_risk_url(risk))
    record_event("risk.created", project=project, target=risk, actor=by, data=_risk_data(risk))
    return risk


@transaction.atomic
def risk_update(
    *,
    risk: Risk,
    by: AbstractBaseUser,
    version: int | None,
    schedule_impacts: Mapping[Task, int] | None = None,
    **changes: Any,
) -> Risk:
    """Edit a risk; a stale ``version`` is refused. ``schedule_impacts`` (when given) replaces
    the impacts on tasks."""
    refuse_unknown(changes, RISK_FIELDS)
    current = locked_current(risk, version)
    before, level_before = current.owner_id, current.level
    _check_refs(current.project, changes)
    for field, value in changes.items():
        setattr(current, field, value)
    current = save_versioned(current, by)
    _set_impacts(current, schedule_impacts)
    record_assignment(
        "risk", current, project=current.project_id, before=before, actor=by, url=_risk_url(current)
    )
    if LEVEL_RANK[current.level] > LEVEL_RANK[level_before]:
        record_event(
            "risk.escalated",
            project=current.project_id,
            target=current,
            actor=by,
            data={**_risk_data(current), "from": level_before, "to": current.level},
        )
    return current


def _risk_data(risk: Risk) -> dict[str, Any]:
    return {
        "kind": risk.kind,
        "probability": risk.probability,
        "impact": risk.impact,
        "score": risk.score,
        "level": risk.level,
        "status": risk.status,
        "owner": risk.owner_id,
        "url": _risk_url(risk),
    }


def _risk_url(risk: Risk) -> str:
    return reverse("risks:risk", kwargs={"pk": risk.project_id, "risk_pk": risk.pk})


@transaction.atomic
def risk_delete(*, risk: Risk, by: AbstractBaseUser) -> None:
    risk._history_user = by
    risk.delete()


@transaction.atomic
def risk_occurred(
    *,
    risk: Risk,
    by: AbstractBaseUser,
    owner: AbstractBaseUser | None = None,
    due_date: datetime.date | None = None,
    priority: str | None = None,
) -> Issue:
    """The risk happened: mark it occurred and open the issue that tracks it, linked back.

    Idempotent: a risk that already has its issue returns that issue and changes nothing.
    The issue takes the risk's owner, a priority from its level and the contingency plan."""
    current = Risk.objects.select_for_update().get(pk=risk.pk)
    existing = Issue.objects.filter(risk=current).first()
    if existing is not None:
        return existing
    project = current.project
    check_member(project, owner, "owner")
    lock_project(project)
    if current.status != Status.OCCURRED:
        current.status = Status.OCCURRED
        save_versioned(current, by)
    parts = [
        f"{current.reference} occurred: {current.event or current.title}",
        f"Effect: {current.effect}" if current.effect else "",
        f"Contingency plan: {current.contingency_plan}" if current.contingency_plan else "",
    ]
    issue = Issue(
        project=project,
        number=next_number(Issue.objects.filter(project=project)),
        title=current.title,
        description="\n\n".join(p for p in parts if p),
        priority=priority or current.level,
        owner=owner or current.owner,
        due_date=due_date,
        risk=current,
        raised_by=by,
    )
    save(issue, by)
    record_issue_opened(issue, by=by)
    return issue


# --- actions --------------------------------------------------------------------------------------


def _check_action_refs(risk: Risk, fields: Mapping[str, Any]) -> None:
    if "owner" in fields:
        check_member(risk.project, fields["owner"], "owner")
    if "task" in fields:
        check_same_project(risk.project, fields["task"], "task")


@transaction.atomic
def risk_action_create(
    *,
    risk: Risk,
    by: AbstractBaseUser,
    title: str,
    owner: AbstractBaseUser | None = None,
    due_date: datetime.date | None = None,
    task: Task | None = None,
) -> RiskAction:
    _check_action_refs(risk, {"owner": owner, "task": task})
    action = RiskAction(risk=risk, title=title.strip(), owner=owner, due_date=due_date, task=task)
    save(action, by)
    record_assignment(
        "risk_action", action, project=risk.project_id, before=None, actor=by, url=_risk_url(risk)
    )
    return action


@transaction.atomic
def risk_action_update(
    *, action: RiskAction, by: AbstractBaseUser, version: int | None, **changes: Any
) -> RiskAction:
    refuse_unknown(changes, ACTION_FIELDS)
    current = locked_current(action, version)
    before = current.owner_id
    _check_action_refs(current.risk, changes)
    for field, value in changes.items():
        setattr(current, field, value)
    current = save_versioned(current, by)
    record_assignment(
        "risk_action",
        current,
        project=current.risk.project_id,
        before=before,
        actor=by,
        url=_risk_url(current.risk),
    )
    return current


@transaction.atomic
def risk_action_set_done(
    *,
    action: RiskAction,
    by: AbstractBaseUser,
    done: bool = True,
    today: datetime.date | None = None,
) -> RiskAction:
    """Tick an action off (or reopen it); the day it was done is kept."""
    current = locked_current(action, None)
    current.done = done
    current.done_on = (today or current.risk.project.today()) if done else None
    return save_versioned(current, by)
