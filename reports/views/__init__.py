"""Pages of the reports app, by domain: the dashboard and KPIs, status reports, closure."""

from reports.views.kpi import dashboard, project_kpis

__all__ = ["dashboard", "project_kpis"]
