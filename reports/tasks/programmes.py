"""Celery task of programmes: the weekly programme status report (thin; the service keeps one
message per programme, week and person, so a repeat sends nothing new)."""

from __future__ import annotations

from celery import shared_task

from projects import clock
from reports.services.programme_report import programme_reports_send


@shared_task
def send_programme_reports() -> int:
    """Mondays (beat): queue every programme's status report of the week for its members."""
    return programme_reports_send(today=clock.today())
