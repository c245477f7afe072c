"""Writes with a rule for the stakeholders app, by domain; import them from here.

``from stakeholders import services`` then ``services.raci_set_row(...)``: pages, the API and
tasks call the same functions. Access (who may call) is checked at the door,
``projects.selectors.get_project_for``; these hold the rules whoever calls.
"""

from stakeholders.services.approvals import (
    SUBJECT_KINDS,
    approval_decide,
    approval_hold_reason,
    approval_notify,
    approval_outcome,
    approval_request,
    approval_url,
    approval_withdraw,
    approvals_settle,
    live_approvals,
    subject_label,
)
from stakeholders.services.meetings import (
    ACTION_ITEM_FIELDS,
    DECISION_FIELDS,
    MEETING_FIELDS,
    action_item_create,
    action_item_set_status,
    action_item_update,
    decision_record,
    decision_update,
    meeting_create,
    meeting_update,
)
from stakeholders.services.raci import (
    raci_clear_row,
    raci_entry_delete,
    raci_entry_update,
    raci_set_cell,
    raci_set_row,
    row_label,
)
from stakeholders.services.register import (
    COMMUNICATION_FIELDS,
    STAKEHOLDER_FIELDS,
    communication_item_create,
    communication_item_delete,
    communication_item_update,
    stakeholder_create,
    stakeholder_delete,
    stakeholder_update,
)

__all__ = [
    "ACTION_ITEM_FIELDS",
    "COMMUNICATION_FIELDS",
    "DECISION_FIELDS",
    "MEETING_FIELDS",
    "STAKEHOLDER_FIELDS",
    "SUBJECT_KINDS",
    "action_item_create",
    "action_item_set_status",
    "action_item_update",
    "approval_decide",
    "approval_hold_reason",
    "approval_notify",
    "approval_outcome",
    "approval_request",
    "approval_url",
    "approval_withdraw",
    "approvals_settle",
    "communication_item_create",
    "communication_item_delete",
    "communication_item_update",
    "decision_record",
    "decision_update",
    "live_approvals",
    "meeting_create",
    "meeting_update",
    "raci_clear_row",
    "raci_entry_delete",
    "raci_entry_update",
    "raci_set_cell",
    "raci_set_row",
    "row_label",
    "stakeholder_create",
    "stakeholder_delete",
    "stakeholder_update",
    "subject_label",
]
