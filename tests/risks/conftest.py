"""Fixtures of the risks tests: a small task network, a risk maker, Celery routing."""

import datetime

import pytest

from risks import services
from scheduling import services as schedule_services
from tests.workers import tasks_routed_to


@pytest.fixture
def network(project, manager):
    """Design (5 d, 4–9) → Build (10 d, 8–20) → Test (3 d, fixed) → Go-live (milestone),
    from Monday 5 January 2026; Build costs 1,000 a day."""

    def add(name, duration, **fields):
        return schedule_services.task_create(
            project=project, by=manager, name=name, duration=duration, **fields
        )

    design = add("Design", 5, optimistic_duration=4, most_likely_duration=5, pessimistic_duration=9)
    build = add(
        "Build",
        10,
        optimistic_duration=8,
        most_likely_duration=10,
        pessimistic_duration=20,
        fixed_cost=10_000,
    )
    test = add("Test", 3)
    golive = add("Go-live", 0)
    for before, after in ((design, build), (build, test), (test, golive)):
        schedule_services.dependency_add(
            project=project, by=manager, predecessor=before, successor=after
        )
    return {"Design": design, "Build": build, "Test": test, "Go-live": golive}


@pytest.fixture
def make_risk(project, manager):
    """``make_risk(title, probability=…, impact=…, …)`` through the service."""

    def make(title="Vendor slips", **fields):
        fields.setdefault("probability", 3)
        fields.setdefault("impact", 3)
        return services.risk_create(project=project, by=manager, title=title, **fields)

    return make


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process even when REDIS_URL points the app at a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def forecast_worker(worker_queue):
    """A real Celery worker on Redis (``worker_queue``) with the forecast task routed to it."""
    with tasks_routed_to(worker_queue, "risks.tasks.run_forecast"):
        yield worker_queue


MONDAY = datetime.date(2026, 1, 5)
