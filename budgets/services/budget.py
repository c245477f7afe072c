"""Budget lines, the approved budget frozen with a baseline, and its change-request trail."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from budgets.models import ZERO, BudgetAdjustment, BudgetBaseline, BudgetLine, Category
from budgets.services.base import (
    check_same_project,
    locked_current,
    parse_money,
    refuse_unknown,
    save_new,
    save_versioned,
)
from projects.models import ChangeRequest, Project
from scheduling.models import Baseline

CENT = Decimal("0.01")
BUDGET_LINE_FIELDS = ("category", "name", "planned_amount", "work_package", "phase", "note")


def _clean_line_fields(project: Project, fields: dict[str, Any]) -> dict[str, Any]:
    if "category" in fields and fields["category"] not in Category.values:
        raise ValidationError({"category": f"“{fields['category']}” is not a budget category."})
    if "planned_amount" in fields:
        fields["planned_amount"] = parse_money(
            fields["planned_amount"], "planned_amount", allow_zero=True
        )
    check_same_project(project, fields.get("work_package"), "work_package")
    check_same_project(project, fields.get("phase"), "phase")
    return fields


@transaction.atomic
def budget_line_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    category: str,
    planned_amount: Any,
    **fields: Any,
) -> BudgetLine:
    refuse_unknown(fields, BUDGET_LINE_FIELDS, "Unknown field.")
    fields = _clean_line_fields(
        project, {"category": category, "planned_amount": planned_amount, **fields}
    )
    if fields.get("work_package") and fields.get("phase"):
        raise ValidationError(
            {"phase": "A budget line is for a work package or a phase, not both."}
        )
    return save_new(BudgetLine(project=project, **fields), by)


@transaction.atomic
def budget_line_update(
    *, line: BudgetLine, by: AbstractBaseUser, version: int | None, **changes: Any
) -> BudgetLine:
    refuse_unknown(changes, BUDGET_LINE_FIELDS, "This field cannot be changed here.")
    current = locked_current(line, version)
    for field, value in _clean_line_fields(current.project, changes).items():
        setattr(current, field, value)
    if current.work_package_id and current.phase_id:
        raise ValidationError(
            {"phase": "A budget line is for a work package or a phase, not both."}
        )
    return save_versioned(current, by)


@transaction.atomic
def budget_line_delete(*, line: BudgetLine, by: AbstractBaseUser) -> None:
    line._history_user = by
    line.delete()


# --- the approved budget --------------------------------------------------------------------------


@transaction.atomic
def budget_baseline_freeze(*, baseline: Baseline) -> BudgetBaseline:
    """Freeze the budget with ``baseline`` (once; later calls return the same snapshot).

    Called when a baseline is taken (``budgets.apps`` connects it to the baseline's creation),
    so a performance baseline always carries the budget approved with it.
    """
    existing = BudgetBaseline.objects.filter(baseline=baseline).first()
    if existing is not None:
        return existing
    lines = {
        category: amount.quantize(CENT)
        for category, amount in BudgetLine.objects.filter(project_id=baseline.project_id)
        .by_category()
        .items()
    }
    lines_total = sum(lines.values(), ZERO)
    task_cost = baseline.total_cost or ZERO
    return BudgetBaseline.objects.create(
        baseline=baseline,
        project_id=baseline.project_id,
        task_cost=task_cost,
        lines_total=lines_total,
        lines_by_category={category: str(amount) for category, amount in lines.items()},
        approved_budget=task_cost if task_cost > 0 else lines_total,
    )


@transaction.atomic
def budget_adjustment_record(*, change_request: ChangeRequest) -> BudgetAdjustment | None:
    """Record an approved change request's cost impact on the approved budget (once).

    Called when a change request is approved (``budgets.apps`` connects it); a change without
    cost impact leaves no adjustment. Returns the adjustment, or None.
    """
    approved = (ChangeRequest.Status.APPROVED, ChangeRequest.Status.IMPLEMENTED)
    if change_request.status not in approved or not change_request.cost_impact:
        return None
    existing = BudgetAdjustment.objects.filter(change_request=change_request).first()
    if existing is not None:
        return existing
    adjustment = BudgetAdjustment(
        project_id=change_request.project_id,
        change_request=change_request,
        amount=change_request.cost_impact,
        reason=change_request.decision_reason or change_request.title,
        approved_by_id=change_request.decided_by_id,
        approved_at=change_request.decided_at or change_request.created_at,
    )
    adjustment._history_user = change_request.decided_by
    adjustment.save()
    return adjustment
