"""Schedule reads: baseline variance, WBS roll-up, sprints and velocity, phases and tolerances."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import services as project_services
from scheduling import selectors, services
from scheduling.models import BacklogItem, Sprint

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def chain(project, manager):
    """Monday 5 Jan 2026: A(3d) → B(2d) under work package 1.1; C(4d) under 2."""
    project.start_date = D(2026, 1, 5)
    project.save()
    design = project_services.work_package_add(project=project, by=manager, name="Design")
    ux = project_services.work_package_add(project=project, by=manager, name="UX", parent=design)
    build = project_services.work_package_add(project=project, by=manager, name="Build")
    a = services.task_create(project=project, by=manager, name="A", duration=3, work_package=ux)
    b = services.task_create(project=project, by=manager, name="B", duration=2, work_package=ux)
    c = services.task_create(
        project=project, by=manager, name="C", duration=4, work_package=build, percent_complete=50
    )
    services.dependency_add(project=project, by=manager, predecessor=a, successor=b)
    return {"A": a, "B": b, "C": c, "design": design, "ux": ux, "build": build}


def test_baseline_variance_in_working_days_and_finish_slip(project, manager, chain):
    """A slips 2 working days over a weekend: B shows +2 start and finish, the project +2."""
    baseline = services.baseline_create(project=project, by=manager, name="Plan")
    services.task_update(task=chain["A"], by=manager, version=None, duration=5)
    variance = selectors.baseline_variance(project, baseline)
    rows = {r["name"]: r for r in variance["tasks"]}
    assert (rows["B"]["start_variance"], rows["B"]["finish_variance"]) == (2, 2)
    assert rows["B"]["finish"] == D(2026, 1, 13)  # Fri 9 → Tue 13: two working days
    assert (rows["C"]["start_variance"], rows["C"]["finish_variance"]) == (0, 0)
    assert variance["finish_slip"] == 2


def test_wbs_rollup_spans_and_weights_progress_by_duration(project, manager, chain):
    """Design (via UX) spans A and B; Build carries C's 50%; progress is duration-weighted."""
    services.task_update(task=chain["A"], by=manager, version=None, percent_complete=100)
    rollup = selectors.wbs_rollup(project)
    assert rollup[chain["ux"].pk] == rollup[chain["design"].pk]
    assert rollup[chain["design"].pk]["start_date"] == D(2026, 1, 5)
    assert rollup[chain["design"].pk]["finish_date"] == D(2026, 1, 9)
    assert rollup[chain["design"].pk]["percent_complete"] == 60.0  # (3×100 + 2×0) / 5
    assert rollup[chain["build"].pk]["percent_complete"] == 50.0


def test_phase_status_flags_time_and_cost_exceptions(project, manager, chain):
    """A stage forecast 2 working days late with 1 day of tolerance is an exception;
    cost within tolerance is not."""
    phase = services.phase_create(
        project=project,
        by=manager,
        name="Initiation",
        planned_finish=D(2026, 1, 7),
        planned_cost=Decimal("1000"),
        time_tolerance=1,
        cost_tolerance=Decimal("200"),
    )
    for task in (chain["A"], chain["B"]):
        services.task_update(
            task=task, by=manager, version=None, phase=phase, fixed_cost=Decimal("550")
        )
    [status] = selectors.phase_status(project)
    assert (status["start"], status["finish"]) == (D(2026, 1, 5), D(2026, 1, 9))
    assert status["slip"] == 2 and status["time_exception"]
    assert status["overspend"] == Decimal("100") and not status["cost_exception"]


def test_gate_review_conditional_go_needs_conditions(project, manager):
    """A conditional go without its conditions is refused; a go is recorded with who."""
    phase = services.phase_create(project=project, by=manager, name="Design")
    with pytest.raises(ValidationError, match="conditions"):
        services.gate_review_record(
            phase=phase, by=manager, decision="conditional", date=D(2026, 2, 2)
        )
    review = services.gate_review_record(phase=phase, by=manager, decision="go", date=D(2026, 2, 2))
    assert review.decided_by == manager


def test_sprint_flow_burndown_velocity_and_forecast(project, manager):
    """Run a sprint: items done on days show in the burndown; closing gives velocity and
    a forecast of sprints left; unfinished work returns to the backlog."""
    project.start_date = D(2026, 3, 2)
    project.save()
    sprint = services.sprint_create(
        project=project,
        by=manager,
        start_date=D(2026, 3, 2),
        finish_date=D(2026, 3, 13),
        capacity=20,
    )
    items = [
        services.backlog_item_create(
            project=project, by=manager, title=f"Story {n}", story_points=n, sprint=sprint
        )
        for n in (3, 5, 8)
    ]
    services.backlog_item_create(project=project, by=manager, title="Later", story_points=13)
    services.sprint_start(sprint=sprint, by=manager)
    services.backlog_item_update(
        item=items[0], by=manager, version=None, status="done", today=D(2026, 3, 3)
    )
    services.backlog_item_update(
        item=items[2], by=manager, version=None, status="done", today=D(2026, 3, 5)
    )
    days = selectors.sprint_burndown(sprint, today=D(2026, 3, 6))
    assert len(days) == 10  # two working weeks
    assert [d.remaining for d in days[:6]] == [16, 13, 13, 5, 5, None]
    assert days[0].ideal == 16 and days[-1].ideal == 0

    services.sprint_close(sprint=sprint, by=manager)
    items[1].refresh_from_db()
    assert items[1].sprint is None  # the unfinished 5 points went back to the backlog
    assert [v["done"] for v in selectors.velocity(project)] == [11]
    forecast = selectors.agile_forecast(project)
    assert forecast["remaining_points"] == 18
    assert forecast["sprints_left"] == 2  # ceil(18 / 11)


def test_sprint_start_allows_one_active_sprint(project, manager):
    """A second sprint cannot start while another is active."""
    first, second = (
        services.sprint_create(
            project=project, by=manager, start_date=D(2026, 3, 2), finish_date=D(2026, 3, 13)
        )
        for _ in range(2)
    )
    services.sprint_start(sprint=first, by=manager)
    with pytest.raises(ValidationError, match="Close Sprint 1"):
        services.sprint_start(sprint=second, by=manager)
    assert Sprint.objects.filter(status="active").count() == 1


def test_backlog_reorder_and_move(project, manager):
    """Moving an item up swaps it with the one above; reorder needs every item once."""
    a, b, c = (services.backlog_item_create(project=project, by=manager, title=t) for t in "abc")
    services.backlog_item_move(item=c, by=manager, direction="up")
    assert list(BacklogItem.objects.order_by("position").values_list("title", flat=True)) == [
        "a",
        "c",
        "b",
    ]
    with pytest.raises(ValidationError, match="already first"):
        services.backlog_item_move(item=a, by=manager, direction="up")
    with pytest.raises(ValidationError, match="exactly once"):
        services.backlog_reorder(project=project, by=manager, item_ids=[a.pk, b.pk])
