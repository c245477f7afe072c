"""Writes with a rule for the budgets app, by domain; import them from here.

``from budgets import services`` then ``services.cost_entry_create(...)``: pages, the API and
tasks call the same functions. Access is checked at the door
(``projects.selectors.get_project_for``); these hold the rules whoever calls.
"""

from budgets.services.budget import (
    BUDGET_LINE_FIELDS,
    budget_adjustment_record,
    budget_baseline_freeze,
    budget_line_create,
    budget_line_delete,
    budget_line_update,
)
from budgets.services.costs import (
    COMMITMENT_FIELDS,
    COST_ENTRY_FIELDS,
    IMPORT_COLUMNS,
    ImportReport,
    RowError,
    commitment_close,
    commitment_create,
    commitment_delete,
    commitment_update,
    cost_entries_import,
    cost_entry_create,
    cost_entry_delete,
    cost_entry_update,
)
from budgets.services.levelling import (
    LevellingPlan,
    MoveRow,
    levelling_apply,
    levelling_preview,
    levelling_undo,
)
from budgets.services.resources import (
    RESOURCE_FIELDS,
    assignment_add,
    assignment_plan,
    assignment_remove,
    assignment_update,
    day_off_add,
    day_off_remove,
    labour_recompute,
    resource_create,
    resource_delete,
    resource_update,
    time_entry_delete,
    time_entry_log,
)

__all__ = [
    "BUDGET_LINE_FIELDS",
    "COMMITMENT_FIELDS",
    "COST_ENTRY_FIELDS",
    "IMPORT_COLUMNS",
    "RESOURCE_FIELDS",
    "ImportReport",
    "LevellingPlan",
    "MoveRow",
    "RowError",
    "assignment_add",
    "assignment_plan",
    "assignment_remove",
    "assignment_update",
    "budget_adjustment_record",
    "budget_baseline_freeze",
    "budget_line_create",
    "budget_line_delete",
    "budget_line_update",
    "commitment_close",
    "commitment_create",
    "commitment_delete",
    "commitment_update",
    "cost_entries_import",
    "cost_entry_create",
    "cost_entry_delete",
    "cost_entry_update",
    "day_off_add",
    "day_off_remove",
    "labour_recompute",
    "levelling_apply",
    "levelling_preview",
    "levelling_undo",
    "resource_create",
    "resource_delete",
    "resource_update",
    "time_entry_delete",
    "time_entry_log",
]
