"""The reports API, by domain: KPIs and health, status reports, closure and lessons learned."""

from reports.api.kpi import HealthViewSet, KpiViewSet

__all__ = ["HealthViewSet", "KpiViewSet"]
