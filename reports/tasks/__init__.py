"""Celery tasks of the reports app (thin, idempotent); Celery's autodiscovery imports this
package, so every task module is imported here."""

from reports.tasks import closure, programmes, queue, status  # noqa: F401 (registers their tasks)
from reports.tasks.kpi import refresh_all_kpi_snapshots, refresh_kpi_snapshot

__all__ = ["refresh_all_kpi_snapshots", "refresh_kpi_snapshot"]
