"""Signal receivers of the reports app, connected in ``ReportsConfig.ready``."""

from reports.receivers import closure, kpi  # noqa: F401 (connects their receivers)
