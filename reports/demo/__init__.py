"""Demo data of the reports app, called by ``manage.py seed_demo`` after every lower floor:
KPI history, status reports, and closure (one closed project, one in closing)."""

from __future__ import annotations

from projects.demo import DemoContext
from reports.demo import closure, kpi, status


def seed(context: DemoContext) -> None:
    kpi.seed(context)
    status.seed(context)
    closure.seed(context)
