"""The portfolio dashboard and my timesheet write dates in the reader's chosen format, at no
extra query; the dashboard's cached rows are kept apart per format."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets import services as budget_services
from projects import clock
from reports.models import KpiSnapshot

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 16)  # the timesheet's week (2026-W47)


def _count(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return len(queries), html


def test_dashboard_and_timesheet_follow_the_chosen_date_format_at_no_extra_query(
    client_for, manager, project, django_assert_num_queries
):
    """After choosing year-month-day, the dashboard's forecast finish (7 Dec 2026) and the
    timesheet's week (16 Nov 2026) read 2026-12-07 and 2026-11-16, in as many queries as the
    default took; a row cached in the default format is not reused."""
    KpiSnapshot.objects.create(
        project=project,
        as_of=clock.today(),
        percent_complete=Decimal("40.0"),
        spi=Decimal("1.0000"),
        cpi=Decimal("1.0000"),
        health="green",
        health_schedule="green",
        health_cost="green",
        health_scope="green",
        health_risk="green",
        health_reasons={"overall": "All on track."},
        forecast_finish=datetime.date(2026, 12, 7),
    )
    budget_services.resource_create(project=project, by=manager, name="Max", user=manager)
    client = client_for(manager)
    dashboard = reverse("reports:dashboard")
    timesheet = reverse("budgets:timesheet") + f"?week={MONDAY:%G-W%V}"
    client.get(dashboard)  # warm: the first request of a session may differ
    client.get(timesheet)
    dashboard_queries, html = _count(client, dashboard)
    assert ">7 Dec 2026</time>" in html
    timesheet_queries, html = _count(client, timesheet)
    assert "Week of 16 Nov 2026" in html

    client.post(
        reverse("projects:account_profile"),
        {"first_name": "Max", "last_name": "", "time_zone": "", "date_format": "Y-m-d"},
    )
    with django_assert_num_queries(dashboard_queries):
        html = client.get(dashboard).content.decode()
    assert ">2026-12-07</time>" in html and "7 Dec 2026" not in html
    with django_assert_num_queries(timesheet_queries):
        html = client.get(timesheet).content.decode()
    assert "Week of 2026-11-16" in html and "16 Nov 2026" not in html
