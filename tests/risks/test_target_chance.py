"""The chance of meeting the target finish and the budget: measured by each forecast run against
the project's target and budget, stored on the run, served by ``/forecast/`` and shown on the
forecast page.

The worked example: one task from Monday 5 January 2026 with a triangular (10, 10, 20) estimate,
F(x) = 1 - ((20 - x) / 10)² on [10, 20]; rounded to d = floor(x + 0.5) working days it finishes
(shown) on working day d - 1, so it meets a target on working day T when x < T + 1.5. It costs
1,000 for 10 planned days (100 a day), which is its BAC: within budget when d <= 10.
"""

import datetime
from decimal import Decimal

import pytest

from risks import services
from risks.simulation import simulate
from scheduling import services as schedule_services

pytestmark = pytest.mark.django_db

# Working day 13 from Monday 5 January 2026 (weekends off): Thursday 22 January.
DAY_13 = datetime.date(2026, 1, 22)
SATURDAY_AFTER = datetime.date(2026, 1, 24)  # counts from Friday 23 January, day 14


def _cdf(x: float) -> float:
    return 1 - ((20 - x) / 10) ** 2


@pytest.fixture
def single_task(project, manager):
    return schedule_services.task_create(
        project=project,
        by=manager,
        name="Build",
        duration=10,
        optimistic_duration=10,
        most_likely_duration=10,
        pessimistic_duration=20,
        fixed_cost=1_000,
    )


def _run(project, manager):
    return services.forecast_run_now(project=project, by=manager, iterations=10_000, seed=17)


@pytest.mark.parametrize(("target", "day"), [(DAY_13, 13), (SATURDAY_AFTER, 14)])
def test_forecast_run_stores_the_chance_of_the_target_and_the_budget(
    project, manager, single_task, target, day
):
    """The run stores the target and budget it measured against and the shares that met
    them: F(T + 1.5) for the target (a target on a Saturday counts from the Friday before) and
    F(10.5) for the BAC of 1,000, the engine's own counts on the same samples."""
    project.target_finish = target
    project.save()
    run = _run(project, manager)
    assert (run.status, run.target_finish, run.budget) == ("done", target, Decimal("1000.00"))
    assert run.plan_finish == datetime.date(2026, 1, 16)  # ten working days: Fri 16 Jan
    assert run.p_target_finish == pytest.approx(_cdf(day + 1.5), abs=0.015)
    assert run.p_budget == pytest.approx(_cdf(10.5), abs=0.015)
    inputs = services.forecast_inputs(project)
    engine = simulate(
        inputs.tasks,
        inputs.links,
        base_cost=inputs.base_cost,
        iterations=10_000,
        seed=17,
        target_finish=day,
        budget=Decimal("1000"),
    )
    assert (run.p_target_finish, run.p_budget) == (engine.p_target_finish, engine.p_budget)


def test_forecast_run_without_a_budget_stores_no_budget_chance(project, manager):
    """No budget (no task costs, no budget lines, so no BAC nor approved budget): the budget
    chance is null; the target (every project has one) is still measured."""
    schedule_services.task_create(
        project=project,
        by=manager,
        name="Build",
        duration=10,
        optimistic_duration=8,
        most_likely_duration=10,
        pessimistic_duration=15,
    )
    run = _run(project, manager)
    assert run.status == "done"
    assert (run.budget, run.p_budget) == (None, None)
    assert run.target_finish == project.target_finish and run.p_target_finish == 1.0


def test_forecast_api_serves_the_chances_and_null_without_them(
    api_for, viewer, project, manager, single_task
):
    """``/forecast/`` answers ``p_target_finish`` and ``p_budget`` (0–1) of the latest run, and
    with the run what they were measured against; null before any run, and null for a run
    computed before the chances were measured."""
    client = api_for(viewer)
    path = f"/api/v1/projects/{project.pk}/forecast/"
    empty = client.get(path).json()
    assert (empty["p_target_finish"], empty["p_budget"]) == (None, None)

    project.target_finish = DAY_13
    project.save()
    run = _run(project, manager)
    body = client.get(path).json()
    assert body["p_target_finish"] == run.p_target_finish
    assert body["p_budget"] == run.p_budget
    assert 0 < body["p_target_finish"] < 1 and 0 < body["p_budget"] < 1
    latest = body["latest"]
    assert (latest["target_finish"], latest["budget"]) == ("2026-01-22", "1000.00")
    assert latest["p_target_finish"] == run.p_target_finish
    assert latest["plan_finish"] == "2026-01-16"

    type(run).objects.filter(pk=run.pk).update(
        target_finish=None, budget=None, p_target_finish=None, p_budget=None
    )
    body = client.get(path).json()
    assert (body["p_target_finish"], body["p_budget"]) == (None, None)
    assert body["latest"]["id"] == run.pk


def test_forecast_page_shows_the_chance_of_the_target_and_the_budget(
    client_for, viewer, project, manager, single_task
):
    """The page says, in whole percent rounded down, the chance of finishing by the target
    date (named) and of staying within the budget."""
    project.target_finish = DAY_13
    project.save()
    run = _run(project, manager)
    html = client_for(viewer).get(f"/projects/{project.pk}/risks/forecast/").content.decode()
    percent = int(run.p_target_finish * 100)
    assert "Chance of finishing by the target date (" in html
    assert f">22 Jan 2026</time>): {percent} %" in html
    assert f"Chance of staying within the budget (€1,000.00): {int(run.p_budget * 100)} %" in html


def test_forecast_page_says_why_there_is_no_chance(client_for, viewer, project, manager):
    """Without a budget the page says so instead of a number; a run computed before the chance
    was measured says the next run measures it against the target."""
    schedule_services.task_create(
        project=project,
        by=manager,
        name="Build",
        duration=5,
        optimistic_duration=4,
        most_likely_duration=5,
        pessimistic_duration=8,
    )
    run = _run(project, manager)
    type(run).objects.filter(pk=run.pk).update(target_finish=None, p_target_finish=None)
    html = client_for(viewer).get(f"/projects/{project.pk}/risks/forecast/").content.decode()
    assert "this run had no target finish to measure against" in html
    assert "the next run measures against 30 Jun 2026" in html
    assert "neither a BAC nor an approved budget" in html


def test_the_chances_are_hidden_from_a_non_member(
    api_for, client_for, outsider, project, manager, single_task
):
    """Someone who is not a member of the project finds no chance anywhere: 404 on
    ``/forecast/``, ``/kpis/`` and the forecast page, and the project is not on their
    dashboard."""
    run = _run(project, manager)
    assert run.p_target_finish is not None
    api = api_for(outsider)
    for path in (
        f"/api/v1/projects/{project.pk}/forecast/",
        f"/api/v1/projects/{project.pk}/kpis/",
    ):
        assert api.get(path).status_code == 404, path
    client = client_for(outsider)
    assert client.get(f"/projects/{project.pk}/risks/forecast/").status_code == 404
    assert f'id="project-{project.pk}"' not in client.get("/").content.decode()
