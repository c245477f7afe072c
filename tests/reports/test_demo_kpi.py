"""The demo's KPI history: weeks of snapshots rebuilt from the demo's records, so trends and
sparklines show something real on a fresh ``seed_demo``."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from reports.demo.kpi import HISTORY_WEEKS, week_ends_before
from reports.models import KpiSnapshot
from reports.selectors import TREND_DAYS

pytestmark = pytest.mark.django_db

DEMO_KEYS = ("PORTAL", "CLOUD", "SOC2", "ERP", "WAN")
# Executing since before the history starts: their progress must show in it.
PROGRESSED = ("PORTAL", "SOC2")


def _history(key: str) -> list[KpiSnapshot]:
    return list(KpiSnapshot.objects.filter(project__key=key).order_by("as_of"))


def test_week_ends_before_counts_back_from_the_last_sunday():
    """From Thursday 26 Nov 2026 the three Sundays before are 8, 15 and 22 Nov; a Sunday does
    not count itself."""
    thursday, sunday = datetime.date(2026, 11, 26), datetime.date(2026, 11, 22)
    assert week_ends_before(thursday, 3) == [
        datetime.date(2026, 11, 8),
        datetime.date(2026, 11, 15),
        sunday,
    ]
    assert week_ends_before(sunday, 1) == [datetime.date(2026, 11, 15)]


@pytest.mark.date_sensitive
def test_seed_demo_gives_every_project_weeks_of_kpi_history(client):
    """Each demo project has today's snapshot and a weekly one on every Sunday before it; the
    projects under way show their progress moving, and the dashboard draws ≥ 8 points."""
    call_command("seed_demo", verbosity=0)
    for key in DEMO_KEYS:
        history = _history(key)
        today = history[-1].project.today()
        assert [s.as_of for s in history] == [*week_ends_before(today, HISTORY_WEEKS - 1), today]
        recent = [s for s in history if s.as_of > today - datetime.timedelta(days=TREND_DAYS)]
        assert len(recent) >= 8
    for key in PROGRESSED:
        history = _history(key)
        assert len({s.percent_complete for s in history}) > 3
        assert len({s.ac for s in history}) > 3
        assert history[0].ev < history[-1].ev

    client.force_login(get_user_model().objects.get(username="demo"))
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    for row in response.context["rows"]:
        percent = next(s for s in row.sparks if s.label == "% complete")
        assert percent.chart.count >= 8, row.project.key
        assert len(percent.chart.points.split()) == percent.chart.count
    soc2 = next(row for row in response.context["rows"] if row.project.key == "SOC2")
    panel = client.get(reverse("reports:project_kpis", args=[soc2.project.pk]))
    tiles = {tile.key: tile for tile in panel.context["tiles"]}
    assert tiles["percent_complete"].spark.chart.count >= 8
    assert tiles["percent_complete"].spark.chart.direction == "up"
    assert "no snapshot a week before" not in tiles["spi"].change


def test_seed_demo_again_keeps_the_history(client):
    """A second run rebuilds nothing that is there: the past snapshots are the same rows."""
    call_command("seed_demo", verbosity=0)
    before = {
        (s.project_id, s.as_of): (s.pk, s.computed_at)
        for s in KpiSnapshot.objects.all()
        if s.as_of < s.project.today()
    }
    call_command("seed_demo", verbosity=0)
    after = {
        (s.project_id, s.as_of): (s.pk, s.computed_at)
        for s in KpiSnapshot.objects.all()
        if s.as_of < s.project.today()
    }
    assert len(before) == len(DEMO_KEYS) * (HISTORY_WEEKS - 1)
    assert after == before
