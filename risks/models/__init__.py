"""The risks app's models, by domain: the register (scale, risks, impacts, actions), the issue
log, and the Monte Carlo forecast runs."""

from risks.models.forecasts import ForecastRun
from risks.models.issues import Issue, IssueQuerySet
from risks.models.register import (
    CLOSED_STATUSES,
    LIVE_STATUSES,
    OPPORTUNITY_STRATEGIES,
    THREAT_STRATEGIES,
    Category,
    Kind,
    Level,
    Risk,
    RiskAction,
    RiskQuerySet,
    RiskScale,
    RiskTaskImpact,
    Status,
    Strategy,
    level_for,
)

__all__ = [
    "CLOSED_STATUSES",
    "LIVE_STATUSES",
    "OPPORTUNITY_STRATEGIES",
    "THREAT_STRATEGIES",
    "Category",
    "ForecastRun",
    "Issue",
    "IssueQuerySet",
    "Kind",
    "Level",
    "Risk",
    "RiskAction",
    "RiskQuerySet",
    "RiskScale",
    "RiskTaskImpact",
    "Status",
    "Strategy",
    "level_for",
]
