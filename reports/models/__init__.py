"""Models of the reports app: KPI snapshots and health, weekly status reports, closure."""

from reports.models.closure import (
    BenefitRealisation,
    Closure,
    ClosureItem,
    LessonLearned,
    PostImplementationReview,
)
from reports.models.kpi import HealthThresholds, KpiSnapshot, Rag
from reports.models.status import (
    CLAIM_TIMEOUT,
    DeliveryAttempt,
    StatusReport,
    StatusReportDelivery,
)

__all__ = [
    "CLAIM_TIMEOUT",
    "BenefitRealisation",
    "Closure",
    "ClosureItem",
    "DeliveryAttempt",
    "HealthThresholds",
    "KpiSnapshot",
    "LessonLearned",
    "PostImplementationReview",
    "Rag",
    "StatusReport",
    "StatusReportDelivery",
]
