"""The chance of meeting the target in KPIs, health and the portfolio dashboard: the snapshot
takes the latest forecast's chances, the schedule is not green when the target is met in under
half the runs, and the dashboard shows both chances as sortable columns at no extra query."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from projects import clock
from projects.models import Membership, Role
from reports.models import HealthThresholds, KpiSnapshot
from reports.services.kpi import kpi_snapshot_refresh, refresh_key
from risks import services as risk_services
from risks.models import ForecastRun
from scheduling import services as schedule_services
from tests.factories import ProjectFactory, project_with

pytestmark = pytest.mark.django_db


def _forecast(project, *, chance: float | None, budget_chance: float | None = 0.8, **fields):
    """A done run measured against the project's target (as the worker stores one)."""
    fields.setdefault("target_finish", project.target_finish)
    return ForecastRun.objects.create(
        project=project,
        iterations=1_000,
        seed=1,
        status="done",
        results={},
        p_target_finish=chance,
        budget=None if budget_chance is None else Decimal("1000.00"),
        p_budget=budget_chance,
        **fields,
    )


def test_snapshot_takes_the_latest_forecasts_chances_and_rates_the_schedule(project):
    """The snapshot stores the newest done run's chances; at 42 % the schedule is amber with
    the reason, at 63 % it is green again."""
    _forecast(project, chance=0.9)
    _forecast(project, chance=0.42, budget_chance=0.3)
    snapshot = kpi_snapshot_refresh(project=project, as_of=clock.today())
    assert (snapshot.p_target_finish, snapshot.p_budget) == (0.42, 0.3)
    assert snapshot.health_schedule == "amber"
    assert (
        "Only 42 % of the forecast's runs finish by the target 30 Jun 2026"
        in (snapshot.health_reasons["schedule"])
    )
    assert snapshot.health == "amber"
    _forecast(project, chance=0.63)
    snapshot = kpi_snapshot_refresh(project=project, as_of=clock.today())
    assert (snapshot.p_target_finish, snapshot.health_schedule) == (0.63, "green")


def test_snapshot_ignores_a_chance_measured_against_another_target(project):
    """Once the target moves, the last run's chance no longer says anything about it: null
    (and no rating from it) until the next run; its budget chance still counts."""
    _forecast(project, chance=0.1, target_finish=datetime.date(2026, 3, 31))
    snapshot = kpi_snapshot_refresh(project=project, as_of=clock.today())
    assert (snapshot.p_target_finish, snapshot.p_budget) == (None, 0.8)
    assert snapshot.health_schedule == "green"


def test_snapshot_without_forecast_has_no_chance(project):
    """No forecast: both chances null."""
    snapshot = kpi_snapshot_refresh(project=project, as_of=clock.today())
    assert (snapshot.p_target_finish, snapshot.p_budget) == (None, None)


def test_a_finished_forecast_refreshes_the_kpis(
    manager, eager_tasks, django_capture_on_commit_callbacks
):
    """A run stored by the worker queues a KPI refresh, so health reads its chance at once."""
    # The set-up's own refreshes run as its commits would: a request still waiting in the
    # test's transaction (which never commits) would absorb the run's.
    with django_capture_on_commit_callbacks(execute=True):
        project = project_with(manager=manager)
        schedule_services.task_create(
            project=project,
            by=manager,
            name="Build",
            duration=10,
            optimistic_duration=8,
            most_likely_duration=10,
            pessimistic_duration=15,
        )
    KpiSnapshot.objects.all().delete()
    cache.delete(refresh_key(project.pk))  # the set-up's window closed, as its timeout would
    with django_capture_on_commit_callbacks(execute=True):
        run = risk_services.forecast_run_now(project=project, by=manager, iterations=200, seed=2)
    snapshot = KpiSnapshot.objects.get(project=project)
    assert snapshot.p_target_finish == run.p_target_finish == 1.0


@pytest.fixture
def eager_tasks():
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


# --- the dashboard -------------------------------------------------------------------------------


def _snapshot(project, **fields) -> KpiSnapshot:
    values = {
        "health": "green",
        "health_schedule": "green",
        "health_cost": "green",
        "health_scope": "green",
        "health_risk": "green",
        "health_reasons": {"overall": "All on track."},
    }
    return KpiSnapshot(project=project, as_of=clock.today(), **{**values, **fields})


def _row(html: str, project) -> str:
    start = html.index(f'id="project-{project.pk}"')
    return html[start : html.index("</tr>", start)]


def test_dashboard_shows_the_chances_as_columns(client_for, manager, project):
    """Each row shows the chances of the target and the budget in whole percent (rounded
    down); a chance under the project's threshold is marked, a missing one is a dash."""
    other = project_with(manager=manager)
    _snapshot(project, p_target_finish=0.4996, p_budget=0.875).save()
    _snapshot(other).save()
    html = client_for(manager).get("/").content.decode()
    assert "Chance of target" in html and "Chance of budget" in html
    row = _row(html, project)
    assert 'class="num target-chance bad-text"' in row and ">49 %</span>" in row
    assert 'class="num budget-chance"' in row and ">87 %</span>" in row
    assert ">—</span>" in _row(html, other) and " %</span>" not in _row(html, other)


def test_dashboard_sorts_by_the_chance_of_the_target_lowest_first(client_for, manager):
    """Sorting by the chance of the target puts the least likely first, unknown last; the
    reverse puts the likeliest first."""
    a, b, c = (project_with(manager=manager) for _ in range(3))
    KpiSnapshot.objects.bulk_create(
        [
            _snapshot(a, p_target_finish=0.9, p_budget=0.1),
            _snapshot(b, p_target_finish=0.2, p_budget=0.5),
            _snapshot(c),
        ]
    )
    client = client_for(manager)

    def order(sort: str) -> list[int]:
        return [row.project.pk for row in client.get("/", {"sort": sort}).context["rows"]]

    assert order("target") == [b.pk, a.pk, c.pk]
    assert order("-target") == [a.pk, b.pk, c.pk]
    assert order("budget") == [a.pk, b.pk, c.pk]


def test_dashboard_chance_column_costs_no_query(client_for, manager, django_assert_max_num_queries):
    """The chances come with the latest snapshot's join: 3 or 60 projects with chances cost
    the queries a page without them costs."""
    client = client_for(manager)

    def add(count: int, **fields) -> None:
        projects = ProjectFactory.create_batch(count)
        Membership.objects.bulk_create(
            [Membership(project=p, user=manager, role=Role.MANAGER) for p in projects]
        )
        KpiSnapshot.objects.bulk_create([_snapshot(p, **fields) for p in projects])

    add(3)
    with CaptureQueriesContext(connection) as plain:
        client.get("/")
    add(57, p_target_finish=0.55, p_budget=0.35)
    with django_assert_max_num_queries(len(plain.captured_queries)):
        html = client.get("/?sort=target").content.decode()
    assert html.count(">55 %</span>") == 50  # a page of them, lowest chance first


def test_dashboard_row_cache_follows_the_chance_and_its_threshold(client_for, manager, project):
    """A row's cached HTML is redrawn when its chance changes, and when the project's
    threshold moves the chance under it."""
    client = client_for(manager)
    _snapshot(project, p_target_finish=0.7).save()

    def row() -> str:
        return _row(client.get("/").content.decode(), project)

    assert ">70 %</span>" in row() and "target-chance bad-text" not in row()
    KpiSnapshot.objects.filter(project=project).update(p_target_finish=0.65)
    assert ">65 %</span>" in row()
    HealthThresholds.objects.create(project=project, target_chance_green=Decimal("0.80"))
    assert "target-chance bad-text" in row()


# --- the exports ---------------------------------------------------------------------------------


def test_excel_export_has_both_chances_in_whole_percent_and_blank_without(
    client_for, manager, project
):
    """The Excel download carries both chances as numbers (whole percent, rounded down, as on
    screen), sorted as asked, and an empty cell where the dashboard shows a dash."""
    other = project_with(manager=manager)
    _snapshot(project, p_target_finish=0.4996, p_budget=0.875).save()
    _snapshot(other).save()
    response = client_for(manager).get("/", {"format": "xlsx", "sort": "target"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    target, budget = header.index("Chance of target %"), header.index("Chance of budget %")
    by_key = {row[header.index("Key")]: row for row in rows[1:]}
    assert (by_key[project.key][target], by_key[project.key][budget]) == (49, 87)
    assert (by_key[other.key][target], by_key[other.key][budget]) == (None, None)
    assert [row[header.index("Key")] for row in rows[1:]] == [project.key, other.key]


def test_pdf_export_has_both_chance_columns(client_for, manager, project):
    """The PDF download has the two columns and each row's chances, a dash without one."""
    other = project_with(manager=manager)
    _snapshot(project, p_target_finish=0.42, p_budget=0.9).save()
    _snapshot(other).save()
    response = client_for(manager).get("/", {"format": "pdf", "sort": "-budget"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Chance of target" in text and "Chance of budget" in text
    assert "42 %" in text and "90 %" in text and "—" in text


def test_dashboard_dash_says_why_there_is_no_chance(client_for, manager, project):
    """A dash is never a guess: its hover text says why, read from the latest finished
    forecast: none yet; one that measured another target or had no budget to hold to; or no
    snapshot at all."""
    unforecast, unsnapshot = project_with(manager=manager), project_with(manager=manager)
    _snapshot(project).save()
    _snapshot(unforecast).save()
    _forecast(project, chance=0.3, budget_chance=None, target_finish=datetime.date(2026, 3, 31))
    html = client_for(manager).get("/").content.decode()

    def titles(row: str) -> list[str]:
        return [part.split('"', 1)[0] for part in row.split('class="muted" title="')[1:]]

    assert titles(_row(html, project))[-2:] == [
        "The latest forecast measured the target 31 Mar 2026, not 30 Jun 2026; the next run"
        " measures the new one",
        "No budget to hold the cost to: neither a BAC nor an approved budget",
    ]
    assert titles(_row(html, unforecast))[-2:] == [
        "No forecast has run yet, so nothing measured the target 30 Jun 2026",
        "No forecast has run yet, so nothing measured the budget",
    ]
    assert (
        titles(_row(html, unsnapshot))[-2:]
        == ["Not computed yet: no KPI snapshot of this project"] * 2
    )
