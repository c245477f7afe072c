"""The reports API: /kpis/ (latest snapshot and trend) and /health/ under a project."""

import datetime
from decimal import Decimal

import pytest

from projects import clock
from reports.models import KpiSnapshot

pytestmark = pytest.mark.django_db


def _kpis(project) -> str:
    return f"/api/v1/projects/{project.pk}/kpis/"


def _health(project) -> str:
    return f"/api/v1/projects/{project.pk}/health/"


@pytest.fixture
def history(project):
    """Three weekly snapshots, the latest today: SPI 0.80 → 0.90 → 0.84, cost turning amber."""
    today = clock.today()
    rows = [
        KpiSnapshot(
            project=project,
            as_of=today - datetime.timedelta(days=days),
            percent_complete=Decimal(pct),
            spi=Decimal(spi),
            cpi=Decimal("0.9000"),
            bac=Decimal("2000.00"),
            risk_exposure=Decimal("1500.00"),
            open_risks_by_level={"low": 0, "medium": 1, "high": 0, "critical": 0},
            health="amber",
            health_schedule="amber",
            health_cost="amber",
            health_scope="green",
            health_risk="green",
            health_reasons={
                "overall": "Cost and schedule need attention.",
                "schedule": "SPI 0.84: the project has earned 84% of the work planned by now.",
                "cost": "CPI 0.90: every €1 spent earns €0.90 of planned work.",
                "scope": "All deliverables on track.",
                "risk": "No open critical or high risk.",
            },
        )
        for days, pct, spi in ((14, "10.0", "0.8000"), (7, "20.0", "0.9000"), (0, "30.0", "0.8400"))
    ]
    KpiSnapshot.objects.bulk_create(rows)
    return today


def test_kpis_returns_the_latest_snapshot_and_a_trend(api_for, viewer, project, history):
    """/kpis/ gives the latest snapshot's fields as strings and numbers, and the trend asked for."""
    response = api_for(viewer).get(_kpis(project), {"days": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == history.isoformat()
    assert (body["spi"], body["cpi"], body["percent_complete"]) == ("0.8400", "0.9000", "30.0")
    assert body["bac"] == "2000.00" and body["risk_exposure"] == "1500.00"
    assert body["open_risks_by_level"]["medium"] == 1 and body["health"] == "amber"
    for name in ("sv", "cv", "eac", "vac", "forecast_finish", "baseline_finish"):
        assert name in body
    assert [p["spi"] for p in body["trend"]] == ["0.9000", "0.8400"]  # 10 days: two snapshots
    everything = api_for(viewer).get(_kpis(project)).json()["trend"]  # default 30 days
    assert [p["as_of"] for p in everything] == sorted(p["as_of"] for p in everything)
    assert len(everything) == 3
    assert api_for(viewer).get(_kpis(project), {"days": 0}).json()["trend"] == []


def test_kpis_rejects_a_bad_days_parameter(api_for, viewer, project, history):
    """``days`` outside 0–366 is a 400 naming the field."""
    response = api_for(viewer).get(_kpis(project), {"days": 999})
    assert response.status_code == 400 and "days" in response.json()


def test_health_gives_overall_and_each_dimension_with_reasons(api_for, viewer, project, history):
    """/health/ is the latest snapshot's rating overall and per dimension, word and reason."""
    body = api_for(viewer).get(_health(project)).json()
    assert body["as_of"] == history.isoformat()
    assert body["overall"] == {
        "rag": "amber",
        "label": "Amber",
        "reason": "Cost and schedule need attention.",
    }
    assert set(body["dimensions"]) == {"schedule", "cost", "scope", "risk"}
    assert body["dimensions"]["cost"]["reason"].startswith("CPI 0.90")
    assert body["dimensions"]["scope"]["rag"] == "green"


def test_kpis_and_health_compute_a_first_snapshot(api_for, viewer, project):
    """A project with no snapshot yet gets today's computed on the first read, once."""
    client = api_for(viewer)
    kpis = client.get(_kpis(project)).json()
    health = client.get(_health(project)).json()
    assert KpiSnapshot.objects.filter(project=project).count() == 1
    assert kpis["as_of"] == health["as_of"]
    assert health["overall"]["rag"] in {"green", "amber", "red"} and health["overall"]["reason"]


@pytest.mark.parametrize("url", [_kpis, _health])
def test_reports_api_is_404_for_an_outsider_and_read_only(api_for, outsider, manager, project, url):
    """A non-member gets 404 (and computes nothing); writes are not offered to anyone."""
    assert api_for(outsider).get(url(project)).status_code == 404
    assert not KpiSnapshot.objects.filter(project=project).exists()
    assert api_for(manager).put(url(project), {}, format="json").status_code == 405
    assert api_for(manager).post(url(project), {}, format="json").status_code == 405


@pytest.mark.parametrize("url", [_kpis, _health])
def test_reports_api_query_count(api_for, viewer, project, history, url, django_assert_num_queries):
    """Each read costs the access door, the latest snapshot and (for /kpis/) the trend."""
    client = api_for(viewer)
    client.get(url(project))  # warm up anything cached per process
    expected = 3 if url is _kpis else 2
    with django_assert_num_queries(expected):
        assert client.get(url(project)).status_code == 200
