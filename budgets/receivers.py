"""How the budgets app follows events of the apps below it, connected in ``BudgetsConfig.ready``.

Each receiver runs inside the transaction of the save that sent it and calls a service, so the
baseline's frozen budget, the change request's adjustment and a task's labour cost are written
with (or rolled back with) the change that caused them.
"""

from __future__ import annotations

from typing import Any

from budgets import services
from budgets.models import Assignment
from budgets.services import timesheets
from projects.models import ChangeRequest
from scheduling.models import Baseline, Task


def baseline_saved(sender: type, instance: Baseline, created: bool, **kwargs: Any) -> None:
    """A new baseline freezes the budget with it."""
    if created and not kwargs.get("raw"):
        services.budget_baseline_freeze(baseline=instance)


def change_request_saved(sender: type, instance: ChangeRequest, **kwargs: Any) -> None:
    """An approved change request with a cost impact adjusts the approved budget (once)."""
    if instance.status == ChangeRequest.Status.APPROVED and not kwargs.get("raw"):
        services.budget_adjustment_record(change_request=instance)


def task_saved(sender: type, instance: Task, created: bool, **kwargs: Any) -> None:
    """A task's duration sets its assignments' hours, so an edited task is re-costed."""
    update_fields = kwargs.get("update_fields")
    if created or kwargs.get("raw") or (update_fields and "duration" not in update_fields):
        return
    if Assignment.objects.filter(task_id=instance.pk).exists():
        services.labour_recompute([instance.pk])


def timesheet_approval_decided(sender: type, **kwargs: Any) -> None:
    """A manager approved or returned a project's part of a person's week."""
    timesheets.timesheet_approval_decided(
        approval=kwargs["approval"],
        subject=kwargs["subject"],
        decision=kwargs["decision"],
        by=kwargs["by"],
        comment=kwargs.get("comment", ""),
    )
