"""Scheduling through the services: dates are computed and stored in the edit's transaction."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.exceptions import StaleEdit
from scheduling import services
from scheduling.models import Baseline, Dependency, Task
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MONDAY = D(2026, 1, 5)


@pytest.fixture
def plan(project, manager):
    """Starts Monday 5 Jan 2026, Mon–Fri. A(3d) →FS B(2d) →FS M(milestone); A →SS+1 C(2d) →FS M."""
    project.start_date = MONDAY
    project.save()

    def task(name, duration, **fields):
        return services.task_create(
            project=project, by=manager, name=name, duration=duration, **fields
        )

    a, b, c, m = task("A", 3), task("B", 2), task("C", 2), task("M", 0)
    link = services.dependency_add
    link(project=project, by=manager, predecessor=a, successor=b)
    link(project=project, by=manager, predecessor=a, successor=c, type="SS", lag=1)
    link(project=project, by=manager, predecessor=b, successor=m)
    link(project=project, by=manager, predecessor=c, successor=m)
    return {t.name: t for t in Task.objects.filter(project=project).with_floats()}


def shown(task):
    task.refresh_from_db()
    return (task.start_date, task.finish_date)


def test_schedule_worked_example_gives_the_dates_a_pm_computes_by_hand(plan):
    """Shown dates, floats and the critical flag match the hand calculation."""
    a, b, c, m = plan["A"], plan["B"], plan["C"], plan["M"]
    assert shown(a) == (D(2026, 1, 5), D(2026, 1, 7))
    assert shown(b) == (D(2026, 1, 8), D(2026, 1, 9))
    assert shown(c) == (D(2026, 1, 6), D(2026, 1, 7))
    assert shown(m) == (D(2026, 1, 12), D(2026, 1, 12))  # the milestone after the weekend
    assert [(t.total_float, t.free_float, t.is_critical) for t in (a, b, c, m)] == [
        (0, 0, True),
        (0, 0, True),
        (2, 2, False),
        (0, 0, True),
    ]


def test_task_update_returns_the_new_dates_at_once(plan, manager):
    """Lengthening A moves B and the milestone in the same response."""
    a = services.task_update(task=plan["A"], by=manager, version=None, duration=5)
    assert a.finish_date == D(2026, 1, 9)
    assert shown(plan["B"]) == (D(2026, 1, 12), D(2026, 1, 13))
    assert shown(plan["M"]) == (D(2026, 1, 14), D(2026, 1, 14))


def test_holiday_add_and_remove_move_the_dates(project, manager, plan):
    """A holiday on Thursday 8 Jan pushes B past it; removing it brings B back."""
    holiday = services.holiday_add(project=project, by=manager, date=D(2026, 1, 8), name="Day")
    assert shown(plan["B"]) == (D(2026, 1, 9), D(2026, 1, 12))
    services.holiday_remove(holiday=holiday, by=manager)
    assert shown(plan["B"]) == (D(2026, 1, 8), D(2026, 1, 9))


def test_calendar_update_to_seven_day_weeks(project, manager, plan):
    """With every weekday worked, the milestone lands on the Saturday."""
    services.calendar_update(
        project=project, by=manager, version=None, working_weekdays=[1, 2, 3, 4, 5, 6, 7]
    )
    assert shown(plan["M"]) == (D(2026, 1, 10), D(2026, 1, 10))


def test_calendar_update_refuses_nonsense_weekdays(project, manager):
    """Weekdays must be ISO numbers 1–7, at least one."""
    for bad in ([], [0], [8], [1, 1]):
        with pytest.raises(ValidationError, match="ISO weekday"):
            services.calendar_update(
                project=project, by=manager, version=None, working_weekdays=bad
            )


def test_holidays_import_adds_a_countrys_public_holidays(project, manager):
    """England's 2026 bank holidays are added once; importing again adds nothing."""
    added = services.holidays_import(
        project=project, by=manager, country="gb", subdivision="ENG", year=2026
    )
    # Eight bank holidays, plus Monday 28 Dec standing in for Boxing Day on a Saturday.
    assert {D(2026, 12, 25), D(2026, 12, 28)} <= {h.date for h in added}
    assert len(added) == 9
    assert (
        services.holidays_import(
            project=project, by=manager, country="GB", subdivision="ENG", year=2026
        )
        == []
    )


def test_holidays_import_refuses_unknown_countries(project, manager):
    """An unknown country code gets a message on the country field."""
    with pytest.raises(ValidationError) as error:
        services.holidays_import(project=project, by=manager, country="XX", year=2026)
    assert "country" in error.value.message_dict


def test_dependency_add_refuses_a_loop_naming_its_tasks(project, manager, plan):
    """Closing a loop M → A is refused with the tasks of the loop, and nothing is saved."""
    before = Dependency.objects.count()
    with pytest.raises(ValidationError) as error:
        services.dependency_add(
            project=project, by=manager, predecessor=plan["M"], successor=plan["A"]
        )
    message = error.value.message_dict["successor"][0]
    assert "loop" in message and "“A”" in message and "“M”" in message
    assert Dependency.objects.count() == before


def test_dependency_add_refuses_the_reverse_of_a_link_and_duplicates(project, manager, plan):
    """B → A when A → B exists is a loop; A → B twice is a duplicate."""
    with pytest.raises(ValidationError, match="loop"):
        services.dependency_add(
            project=project, by=manager, predecessor=plan["B"], successor=plan["A"]
        )
    with pytest.raises(ValidationError, match="already linked"):
        services.dependency_add(
            project=project, by=manager, predecessor=plan["A"], successor=plan["B"]
        )


def test_dependency_add_refuses_tasks_of_another_project(project, manager, plan):
    """A task id from a foreign project cannot be linked."""
    foreign = Task.objects.create(project=ProjectFactory(), name="Foreign", duration=1)
    with pytest.raises(ValidationError, match="another project"):
        services.dependency_add(
            project=project, by=manager, predecessor=foreign, successor=plan["A"]
        )


def test_dependency_update_with_a_lead_pulls_the_successor(project, manager, plan):
    """A one-day lead on A → B starts B a day earlier."""
    link = Dependency.objects.get(predecessor=plan["A"], successor=plan["B"])
    services.dependency_update(dependency=link, by=manager, version=None, lag=-1)
    assert shown(plan["B"]) == (D(2026, 1, 7), D(2026, 1, 8))


def test_task_deadline_before_the_forecast_gives_negative_float(plan, manager):
    """A deadline of Thursday 8 Jan on B (forecast Friday 9) shows one day of negative float."""
    b = services.task_update(task=plan["B"], by=manager, version=None, deadline=D(2026, 1, 8))
    assert b.total_float == -1 and b.is_critical


def test_task_actual_start_holds_the_start(plan, manager):
    """C started on Monday 5 Jan keeps that start even though its SS link says Tuesday."""
    c = services.task_update(
        task=plan["C"], by=manager, version=None, actual_start=D(2026, 1, 5), percent_complete=50
    )
    assert (c.start_date, c.finish_date, c.status) == (D(2026, 1, 5), D(2026, 1, 6), "in_progress")


def test_task_actual_finish_means_done(plan, manager):
    """Recording a finish sets 100% and done."""
    a = services.task_update(
        task=plan["A"],
        by=manager,
        version=None,
        actual_start=D(2026, 1, 5),
        actual_finish=D(2026, 1, 8),
    )
    assert (a.percent_complete, a.status, a.finish_date) == (100, "done", D(2026, 1, 8))


def test_task_update_with_a_stale_version_is_refused(plan, manager):
    """Two people editing the same task: the second, working from an old version, gets StaleEdit."""
    services.task_update(task=plan["A"], by=manager, version=1, name="Design")
    with pytest.raises(StaleEdit):
        services.task_update(task=plan["A"], by=manager, version=1, name="Plan")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"actual_finish": D(2026, 1, 9)}, "__all__"),
        ({"actual_start": D(2026, 1, 9), "actual_finish": D(2026, 1, 8)}, "__all__"),
        ({"optimistic_duration": 5}, "most_likely_duration"),
        (
            {"optimistic_duration": 5, "most_likely_duration": 3, "pessimistic_duration": 9},
            "__all__",
        ),
        ({"fixed_cost": Decimal("-1")}, "__all__"),
        ({"percent_complete": 101}, "percent_complete"),
    ],
)
def test_task_create_refuses_inconsistent_input(project, manager, fields, field):
    """Finishing before starting, half an estimate, negative money: refused, nothing saved."""
    with pytest.raises(ValidationError) as error:
        services.task_create(project=project, by=manager, name="X", duration=2, **fields)
    assert field in error.value.message_dict
    assert not Task.objects.exists()


def test_schedule_recompute_writes_only_what_changed(project, plan):
    """Recomputing an unchanged plan writes no row."""
    assert services.schedule_recompute(project).moved_count == 0


def test_schedule_recompute_query_count_does_not_grow_with_tasks(
    project, manager, django_assert_max_num_queries
):
    """Rescheduling 300 chained tasks takes the same handful of queries as rescheduling none."""
    tasks = Task.objects.bulk_create(
        [Task(project=project, name=f"T{i}", duration=1 + i % 3) for i in range(300)]
    )
    Dependency.objects.bulk_create(
        [
            Dependency(project=project, predecessor=p, successor=s)
            for p, s in zip(tasks, tasks[1:], strict=False)
        ]
    )
    # Reading is a fixed handful of queries, writing one statement per 2,000 changed rows, and
    # the plan's finish (read, then stored the first time).
    with django_assert_max_num_queries(7):
        assert services.schedule_recompute(project).moved_count == 300
    assert Task.objects.filter(is_critical=True).count() == 300
    with django_assert_max_num_queries(6):
        assert services.schedule_recompute(project).moved_count == 0


def test_baseline_create_freezes_the_plan_and_one_is_the_performance_baseline(
    project, manager, plan
):
    """A baseline keeps each task's dates; only one baseline is the performance baseline."""
    first = services.baseline_create(
        project=project, by=manager, name="Approved", is_performance=True
    )
    services.task_update(task=plan["A"], by=manager, version=None, duration=5)
    second = services.baseline_create(
        project=project, by=manager, name="Re-plan", is_performance=True
    )
    first.refresh_from_db()
    assert not first.is_performance and second.is_performance
    frozen = first.tasks.get(task=plan["M"])
    assert (frozen.start_date, frozen.finish_date) == (D(2026, 1, 12), D(2026, 1, 12))
    assert first.finish_date == D(2026, 1, 12) and second.finish_date == D(2026, 1, 14)
    with pytest.raises(ValidationError, match="already has a baseline"):
        services.baseline_create(project=project, by=manager, name="Approved")
    services.baseline_set_performance(baseline=first, by=manager)
    assert Baseline.objects.get(is_performance=True) == first
