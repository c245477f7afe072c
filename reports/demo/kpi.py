"""Demo KPI snapshots: today's for every demo project, so the portfolio dashboard opens with
health and figures instead of "not computed yet". Called by ``manage.py seed_demo``; the nightly
beat task keeps them current from then on."""

from __future__ import annotations

from projects.demo import DemoContext
from reports.services import kpi_snapshot_refresh
from reports.tasks import project_today


def seed(context: DemoContext) -> None:
    for project in context.projects.values():
        kpi_snapshot_refresh(project=project, as_of=project_today(project))
