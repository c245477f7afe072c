"""The stored schedule after any sequence of edits equals a full recompute.

The services take shortcuts (array recompute that writes only changed rows; a new task without
links scheduled on its own when it cannot move the plan's finish). The reference here is the
plain path: every task read as an object, converted with the calendar's scalar methods, and
scheduled by the engine's object entry point. After each random edit, every task's stored
computed columns must equal the reference, and the edit's reported ``moved`` ids must be the
rows whose stored values changed.
"""

import datetime
import random

import pytest

from scheduling import engine, services
from scheduling.models import Dependency, Task

pytestmark = pytest.mark.django_db

D = datetime.date


def reference(project) -> dict[int, tuple]:
    """Each task's computed columns by the plain path (no arrays, no shortcuts)."""
    calendar = services.work_calendar(project)
    inputs = []
    for task in Task.objects.filter(project=project):
        first, last = calendar.actual_indexes(task.actual_start, task.actual_finish)
        inputs.append(
            engine.TaskInput(
                id=task.pk,
                duration=task.duration,
                constraint=None
                if task.constraint_date is None
                else calendar.date_to_index(task.constraint_date),
                deadline=None
                if task.deadline is None
                else calendar.last_index_on_or_before(task.deadline),
                actual_start=first,
                actual_finish=last,
            )
        )
    links = [
        engine.LinkInput(predecessor=p, successor=s, type=t, lag=lag)
        for p, s, t, lag in Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "type", "lag"
        )
    ]
    result = engine.compute_schedule(inputs, links)
    expected = {}
    for pk, r in result.tasks.items():
        start, finish = calendar.shown_dates(r.early_start, r.early_finish)
        expected[pk] = (
            r.early_start,
            r.early_finish,
            r.late_start,
            r.late_finish,
            r.total_float,
            r.free_float,
            r.is_critical,
            start,
            finish,
        )
    return expected


def stored(project) -> dict[int, tuple]:
    """Each task's schedule as pages and the API read it (late dates and floats derived)."""
    return {
        row[0]: tuple(row[1:])
        for row in Task.objects.filter(project=project)
        .with_floats()
        .values_list("pk", *Task.SHOWN_COMPUTED_FIELDS)
    }


def stored_columns(project) -> dict[int, tuple]:
    """Each task's stored schedule columns: what a recompute writes."""
    return {
        row[0]: tuple(row[1:])
        for row in Task.objects.filter(project=project).values_list("pk", *Task.COMPUTED_FIELDS)
    }


def random_task_fields(rng: random.Random, today: datetime.date) -> dict:
    fields = {"duration": rng.choice([0, 1, 2, 3, 5, 8, 13])}
    if rng.random() < 0.2:
        fields["constraint_date"] = D(2026, 1, 5) + datetime.timedelta(days=rng.randint(-5, 60))
    if rng.random() < 0.15:
        fields["deadline"] = D(2026, 1, 5) + datetime.timedelta(days=rng.randint(0, 60))
    if rng.random() < 0.1:
        start = D(2026, 1, 5) + datetime.timedelta(days=rng.randint(0, 20))
        fields["actual_start"] = min(start, today)
        if rng.random() < 0.5:
            fields["actual_finish"] = min(start + datetime.timedelta(days=rng.randint(0, 6)), today)
    return fields


@pytest.mark.parametrize("seed", range(6))
def test_stored_schedule_equals_a_full_recompute_after_random_edits(project, manager, seed):
    rng = random.Random(seed)
    project.start_date = D(2026, 1, 5)
    project.save()
    if seed % 2:
        services.holiday_add(project=project, by=manager, date=D(2026, 1, 14), name="Holiday")
    today = project.today()
    tasks: list[Task] = []
    for step in range(40):
        before = stored(project)
        kind = rng.random()
        if kind < 0.35 or len(tasks) < 3:
            name = f"T{step}"
            task = services.task_create(
                project=project, by=manager, name=name, **random_task_fields(rng, today)
            )
            tasks.append(task)
            change = task.schedule_change
        elif kind < 0.6:
            task = rng.choice(tasks)
            task = services.task_update(
                task=task, by=manager, version=None, duration=rng.choice([0, 1, 4, 9, 21])
            )
            change = task.schedule_change
        elif kind < 0.85:
            a, b = rng.sample(tasks, 2)
            if a.pk > b.pk:
                a, b = b, a  # earlier → later: never a loop
            if Dependency.objects.filter(predecessor=a, successor=b).exists():
                continue
            link = services.dependency_add(
                project=project,
                by=manager,
                predecessor=a,
                successor=b,
                type=rng.choice(["FS", "FS", "SS", "FF", "SF"]),
                lag=rng.randint(-2, 4),
            )
            change = link.schedule_change
        elif kind < 0.93:
            link = Dependency.objects.filter(project=project).order_by("?").first()
            if link is None:
                continue
            services.dependency_remove(dependency=link, by=manager)
            change = None
        else:
            task = tasks.pop(rng.randrange(len(tasks)))
            services.task_delete(task=task, by=manager)
            change = None
        after = stored(project)
        assert after == reference(project), f"step {step}"
        if change is not None:
            written = {pk for pk, values in after.items() if before.get(pk) != values}
            assert set(change.moved) == written, f"step {step}"
            assert change.moved_count == len(written)


def test_a_new_unlinked_task_is_scheduled_alone_when_it_cannot_move_the_finish(
    project, manager, django_assert_max_num_queries
):
    """A short task without links touches one row and reads no other task one by one."""
    project.start_date = D(2026, 1, 5)
    project.save()
    first = services.task_create(project=project, by=manager, name="Long", duration=30)
    for n in range(20):
        services.task_create(project=project, by=manager, name=f"Short {n}", duration=2)
    short = services.task_create(project=project, by=manager, name="One more", duration=3)
    assert short.schedule_change.moved == [short.pk]
    assert short.total_float == 27 and short.free_float == 27 and not short.is_critical
    assert short.schedule_change.finish == first.finish_date
    columns = stored_columns(project)
    longer = services.task_create(project=project, by=manager, name="Longer", duration=40)
    # The finish moved: every task's late dates and floats moved with it...
    assert longer.schedule_change.moved_count == Task.objects.filter(project=project).count()
    assert stored(project) == reference(project)
    assert Task.objects.with_floats().get(pk=short.pk).total_float == 37
    # ...but they are stored relative to the finish: only the new task and the one that stopped
    # being critical were rewritten.
    rewritten = {pk for pk, values in stored_columns(project).items() if columns.get(pk) != values}
    assert rewritten == {first.pk, longer.pk}
