"""The people around a project and how the project works with them, by domain: the register,
RACI and communication plan; meetings, decisions and actions; approvals."""

from stakeholders.models.approvals import Approval, ApprovalQuerySet
from stakeholders.models.meetings import ActionItem, ActionItemQuerySet, Decision, Meeting
from stakeholders.models.register import (
    HIGH,
    QUADRANT_STRATEGY,
    SCALE,
    CommunicationPlanItem,
    Engagement,
    Quadrant,
    RaciEntry,
    Stakeholder,
    StakeholderQuerySet,
    engagement_gap,
    quadrant_for,
)

__all__ = [
    "HIGH",
    "QUADRANT_STRATEGY",
    "SCALE",
    "ActionItem",
    "ActionItemQuerySet",
    "Approval",
    "ApprovalQuerySet",
    "CommunicationPlanItem",
    "Decision",
    "Engagement",
    "Meeting",
    "Quadrant",
    "RaciEntry",
    "Stakeholder",
    "StakeholderQuerySet",
    "engagement_gap",
    "quadrant_for",
]
