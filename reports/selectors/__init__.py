"""Reads of the reports app, by domain; project data only through ``projects.selectors``."""

from reports.selectors.kpi import (
    DASHBOARD_SORTS,
    DUE_SOON_DAYS,
    NOT_COMPUTED,
    TREND_DAYS,
    DashboardRow,
    change,
    current_snapshot,
    dashboard_rows,
    has_any_project,
    kpi_history,
    latest_snapshot,
    project_panel,
)

__all__ = [
    "DASHBOARD_SORTS",
    "DUE_SOON_DAYS",
    "NOT_COMPUTED",
    "TREND_DAYS",
    "DashboardRow",
    "change",
    "current_snapshot",
    "dashboard_rows",
    "has_any_project",
    "kpi_history",
    "latest_snapshot",
    "project_panel",
]
