"""Monte Carlo forecast runs: inputs from the plan and the register, validation, the Celery
task (eager and on a real worker), stored results through the project calendar, idempotency."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from risks import services
from risks.models import ForecastRun
from risks.services.forecast import _Progress
from risks.simulation import simulate
from risks.tasks import run_forecast
from scheduling import services as schedule_services
from scheduling.models import Task
from scheduling.selectors import schedule_summary
from scheduling.services import work_calendar
from tests.factories import project_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def risky(network, make_risk):
    """A likely threat on Build (+5 days, 2,000), a closed one and an opportunity on Test."""
    threat = make_risk(
        "Vendor slips",
        probability=4,
        cost_impact=Decimal("2000"),
        schedule_impacts={network["Build"]: 5},
    )
    make_risk("Old", probability=5, status="closed", schedule_impacts={network["Build"]: 50})
    chance = make_risk(
        "Reuse tests",
        kind="opportunity",
        response_strategy="exploit",
        probability=2,
        cost_impact=Decimal("500"),
        schedule_impacts={network["Test"]: 1},
    )
    return {"threat": threat, "opportunity": chance}


def test_forecast_inputs_read_the_plan_and_the_live_register(project, network, risky):
    """Tasks with their estimates and cost per day, links, and live risks with their scale
    percentage as a probability; an opportunity takes days and money away; the base cost is
    the BAC (here the plan's task costs)."""
    inputs = services.forecast_inputs(project)
    tasks = {t.id: t for t in inputs.tasks}
    build = tasks[network["Build"].pk]
    assert (build.optimistic, build.most_likely, build.pessimistic) == (8, 10, 20)
    assert build.cost_per_day == Decimal("1000")
    assert tasks[network["Test"].pk].optimistic is None
    assert len(inputs.links) == 3
    assert [
        (r.id, r.probability, dict(r.schedule_impact), r.cost_impact) for r in inputs.risks
    ] == [
        (risky["threat"].pk, 0.7, {network["Build"].pk: 5}, Decimal("2000.00")),
        (risky["opportunity"].pk, 0.3, {network["Test"].pk: -1}, Decimal("-500.00")),
    ]
    assert inputs.base_cost == Decimal("10000.00")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"iterations": 99}, "iterations", "between 100 and 100,000"),
        ({"iterations": 100_001}, "iterations", "between 100 and 100,000"),
        ({"iterations": "many"}, "iterations", "between 100 and 100,000"),
        ({"distribution": "normal"}, "distribution", "triangular or PERT"),
        ({"seed": -1}, "seed", "whole number"),
    ],
)
def test_forecast_request_refuses_bad_parameters(project, manager, network, kwargs, field, message):
    """Iterations 100–100,000, a known distribution and a non-negative seed, per field."""
    with pytest.raises(ValidationError) as error:
        services.forecast_request(project=project, by=manager, **kwargs)
    assert message in error.value.message_dict[field][0]
    assert not ForecastRun.objects.exists()


def test_forecast_request_names_the_task_with_a_bad_estimate(project, manager, network):
    """Pessimistic below optimistic (an import bypassing the form) is refused at once with
    the task's name, and no run is queued."""
    Task.objects.filter(pk=network["Build"].pk).update(
        optimistic_duration=9, most_likely_duration=None, pessimistic_duration=3
    )
    with pytest.raises(ValidationError) as error:
        services.forecast_request(project=project, by=manager)
    assert error.value.message_dict["estimates"] == [
        "Task “Build”: pessimistic estimate 3 is less than optimistic 9."
    ]
    Task.objects.filter(pk=network["Build"].pk).update(optimistic_duration=None)
    with pytest.raises(ValidationError) as error:
        services.forecast_request(project=project, by=manager)
    assert "Task “Build”: a three-point estimate needs" in error.value.message_dict["estimates"][0]
    assert not ForecastRun.objects.exists()


def test_forecast_request_needs_tasks(project, manager):
    """A project without tasks has nothing to forecast."""
    with pytest.raises(ValidationError) as error:
        services.forecast_request(project=project, by=manager)
    assert "no tasks" in error.value.message_dict["tasks"][0]


def test_forecast_request_runs_the_task_on_commit_and_stores_results(
    project, manager, network, risky, eager_tasks, django_capture_on_commit_callbacks
):
    """The request queues the task on commit (eager Celery runs it here); the stored results
    are the simulation's, with finish dates through the project calendar and money as
    decimal strings."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.forecast_request(project=project, by=manager, iterations=1_000, seed=7)
        assert run.status == "queued"
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert (run.status, run.progress, run.error) == ("done", 100, "")
    assert run.started_at <= run.finished_at

    inputs = services.forecast_inputs(project)
    expected = simulate(
        inputs.tasks,
        inputs.links,
        inputs.risks,
        base_cost=inputs.base_cost,
        iterations=1_000,
        seed=7,
    )
    calendar = work_calendar(project)
    results = run.results
    for p in (10, 50, 80, 90, 95):
        index = expected.finish_percentiles[p]
        assert results["finish"][f"P{p}"] == {
            "index": index,
            "date": calendar.index_to_date(index - 1).isoformat(),
        }
        assert results["cost"][f"P{p}"] == str(expected.cost_percentiles[p])
    assert results["base_cost"] == "10000.00"
    histogram = results["finish_histogram"]
    assert [h["index"] for h in histogram] == list(expected.finish_indexes)
    assert [h["count"] for h in histogram] == list(expected.finish_counts)
    assert all(h["date"] == calendar.index_to_date(h["index"] - 1).isoformat() for h in histogram)
    assert results["s_curve"][-1]["percent"] == 100.0
    assert sum(b["count"] for b in results["cost_histogram"]) == 1_000
    assert results["criticality"][str(network["Build"].pk)] == 1.0
    assert {d["name"] for d in results["drivers"]} >= {"Build", "R-1 Vendor slips"}


def test_forecast_deterministic_finish_is_the_schedule_finish(project, manager, network):
    """With the plan's durations the forecast's deterministic finish is the finish date the
    schedule shows: the plan ends with the Go-live milestone, so its day, not Test's."""
    run = services.forecast_run_now(project=project, by=manager, iterations=100, seed=1)
    network["Go-live"].refresh_from_db()
    assert run.results["deterministic_finish"]["date"] == network["Go-live"].finish_date.isoformat()
    assert run.results["deterministic_finish"]["date"] == str(schedule_summary(project)["finish"])
    assert run.results["deterministic_finish"]["index"] == 19


def test_forecast_same_seed_same_results(project, manager, network, risky):
    """Two runs with one seed store the same results; the seed is stored when drawn."""
    first = services.forecast_run_now(project=project, by=manager, iterations=500, seed=42)
    second = services.forecast_run_now(project=project, by=manager, iterations=500, seed=42)
    assert first.results == second.results
    drawn = services.forecast_run_now(project=project, by=manager, iterations=100)
    assert drawn.seed >= 0 and drawn.results["seed"] == drawn.seed


def test_run_forecast_twice_does_not_recompute_a_done_run(
    project, manager, network, eager_tasks, django_capture_on_commit_callbacks
):
    """Running the task again for a done run changes nothing, even if the plan changed."""
    with django_capture_on_commit_callbacks(execute=True):
        run = services.forecast_request(project=project, by=manager, iterations=200, seed=3)
    run.refresh_from_db()
    before = (run.results, run.finished_at)
    Task.objects.filter(pk=network["Test"].pk).update(duration=30)
    assert run_forecast.apply(args=[run.pk]).get() == "done"
    run.refresh_from_db()
    assert (run.results, run.finished_at) == before


def test_run_forecast_picks_up_a_run_left_running(project, manager, network):
    """A run left "running" by a worker that died is computed when the task is redelivered."""
    run = ForecastRun.objects.create(
        project=project, requested_by=manager, iterations=200, seed=5, status="running"
    )
    assert run_forecast.apply(args=[run.pk]).get() == "done"
    run.refresh_from_db()
    assert run.status == "done" and run.results["iterations"] == 200


def test_run_forecast_of_a_deleted_run_does_nothing(db):
    """A run deleted before the worker got to it is skipped."""
    assert run_forecast.apply(args=[987654]).get() is None


def test_run_forecast_fails_clearly_when_the_plan_broke_since_the_request(
    project, manager, network
):
    """A plan that cannot be simulated any more fails the run with the reason, by task name."""
    run = ForecastRun.objects.create(project=project, requested_by=manager, iterations=200, seed=5)
    Task.objects.filter(pk=network["Design"].pk).update(
        optimistic_duration=6, most_likely_duration=None, pessimistic_duration=2
    )
    assert run_forecast.apply(args=[run.pk]).get() == "failed"
    run.refresh_from_db()
    assert run.error == "Task “Design”: pessimistic estimate 2 is less than optimistic 6."
    assert run.results is None


def test_forecast_progress_is_written_at_most_every_ten_percent(
    project, manager, django_assert_num_queries
):
    """Chunks report often; the run's progress is written only when it moved by 10% or more,
    and 100% only with the results."""
    run = ForecastRun.objects.create(
        project=project, requested_by=manager, iterations=10_000, seed=1, status="running"
    )
    progress = _Progress(run.pk)
    # 20 chunk reports, 9 writes (10%, 20%, … 90%) and the one read below.
    with django_assert_num_queries(10):
        for done in range(500, 10_001, 500):
            progress(done, 10_000)
            if done == 1_000:
                run.refresh_from_db()
                assert run.progress == 10
    run.refresh_from_db()
    assert run.progress == 90


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_forecast_request_is_computed_by_a_real_worker(forecast_worker, project, manager, network):
    """With Redis, the request queues the run after commit and a real worker computes it."""
    run = services.forecast_request(project=project, by=manager, iterations=1_000, seed=11)
    deadline = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=60)
    while datetime.datetime.now(datetime.UTC) < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.2)
    assert (run.status, run.progress) == ("done", 100)
    expected = services.forecast_run_now(project=project, by=manager, iterations=1_000, seed=11)
    assert run.results == expected.results


# --- estimates, the default uncertainty, numbering ---------------------------------------------


def test_forecast_without_estimates_warns_and_counts_them(project, manager):
    """With no three-point estimate the run says so: 0 of 2 estimated, and a warning."""
    for name in ("Design", "Build"):
        schedule_services.task_create(project=project, by=manager, name=name, duration=5)
    run = services.forecast_run_now(project=project, by=manager, iterations=200, seed=1)
    assert run.results["estimates"] == {
        "open_tasks": 2,
        "with_estimates": 0,
        "given_default": 0,
        "default_uncertainty": None,
    }
    assert "looks far more certain than the plan is" in run.results["warning"]
    assert run.results["finish"]["P10"] == run.results["finish"]["P95"]


def test_forecast_default_uncertainty_is_applied_at_run_time_and_recorded(
    project, manager, network
):
    """The project's default (from its risk scale) spreads the tasks without estimates for
    that run only: recorded on the run, the tasks unchanged."""
    services.risk_scale_update(
        project=project,
        by=manager,
        version=None,
        default_optimistic_percent=20,
        default_pessimistic_percent=50,
    )
    plain = services.forecast_run_now(project=project, by=manager, iterations=500, seed=4)
    spread = services.forecast_run_now(
        project=project, by=manager, iterations=500, seed=4, default_uncertainty=True
    )
    assert (plain.default_optimistic_percent, plain.default_pessimistic_percent) == (None, None)
    assert (spread.default_optimistic_percent, spread.default_pessimistic_percent) == (20, 50)
    estimates = spread.results["estimates"]
    assert (estimates["with_estimates"], estimates["given_default"]) == (2, 1)  # Test got it
    assert estimates["default_uncertainty"] == {"optimistic_percent": 20, "pessimistic_percent": 50}
    assert spread.results["finish_std_days"] > plain.results["finish_std_days"]
    test = Task.objects.get(pk=network["Test"].pk)
    assert (test.optimistic_duration, test.pessimistic_duration) == (None, None)


def test_forecast_runs_are_numbered_per_project(project, manager, network):
    """Each project counts its own forecasts from 1, whatever other projects ran."""
    other = project_with(manager=manager)
    schedule_services.task_create(project=other, by=manager, name="Only", duration=2)
    first_other = services.forecast_run_now(project=other, by=manager, iterations=100, seed=1)
    first = services.forecast_run_now(project=project, by=manager, iterations=100, seed=1)
    second = services.forecast_run_now(project=project, by=manager, iterations=100, seed=2)
    assert (first_other.number, first.number, second.number) == (1, 1, 2)
    assert str(second) == f"Forecast 2 of {project.key} (Done)"
