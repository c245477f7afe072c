"""Demo KPI snapshots: today's for every demo project, and twelve weeks of history behind it,
so the portfolio dashboard opens with health, figures and sparklines that move. Called by
``manage.py seed_demo``; the nightly beat task and the refresh after each change keep them
current from then on.

The history is not made up: each past week end is rebuilt by ``kpi_snapshot_backfill`` from what
the demo's history tables recorded by then (the progress reports ``scheduling.demo`` dates when
each task was done, the dated cost entries and logged time); its docstring says what it has to
take from today. A week end that already has a snapshot (a second run, or a real nightly one)
is left alone.
"""

from __future__ import annotations

import datetime

from projects.demo import DemoContext
from reports.models import KpiSnapshot
from reports.services.kpi import kpi_snapshot_backfill, kpi_snapshot_refresh

HISTORY_WEEKS = 12  # today's snapshot and the eleven week ends before it


def week_ends_before(today: datetime.date, count: int) -> list[datetime.date]:
    """The ``count`` Sundays before ``today``, oldest first."""
    last = today - datetime.timedelta(days=today.weekday() + 1)
    return [last - datetime.timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def seed(context: DemoContext) -> None:
    for project in context.projects.values():
        today = project.today()
        taken = set(
            KpiSnapshot.objects.filter(project=project, as_of__lt=today).values_list(
                "as_of", flat=True
            )
        )
        days = [day for day in week_ends_before(today, HISTORY_WEEKS - 1) if day not in taken]
        kpi_snapshot_backfill(project=project, days=days, today=today)
        kpi_snapshot_refresh(project=project, as_of=today)
