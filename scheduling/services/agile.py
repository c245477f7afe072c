"""Sprints and the product backlog; phases (stages) and their gate reviews."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from projects.exceptions import StaleEdit
from projects.models import Project
from projects.services.common import lock_project, versioned_update
from scheduling.models import BacklogItem, GateReview, Phase, Sprint

# --- sprints --------------------------------------------------------------------------------------

SPRINT_FIELDS = ("name", "goal", "start_date", "finish_date", "capacity")


@transaction.atomic
def sprint_create(*, project: Project, by: AbstractBaseUser, **fields: Any) -> Sprint:
    unknown = set(fields) - set(SPRINT_FIELDS)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in unknown})
    if "name" not in fields or not str(fields["name"]).strip():
        fields["name"] = f"Sprint {Sprint.objects.filter(project=project).count() + 1}"
    sprint = Sprint(project=project, **fields)
    sprint.full_clean()
    sprint._history_user = by
    sprint.save()
    return sprint


@transaction.atomic
def sprint_update(
    *, sprint: Sprint, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Sprint:
    if sprint.status == Sprint.Status.CLOSED:
        raise ValidationError(f"{sprint.name} is closed; its dates and capacity are history.")
    return versioned_update(sprint, by=by, version=version, allowed=SPRINT_FIELDS, changes=changes)


@transaction.atomic
def sprint_start(*, sprint: Sprint, by: AbstractBaseUser) -> Sprint:
    """Make a planned sprint the active one (a project runs one sprint at a time)."""
    lock_project(sprint.project)
    current = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if current.status != Sprint.Status.PLANNED:
        raise ValidationError(
            f"{current.name} is {current.get_status_display().lower()}; only a planned sprint "
            "can start."
        )
    active = Sprint.objects.filter(project=current.project, status=Sprint.Status.ACTIVE).first()
    if active:
        raise ValidationError(f"Close {active.name} before starting {current.name}.")
    current.status = Sprint.Status.ACTIVE
    current._history_user = by
    try:
        with transaction.atomic():
            current.save(update_fields=["status"])
    except IntegrityError:
        raise ValidationError(
            "Another sprint of this project was started at the same time."
        ) from None
    return current


@transaction.atomic
def sprint_close(
    *, sprint: Sprint, by: AbstractBaseUser, carry_over_to: Sprint | None = None
) -> Sprint:
    """Close the active sprint; unfinished items go back to the backlog or to ``carry_over_to``."""
    lock_project(sprint.project)
    current = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if current.status != Sprint.Status.ACTIVE:
        raise ValidationError(f"{current.name} is not active, so it cannot be closed.")
    if carry_over_to is not None:
        if carry_over_to.project_id != current.project_id:
            raise ValidationError({"carry_over_to": "That sprint belongs to another project."})
        if carry_over_to.status == Sprint.Status.CLOSED or carry_over_to.pk == current.pk:
            raise ValidationError({"carry_over_to": "Carry work over to a planned sprint."})
    current.items.exclude(status=BacklogItem.Status.DONE).update(sprint=carry_over_to)
    current.status = Sprint.Status.CLOSED
    current.closed_at = timezone.now()
    current._history_user = by
    current.save(update_fields=["status", "closed_at"])
    return current


@transaction.atomic
def sprint_delete(*, sprint: Sprint, by: AbstractBaseUser) -> None:
    """Delete a sprint that is not closed; its items go back to the product backlog."""
    if sprint.status == Sprint.Status.CLOSED:
        raise ValidationError(f"{sprint.name} is closed; its velocity is history and stays.")
    sprint._history_user = by
    sprint.delete()


# --- backlog --------------------------------------------------------------------------------------

BACKLOG_FIELDS = ("title", "description", "story_points", "sprint", "status")


def _check_sprint(project: Project, sprint: Sprint | None) -> None:
    if sprint is None:
        return
    if sprint.project_id != project.pk:
        raise ValidationError({"sprint": "That sprint belongs to another project."})
    if sprint.status == Sprint.Status.CLOSED:
        raise ValidationError(
            {"sprint": f"{sprint.name} is closed; pick a planned or active sprint."}
        )


def _apply_status(item: BacklogItem, today: datetime.date) -> None:
    if item.status == BacklogItem.Status.DONE:
        item.done_on = item.done_on or today
    else:
        item.done_on = None


@transaction.atomic
def backlog_item_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    title: str,
    today: datetime.date | None = None,
    **fields: Any,
) -> BacklogItem:
    """Add an item at the bottom of the product backlog (or straight into a sprint)."""
    unknown = set(fields) - set(BACKLOG_FIELDS)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in unknown})
    lock_project(project)
    _check_sprint(project, fields.get("sprint"))
    last = BacklogItem.objects.filter(project=project).aggregate(m=Max("position"))["m"]
    item = BacklogItem(project=project, title=title, position=(last or 0) + 1, **fields)
    _apply_status(item, today or project.today())
    item.full_clean()
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def backlog_item_update(
    *,
    item: BacklogItem,
    by: AbstractBaseUser,
    version: int | None,
    today: datetime.date | None = None,
    **changes: Any,
) -> BacklogItem:
    """Edit an item; moving it to done records the day (for the burndown)."""
    unknown = set(changes) - set(BACKLOG_FIELDS)
    if unknown:
        raise ValidationError({field: "This field cannot be changed here." for field in unknown})
    if "sprint" in changes:
        _check_sprint(item.project, changes["sprint"])
    current = BacklogItem.objects.select_for_update().get(pk=item.pk)
    if version is not None and current.version != version:
        raise StaleEdit()
    for field, value in changes.items():
        setattr(current, field, value)
    _apply_status(current, today or current.project.today())
    current.full_clean()
    current.version = F("version") + 1
    current._history_user = by
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def backlog_reorder(*, project: Project, by: AbstractBaseUser, item_ids: list[int]) -> None:
    """Put the backlog in the order of ``item_ids`` (every item of the project, once)."""
    lock_project(project)
    items = {item.pk: item for item in BacklogItem.objects.filter(project=project)}
    if sorted(item_ids) != sorted(items):
        raise ValidationError(
            {"items": "Give every backlog item of the project exactly once, in the new order."}
        )
    changed = []
    for position, pk in enumerate(item_ids, start=1):
        if items[pk].position != position:
            items[pk].position = position
            changed.append(items[pk])
    BacklogItem.objects.bulk_update(changed, ["position"])


@transaction.atomic
def backlog_item_move(*, item: BacklogItem, by: AbstractBaseUser, direction: str) -> BacklogItem:
    """Move an item one place up or down the backlog (the no-JavaScript reorder)."""
    lock_project(item.project)
    order = list(
        BacklogItem.objects.filter(project=item.project)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    index = order.index(item.pk)
    target = {"up": index - 1, "down": index + 1}.get(direction)
    if target is None:
        raise ValidationError(f"“{direction}” is not a move; use up or down.")
    if not 0 <= target < len(order):
        raise ValidationError(f"“{item.title}” is already {'first' if target < 0 else 'last'}.")
    order[index], order[target] = order[target], order[index]
    backlog_reorder(project=item.project, by=by, item_ids=order)
    item.refresh_from_db()
    return item


# --- phases and gates -----------------------------------------------------------------------------

PHASE_FIELDS = (
    "name",
    "position",
    "planned_finish",
    "planned_cost",
    "time_tolerance",
    "cost_tolerance",
)


@transaction.atomic
def phase_create(*, project: Project, by: AbstractBaseUser, name: str, **fields: Any) -> Phase:
    unknown = set(fields) - set(PHASE_FIELDS)
    if unknown:
        raise ValidationError({field: "Unknown field." for field in unknown})
    if "position" not in fields:
        last = Phase.objects.filter(project=project).aggregate(m=Max("position"))["m"]
        fields["position"] = (last or 0) + 1
    phase = Phase(project=project, name=name, **fields)
    phase.full_clean()
    phase._history_user = by
    phase.save()
    return phase


@transaction.atomic
def phase_update(
    *, phase: Phase, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Phase:
    return versioned_update(phase, by=by, version=version, allowed=PHASE_FIELDS, changes=changes)


@transaction.atomic
def gate_review_record(
    *,
    phase: Phase,
    by: AbstractBaseUser,
    decision: str,
    date: datetime.date,
    notes: str = "",
    conditions: str = "",
) -> GateReview:
    """Record the go / no-go / conditional decision at the phase's gate, with who and when."""
    if decision not in GateReview.Decision.values:
        raise ValidationError({"decision": "Decide go, conditional or no_go."})
    review = GateReview(
        phase=phase,
        decision=decision,
        date=date,
        decided_by=by,
        notes=notes,
        conditions=conditions.strip(),
    )
    review.full_clean()
    review._history_user = by
    review.save()
    return review
