"""Task numbers (``Task.ref``) and predecessor text through the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects.exceptions import StaleEdit
from scheduling import services
from scheduling.models import Dependency, Task
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def plan(project, manager):
    """Monday 5 Jan 2026: tasks 1 A (3 d), 2 B (2 d), 3 C (2 d), 4 D (1 d), no links."""
    project.start_date = D(2026, 1, 5)
    project.save()
    return {
        name: services.task_create(project=project, by=manager, name=name, duration=days)
        for name, days in (("A", 3), ("B", 2), ("C", 2), ("D", 1))
    }


def links_of(task):
    return sorted(
        Dependency.objects.filter(successor=task).values_list("predecessor__name", "type", "lag")
    )


def test_task_refs_count_up_per_project_and_are_never_reused(plan, project, manager):
    """Each project numbers its tasks 1, 2, 3…; a deleted task's number is not given again."""
    assert [plan[n].ref for n in "ABCD"] == [1, 2, 3, 4]
    services.task_delete(task=plan["D"], by=manager)
    e = services.task_create(project=project, by=manager, name="E")
    assert e.ref == 5
    other = ProjectFactory()
    assert services.task_create(project=other, by=manager, name="X").ref == 1


def test_task_refs_are_given_to_bulk_created_tasks(project):
    """Tasks made in bulk (seeders, imports, benchmarks) get the next numbers too."""
    made = Task.objects.bulk_create(Task(project=project, name=f"T{n}") for n in range(3))
    assert [t.ref for t in made] == [1, 2, 3]
    assert Task.objects.create(project=project, name="T3").ref == 4


def test_task_create_with_predecessors_links_and_schedules(plan, project, manager):
    """'1FS+2d, 2SS' makes two links, and the new task starts when both allow."""
    e = services.task_create(
        project=project, by=manager, name="E", duration=1, predecessors="1FS+2d, 2SS"
    )
    assert links_of(e) == [("A", "FS", 2), ("B", "SS", 0)]
    assert e.start_date == D(2026, 1, 12)  # A ends Wed 7; +2 working days: Mon 12


def test_task_update_predecessors_replaces_the_incoming_links(plan, manager):
    """Links not named go, named ones change type or lag, new ones are added; one recompute."""
    c = plan["C"]
    services.task_update(task=c, by=manager, version=None, predecessors="1, 2SS")
    services.task_update(task=c, by=manager, version=None, predecessors="2FF-1d, 4")
    assert links_of(c) == [("B", "FF", -1), ("D", "FS", 0)]
    assert Task.objects.get(pk=c.pk).predecessors_text == "2FF-1d, 4"
    services.task_update(task=c, by=manager, version=None, predecessors="")
    assert links_of(c) == []


def test_task_predecessors_unknown_refs_are_named_and_nothing_is_written(plan, project, manager):
    """Numbers no task has are listed; the valid ones in the same text are not saved either."""
    with pytest.raises(ValidationError) as caught:
        services.task_update(
            task=plan["C"], by=manager, version=None, name="Renamed", predecessors="1, 17, 23SS"
        )
    assert caught.value.message_dict["predecessors"] == [
        f"{project.key} has no tasks numbered 17, 23."
    ]
    assert links_of(plan["C"]) == []


def test_task_predecessors_loop_is_refused_naming_the_tasks(plan, manager):
    """A → B, then B as A's predecessor: refused with the loop's tasks, the old link kept."""
    services.task_update(task=plan["B"], by=manager, version=None, predecessors="1")
    with pytest.raises(ValidationError) as caught:
        services.task_predecessors_replace(task=plan["A"], by=manager, text="2, 3")
    message = " ".join(caught.value.message_dict["predecessors"])
    assert "loop of dependencies" in message and "“A”" in message and "“B”" in message
    assert links_of(plan["A"]) == [] and links_of(plan["B"]) == [("A", "FS", 0)]


def test_task_predecessors_bad_text_and_self_link_are_refused(plan, manager):
    """The parser's message and a task naming itself come back on ``predecessors``."""
    with pytest.raises(ValidationError) as caught:
        services.task_predecessors_replace(task=plan["A"], by=manager, text="3XX")
    assert caught.value.message_dict["predecessors"] == [
        "“3XX” is not a link: use FS, SS, FF or SF."
    ]
    with pytest.raises(ValidationError) as caught:
        services.task_predecessors_replace(task=plan["A"], by=manager, text="1")
    assert "cannot depend on itself" in caught.value.message_dict["predecessors"][0]


def test_task_predecessors_replace_refuses_a_stale_start(plan, manager):
    """Someone linked the task meanwhile: replacing from the old text is refused, not lost."""
    services.task_predecessors_replace(task=plan["C"], by=manager, text="1")
    with pytest.raises(StaleEdit):
        services.task_predecessors_replace(task=plan["C"], by=manager, text="2", expected="")
    assert links_of(plan["C"]) == [("A", "FS", 0)]
