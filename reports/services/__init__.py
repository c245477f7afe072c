"""Writes of the reports app, by domain: KPI snapshots, status reports, closure."""

from reports.services.kpi import DUE_SOON_DAYS, kpi_snapshot_refresh, thresholds_for

__all__ = ["DUE_SOON_DAYS", "kpi_snapshot_refresh", "thresholds_for"]
