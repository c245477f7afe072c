"""The schedule through the API: tasks, dependencies, /schedule/, the calendar and baselines."""

import datetime

import pytest

from projects import services as project_services
from scheduling import services
from scheduling.models import Baseline, Calendar, Dependency, Holiday, Task
from tests.factories import ProjectFactory, UserFactory

D = datetime.date


def url(project, resource: str, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/projects/{project.pk}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{verb}/" if verb else "")


@pytest.fixture
def plan(api_for, member, project):
    """Built through the API; the project starts Monday 5 Jan 2026, Mon–Fri.
    A 3d →FS B 2d; A →SS+1 C 2d; B →FS M and C →FS M, M a milestone."""
    assert project.start_date == D(2026, 1, 5)
    client = api_for(member)
    ids = {}
    for name, duration in (("A", 3), ("B", 2), ("C", 2), ("M", 0)):
        response = client.post(url(project, "tasks"), {"name": name, "duration": duration})
        assert response.status_code == 201, response.json()
        ids[name] = response.json()["id"]
    for predecessor, successor, kind, lag in (
        ("A", "B", "FS", 0),
        ("A", "C", "SS", 1),
        ("B", "M", "FS", 0),
        ("C", "M", "FS", 0),
    ):
        body = {"predecessor": ids[predecessor], "successor": ids[successor], "type": kind}
        response = client.post(url(project, "dependencies"), {**body, "lag": lag})
        assert response.status_code == 201, response.json()
    return ids


def dates(client, project, task_id: int) -> tuple[str, str]:
    row = client.get(url(project, "tasks", task_id)).json()
    return (row["start_date"], row["finish_date"])


def foreign_project():
    """A project nobody in these tests is a member of, with a task and a work package."""
    other = ProjectFactory()
    owner = UserFactory()
    task = services.task_create(project=other, by=owner, name="Foreign", duration=2)
    package = project_services.work_package_add(project=other, by=owner, name="Foreign")
    phase = services.phase_create(project=other, by=owner, name="Foreign stage")
    return {"task": task, "work_package": package, "phase": phase}


def bulk_tasks(project, count: int) -> None:
    """``count`` more tasks, chained, written at once, then one recompute (as an import would)."""
    tasks = Task.objects.bulk_create(
        Task(project=project, name=f"T{i}", duration=1 + i % 5, position=i) for i in range(count)
    )
    ids = [task.pk for task in tasks]
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor_id=p, successor_id=s)
        for p, s in zip(ids, ids[1:], strict=False)
    )
    services.schedule_recompute(project)


# --- the worked example ---------------------------------------------------------------------------


def test_schedule_worked_example_gives_the_hand_computed_json(api_for, viewer, project, plan):
    """The /schedule/ JSON is exactly the hand calculation: dates, indexes, floats, path."""
    a, b, c, m = plan["A"], plan["B"], plan["C"], plan["M"]

    def row(pk, name, start, finish, es, ef, ls, lf, total, free, critical):
        return {
            "id": pk,
            "name": name,
            "start_date": start,
            "finish_date": finish,
            "early_start": es,
            "early_finish": ef,
            "late_start": ls,
            "late_finish": lf,
            "total_float": total,
            "free_float": free,
            "is_critical": critical,
        }

    response = api_for(viewer).get(url(project, "schedule"))
    assert response.status_code == 200
    assert response.json() == {
        "start": "2026-01-05",
        "finish": "2026-01-12",
        "critical_path": [a, b, m],
        "waiting": None,
        "tasks": [
            row(a, "A", "2026-01-05", "2026-01-07", 0, 3, 0, 3, 0, 0, True),
            row(b, "B", "2026-01-08", "2026-01-09", 3, 5, 3, 5, 0, 0, True),
            row(c, "C", "2026-01-06", "2026-01-07", 1, 3, 3, 5, 2, 2, False),
            row(m, "M", "2026-01-12", "2026-01-12", 5, 5, 5, 5, 0, 0, True),
        ],
    }


def test_schedule_query_count_is_the_same_for_5_and_500_tasks(
    api_for, viewer, project, django_assert_max_num_queries
):
    """/schedule/ costs three queries (door, rows, whether it waits for another project's
    recompute) whether the plan has 5 tasks or 500."""
    client = api_for(viewer)
    bulk_tasks(project, 5)
    with django_assert_max_num_queries(3):
        small = client.get(url(project, "schedule")).json()
    Task.objects.filter(project=project).delete()
    bulk_tasks(project, 500)
    with django_assert_max_num_queries(3):
        big = client.get(url(project, "schedule")).json()
    assert (len(small["tasks"]), len(big["tasks"])) == (5, 500)
    assert len(big["critical_path"]) == 500  # one chain: every task is critical


# --- tasks ----------------------------------------------------------------------------------------


def test_tasks_create_answers_with_every_field_and_the_computed_dates(api_for, member, project):
    """A new task comes back with its computed dates, derived status and its planned cost."""
    body = {"name": "Install", "duration": 2, "fixed_cost": "1200.50", "percent_complete": 10}
    response = api_for(member).post(url(project, "tasks"), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert set(row) == {
        "id",
        "ref",
        "external_id",
        "name",
        "description",
        "work_package",
        "phase",
        "owner",
        "position",
        "duration",
        "is_milestone",
        "constraint_date",
        "deadline",
        "percent_complete",
        "actual_start",
        "actual_finish",
        "status",
        "optimistic_duration",
        "most_likely_duration",
        "pessimistic_duration",
        "priority",
        "fixed_cost",
        "planned_cost",
        "predecessors",
        "early_start",
        "early_finish",
        "late_start",
        "late_finish",
        "total_float",
        "free_float",
        "is_critical",
        "start_date",
        "finish_date",
        "version",
        "schedule",
    }
    assert (row["start_date"], row["finish_date"]) == ("2026-01-05", "2026-01-06")
    assert (row["status"], row["is_milestone"], row["planned_cost"]) == (
        "in_progress",
        False,
        "1200.50",
    )
    assert (row["position"], row["version"], row["is_critical"]) == (1, 1, True)


def test_tasks_patch_answers_with_the_moved_dates(api_for, member, project, plan):
    """Lengthening A to 5 days: the PATCH answer already has A's new finish; B and M moved."""
    client = api_for(member)
    response = client.patch(url(project, "tasks", plan["A"]), {"duration": 5, "version": 1})
    assert response.status_code == 200, response.json()
    row = response.json()
    assert (row["finish_date"], row["early_finish"], row["version"]) == ("2026-01-09", 5, 2)
    assert dates(client, project, plan["B"]) == ("2026-01-12", "2026-01-13")
    assert dates(client, project, plan["M"]) == ("2026-01-14", "2026-01-14")


def test_tasks_constraint_date_holds_a_task_back(api_for, member, project, plan):
    """A "start no earlier than" Monday 12 Jan on C moves C and, through it, the milestone."""
    response = api_for(member).patch(
        url(project, "tasks", plan["C"]), {"constraint_date": "2026-01-12"}
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["start_date"], response.json()["finish_date"]) == (
        "2026-01-12",
        "2026-01-13",
    )
    assert dates(api_for(member), project, plan["M"]) == ("2026-01-14", "2026-01-14")


def test_tasks_stale_version_is_409_and_keeps_the_newer_edit(api_for, member, manager, project):
    """An edit based on an old version is refused with 409; the other person's edit stays."""
    task = services.task_create(project=project, by=manager, name="Build", duration=3)
    services.task_update(task=task, by=manager, version=1, duration=4)
    response = api_for(member).patch(url(project, "tasks", task.pk), {"duration": 9, "version": 1})
    assert response.status_code == 409
    task.refresh_from_db()
    assert (task.duration, task.version) == (4, 2)


def test_tasks_viewer_cannot_write(api_for, viewer, manager, project):
    """A viewer reads tasks but every write is 403 and nothing changes."""
    task = services.task_create(project=project, by=manager, name="Build", duration=3)
    client = api_for(viewer)
    assert client.get(url(project, "tasks")).status_code == 200
    assert client.post(url(project, "tasks"), {"name": "Mine"}).status_code == 403
    assert client.patch(url(project, "tasks", task.pk), {"duration": 1}).status_code == 403
    assert client.delete(url(project, "tasks", task.pk)).status_code == 403
    task.refresh_from_db()
    assert task.duration == 3 and Task.objects.filter(project=project).count() == 1


@pytest.mark.parametrize("field", ["work_package", "phase", "owner"])
def test_tasks_foreign_ids_in_the_body_are_400_and_nothing_is_written(
    api_for, member, project, field
):
    """A work package, phase or owner from outside the project is a 400 on that field."""
    foreign = foreign_project()
    value = {
        "work_package": foreign["work_package"].pk,
        "phase": foreign["phase"].pk,
        "owner": UserFactory(username="stranger").pk,
    }[field]
    client = api_for(member)
    response = client.post(url(project, "tasks"), {"name": "Sneaky", field: value})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Task.objects.filter(project=project).exists()


def test_tasks_of_another_project_are_404_by_id(api_for, member, project):
    """A task id of another project under this project's URL does not exist."""
    foreign = foreign_project()["task"]
    client = api_for(member)
    assert client.get(url(project, "tasks", foreign.pk)).status_code == 404
    assert client.patch(url(project, "tasks", foreign.pk), {"duration": 9}).status_code == 404
    assert client.delete(url(project, "tasks", foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.duration == 2


def test_tasks_three_point_estimates_must_be_ordered(api_for, member, project):
    """Optimistic ≤ most likely ≤ pessimistic, or the task is refused."""
    body = {
        "name": "Migrate",
        "optimistic_duration": 5,
        "most_likely_duration": 3,
        "pessimistic_duration": 8,
    }
    response = api_for(member).post(url(project, "tasks"), body)
    assert response.status_code == 400
    assert "optimistic" in str(response.json()).lower()
    assert not Task.objects.filter(project=project).exists()


def test_tasks_priority_round_trips_and_stays_between_1_and_1000(api_for, member, project):
    """A task starts at priority 500 (MS Project's default); 900 is saved and read back; 0 and
    1001 are refused on the field and nothing changes."""
    client = api_for(member)
    created = client.post(url(project, "tasks"), {"name": "Cut over"}).json()
    assert created["priority"] == 500
    response = client.patch(url(project, "tasks", created["id"]), {"priority": 900})
    assert response.status_code == 200, response.json()
    assert client.get(url(project, "tasks", created["id"])).json()["priority"] == 900
    for bad in (0, 1001):
        response = client.patch(url(project, "tasks", created["id"]), {"priority": bad})
        assert response.status_code == 400
        assert list(response.json()) == ["priority"]
    assert Task.objects.get(pk=created["id"]).priority == 900


def test_tasks_filters_and_search(api_for, viewer, manager, project, plan):
    """Filter by critical flag, status, work package and owner; search the name."""
    package = project_services.work_package_add(project=project, by=manager, name="Build")
    services.task_create(
        project=project,
        by=manager,
        name="Deploy app",
        work_package=package,
        owner=manager,
        percent_complete=50,
    )
    client = api_for(viewer)

    def names(**params):
        return [row["name"] for row in client.get(url(project, "tasks"), params).json()["results"]]

    # Plan order: tasks of the WBS first, then those outside it.
    assert names() == ["Deploy app", "A", "B", "C", "M"]
    assert names(is_critical="false") == ["Deploy app", "C"]
    assert names(status="in_progress") == ["Deploy app"]
    assert names(work_package=package.pk) == ["Deploy app"]
    assert names(owner=manager.pk) == ["Deploy app"]
    assert names(search="deploy") == ["Deploy app"]
    assert names(ordering="-name")[:2] == ["M", "Deploy app"]


def test_tasks_delete_reschedules_what_depended_on_it(api_for, member, project, plan):
    """Deleting B leaves the milestone driven by C alone: it moves up to Thursday 8 Jan."""
    client = api_for(member)
    assert client.delete(url(project, "tasks", plan["B"])).status_code == 204
    assert dates(client, project, plan["M"]) == ("2026-01-08", "2026-01-08")
    assert not Dependency.objects.filter(project=project, predecessor_id=plan["B"]).exists()


def test_tasks_list_query_count_is_constant(
    api_for, viewer, project, django_assert_max_num_queries
):
    """The task list costs four queries (door, count, page, the page's incoming links) for 5
    tasks as for 500."""
    client = api_for(viewer)
    bulk_tasks(project, 5)
    with django_assert_max_num_queries(4):
        assert client.get(url(project, "tasks")).json()["count"] == 5
    bulk_tasks(project, 495)
    with django_assert_max_num_queries(4):
        response = client.get(url(project, "tasks"), {"page_size": 500})
    assert len(response.json()["results"]) == 500


def test_tasks_predecessors_text_creates_and_replaces_links(api_for, member, project, plan):
    """A task's number is read-only; `predecessors` text links it and reads back the same."""
    client = api_for(member)
    refs = {row["name"]: row["ref"] for row in client.get(url(project, "tasks")).json()["results"]}
    assert refs == {"A": 1, "B": 2, "C": 3, "M": 4}
    assert client.get(url(project, "tasks", plan["M"])).json()["predecessors"] == "2, 3"
    body = {"name": "Review", "duration": 1, "predecessors": "2FS+2d, 3ss", "ref": 99}
    response = client.post(url(project, "tasks"), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["ref"], row["predecessors"]) == (5, "2FS+2d, 3SS")
    assert row["start_date"] == "2026-01-14"  # B ends Fri 9; +2 working days: Wed 14
    response = client.patch(url(project, "tasks", row["id"]), {"predecessors": "1"})
    assert response.status_code == 200, response.json()
    assert (response.json()["predecessors"], response.json()["start_date"]) == ("1", "2026-01-08")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4", "loop of dependencies"),
        ("2, 17", "has no task numbered 17."),
        ("2XX", "“2XX” is not a link: use FS, SS, FF or SF."),
    ],
)
def test_tasks_bad_predecessors_are_400_with_the_message_and_nothing_is_written(
    api_for, member, project, plan, text, message
):
    """A loop (M → A), an unknown number or bad text: 400 on `predecessors`, nothing saved."""
    before = list(Dependency.objects.values_list("id", "predecessor", "successor", "type", "lag"))
    response = api_for(member).patch(
        url(project, "tasks", plan["A"]), {"name": "Renamed", "predecessors": text}
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["predecessors"])
    assert Task.objects.get(pk=plan["A"]).name == "A"
    assert (
        list(Dependency.objects.values_list("id", "predecessor", "successor", "type", "lag"))
        == before
    )


# --- dependencies ---------------------------------------------------------------------------------


def test_tasks_done_wholly_on_a_weekend_counts_on_the_next_working_day(api_for, member, project):
    """A cutover worked Saturday to Sunday is a 201 shown on the Monday, not a 500."""
    body = {"name": "Cutover", "actual_start": "2026-01-10", "actual_finish": "2026-01-11"}
    response = api_for(member).post(url(project, "tasks"), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["status"], row["start_date"], row["finish_date"]) == (
        "done",
        "2026-01-12",
        "2026-01-12",
    )


def test_tasks_deadline_on_the_last_date_there_is_is_kept(api_for, member, project):
    """A deadline of 9999-12-31 is odd but valid: 201, not a 500 on the day after it."""
    body = {"name": "Someday", "deadline": "9999-12-31"}
    response = api_for(member).post(url(project, "tasks"), body)
    assert response.status_code == 201, response.json()
    assert response.json()["deadline"] == "9999-12-31"


@pytest.mark.parametrize(
    "field", ["duration", "optimistic_duration", "most_likely_duration", "pessimistic_duration"]
)
@pytest.mark.parametrize("days", [10_001, 2**31, 2**63])
def test_tasks_days_beyond_ten_thousand_are_400_on_the_field(api_for, member, project, field, days):
    """Durations and estimates above 10,000 working days are refused, not a 500."""
    estimates = dict.fromkeys(
        ("optimistic_duration", "most_likely_duration", "pessimistic_duration"), 1
    )
    body = {"name": "Forever", **estimates, field: days}
    response = api_for(member).post(url(project, "tasks"), body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Task.objects.filter(project=project).exists()


def test_tasks_dates_past_the_calendar_are_400_and_nothing_is_saved(api_for, member, project):
    """A task that would end after 31 Dec 9999 is a 400 naming it, not a 500."""
    body = {"name": "Forever", "constraint_date": "9999-12-31", "duration": 2}
    response = api_for(member).post(url(project, "tasks"), body)
    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert "“Forever”" in message and "9999" in message
    assert not Task.objects.filter(project=project).exists()


def test_dependencies_loop_is_400_naming_the_tasks_and_nothing_is_saved(
    api_for, member, project, plan
):
    """M → A would close A → B → M → A: refused on `successor`, naming the tasks."""
    before = list(Task.objects.filter(project=project).values_list("id", "start_date"))
    response = api_for(member).post(
        url(project, "dependencies"), {"predecessor": plan["M"], "successor": plan["A"]}
    )
    assert response.status_code == 400
    [message] = response.json()["successor"]
    assert "loop" in message and all(f"“{name}”" in message for name in "ABM")
    assert Dependency.objects.filter(project=project).count() == 4
    assert list(Task.objects.filter(project=project).values_list("id", "start_date")) == before


@pytest.mark.parametrize("end", ["predecessor", "successor"])
def test_dependencies_foreign_task_is_400_on_the_field_and_nothing_is_written(
    api_for, member, project, plan, end
):
    """A task id of another project, on either end, is a 400 naming that end."""
    foreign = foreign_project()["task"]
    body = {"predecessor": plan["A"], "successor": plan["C"], end: foreign.pk}
    response = api_for(member).post(url(project, "dependencies"), body)
    assert response.status_code == 400
    assert list(response.json()) == [end]
    assert Dependency.objects.filter(project=project).count() == 4
    assert not Dependency.objects.filter(project=foreign.project).exists()


@pytest.mark.parametrize("lag", [10_001, -10_001, 2**31, -(2**63)])
def test_dependencies_lag_beyond_ten_thousand_is_400_on_lag(api_for, member, project, plan, lag):
    """A lag or lead of more than 10,000 working days is refused on lag, not a 500."""
    body = {"predecessor": plan["B"], "successor": plan["C"], "type": "FS", "lag": lag}
    response = api_for(member).post(url(project, "dependencies"), body)
    assert response.status_code == 400
    assert list(response.json()) == ["lag"]
    assert Dependency.objects.filter(project=project).count() == 4


def test_dependencies_lag_past_the_calendar_is_400_and_nothing_is_saved(
    api_for, member, project, plan
):
    """A lag that pushes C past 31 Dec 9999 is a 400 naming C, and the link is not kept."""
    client = api_for(member)
    response = client.patch(url(project, "tasks", plan["B"]), {"constraint_date": "9999-01-04"})
    assert response.status_code == 200, response.json()
    body = {"predecessor": plan["B"], "successor": plan["C"], "type": "FS", "lag": 10_000}
    response = client.post(url(project, "dependencies"), body)
    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert "“C”" in message
    assert Dependency.objects.filter(project=project).count() == 4


def test_dependencies_duplicate_link_is_400_naming_the_tasks(api_for, member, project, plan):
    """Linking A → B twice is refused with both names."""
    response = api_for(member).post(
        url(project, "dependencies"), {"predecessor": plan["A"], "successor": plan["B"]}
    )
    assert response.status_code == 400
    assert "“A” is already linked to “B”" in response.json()["successor"][0]


def test_dependencies_patch_lag_moves_the_dates_and_put_is_not_offered(
    api_for, member, project, plan
):
    """A lag of 2 on A → B pushes B and M two working days; PUT is 405."""
    link = Dependency.objects.get(predecessor_id=plan["A"], successor_id=plan["B"])
    client = api_for(member)
    response = client.patch(url(project, "dependencies", link.pk), {"lag": 2, "version": 1})
    assert response.status_code == 200, response.json()
    assert (response.json()["lag"], response.json()["version"]) == (2, 2)
    assert dates(client, project, plan["B"]) == ("2026-01-12", "2026-01-13")
    assert dates(client, project, plan["M"]) == ("2026-01-14", "2026-01-14")
    body = {"predecessor": plan["A"], "successor": plan["B"], "type": "FS", "lag": 0}
    assert client.put(url(project, "dependencies", link.pk), body).status_code == 405


def test_dependencies_patch_cannot_relink_tasks(api_for, member, project, plan):
    """Changing a link's tasks is refused (remove it and add another); echoing them is fine."""
    link = Dependency.objects.get(predecessor_id=plan["A"], successor_id=plan["B"])
    client = api_for(member)
    response = client.patch(url(project, "dependencies", link.pk), {"successor": plan["C"]})
    assert response.status_code == 400 and "successor" in response.json()
    echoed = {"predecessor": plan["A"], "successor": plan["B"], "type": "SS"}
    assert client.patch(url(project, "dependencies", link.pk), echoed).status_code == 200
    link.refresh_from_db()
    assert (link.successor_id, link.type) == (plan["B"], "SS")


def test_dependencies_stale_version_is_409(api_for, member, manager, project, plan):
    """A lag edit from an old version is refused; the newer lag stays."""
    link = Dependency.objects.get(predecessor_id=plan["A"], successor_id=plan["B"])
    services.dependency_update(dependency=link, by=manager, version=None, lag=1)
    response = api_for(member).patch(
        url(project, "dependencies", link.pk), {"lag": 3, "version": 1}
    )
    assert response.status_code == 409
    link.refresh_from_db()
    assert link.lag == 1


def test_dependencies_delete_reschedules(api_for, member, project, plan):
    """Removing A → SS+1 → C leaves C free to start on day one."""
    link = Dependency.objects.get(predecessor_id=plan["A"], successor_id=plan["C"])
    client = api_for(member)
    assert client.delete(url(project, "dependencies", link.pk)).status_code == 204
    assert dates(client, project, plan["C"]) == ("2026-01-05", "2026-01-06")


def test_dependencies_filter_by_end_and_type(api_for, viewer, project, plan):
    """Filter links by predecessor, successor and type."""
    client = api_for(viewer)

    def pairs(**params):
        rows = client.get(url(project, "dependencies"), params).json()["results"]
        return [(row["predecessor"], row["successor"], row["type"]) for row in rows]

    assert pairs(predecessor=plan["A"]) == [
        (plan["A"], plan["B"], "FS"),
        (plan["A"], plan["C"], "SS"),
    ]
    assert pairs(successor=plan["M"], type="FS") == [
        (plan["B"], plan["M"], "FS"),
        (plan["C"], plan["M"], "FS"),
    ]


def test_dependencies_list_query_count_is_constant(
    api_for, viewer, project, django_assert_max_num_queries
):
    """The dependency list costs three queries (door, count, page) for any length."""
    bulk_tasks(project, 60)
    with django_assert_max_num_queries(3):
        response = api_for(viewer).get(url(project, "dependencies"), {"page_size": 100})
    assert response.json()["count"] == 59


# --- calendar -------------------------------------------------------------------------------------


def test_calendar_read_shows_monday_to_friday_and_writes_nothing(api_for, viewer, project):
    """A project whose calendar was never set reads Mon–Fri, no holidays; nothing is created."""
    response = api_for(viewer).get(url(project, "calendar"))
    assert response.status_code == 200
    assert response.json() == {
        "working_weekdays": [1, 2, 3, 4, 5],
        "holidays": [],
        "holiday_names": {},
        "version": 1,
    }
    assert not Calendar.objects.filter(project=project).exists()


def test_calendar_holiday_moves_the_dates_and_removing_it_moves_them_back(
    api_for, member, project, plan
):
    """A holiday on Thursday 8 Jan pushes B to 9–12 Jan and M to the 13th; clearing it undoes."""
    client = api_for(member)
    response = client.patch(url(project, "calendar"), {"holidays": ["2026-01-08"]})
    assert response.status_code == 200, response.json()
    assert response.json()["holidays"] == ["2026-01-08"]
    assert dates(client, project, plan["B"]) == ("2026-01-09", "2026-01-12")
    assert dates(client, project, plan["M"]) == ("2026-01-13", "2026-01-13")
    assert client.patch(url(project, "calendar"), {"holidays": []}).status_code == 200
    assert dates(client, project, plan["B"]) == ("2026-01-08", "2026-01-09")


def test_calendar_seven_day_weeks_put_the_milestone_on_saturday(api_for, member, project, plan):
    """PUT with every weekday worked: the milestone lands on Saturday 10 Jan."""
    client = api_for(member)
    body = {"working_weekdays": [1, 2, 3, 4, 5, 6, 7], "holidays": [], "version": 1}
    response = client.put(url(project, "calendar"), body)
    assert response.status_code == 200, response.json()
    assert (response.json()["working_weekdays"], response.json()["version"]) == (
        [1, 2, 3, 4, 5, 6, 7],
        2,
    )
    assert dates(client, project, plan["M"]) == ("2026-01-10", "2026-01-10")


def test_calendar_put_needs_both_lists(api_for, member, project):
    """PUT replaces the calendar, so both lists are required; PATCH may send one."""
    response = api_for(member).put(url(project, "calendar"), {"working_weekdays": [1, 2, 3]})
    assert response.status_code == 400 and list(response.json()) == ["holidays"]


def test_calendar_refuses_nonsense_weekdays(api_for, member, project):
    """Weekdays must be distinct ISO numbers 1–7, at least one: a 400 on the field."""
    client = api_for(member)
    for bad in ([], [0], [8], [1, 1]):
        response = client.patch(url(project, "calendar"), {"working_weekdays": bad})
        assert response.status_code == 400, bad
        assert "ISO weekday" in response.json()["working_weekdays"][0]


def test_calendar_stale_version_is_409(api_for, member, manager, project):
    """A calendar write based on an old version is refused and the newer weekdays stay."""
    services.calendar_update(project=project, by=manager, version=None, working_weekdays=[1, 2])
    response = api_for(member).patch(
        url(project, "calendar"), {"working_weekdays": [1, 2, 3], "version": 1}
    )
    assert response.status_code == 409
    assert Calendar.objects.get(project=project).working_weekdays == [1, 2]


def test_calendar_viewer_cannot_write(api_for, viewer, project):
    """A viewer's calendar write or holiday import is 403 and nothing is stored."""
    client = api_for(viewer)
    assert client.patch(url(project, "calendar"), {"holidays": ["2026-01-08"]}).status_code == 403
    body = {"country": "GB", "year": 2026}
    assert client.post(url(project, "calendar", verb="import-holidays"), body).status_code == 403
    assert not Holiday.objects.exists()


def test_calendar_import_holidays_adds_named_days_and_moves_dates(api_for, member, project):
    """England's 2026 bank holidays come in named; a task over Good Friday moves past Easter."""
    client = api_for(member)
    task = services.task_create(
        project=project, by=member, name="Easter work", duration=1, constraint_date=D(2026, 4, 3)
    )
    body = {"country": "gb", "year": 2026, "subdivision": "ENG"}
    response = client.post(url(project, "calendar", verb="import-holidays"), body)
    assert response.status_code == 200, response.json()
    calendar = response.json()
    assert len(calendar["holidays"]) == 9
    assert calendar["holiday_names"]["2026-12-25"] == "Christmas Day"
    # Good Friday 3 Apr and Easter Monday 6 Apr are holidays: the task moves to Tuesday.
    assert dates(client, project, task.pk) == ("2026-04-07", "2026-04-07")
    again = client.post(url(project, "calendar", verb="import-holidays"), body)
    assert len(again.json()["holidays"]) == 9


def test_calendar_import_holidays_refuses_unknown_places(api_for, member, project):
    """An unknown country, or a region the country does not have, is a 400 on that field."""
    client = api_for(member)
    path = url(project, "calendar", verb="import-holidays")
    response = client.post(path, {"country": "XX", "year": 2026})
    assert response.status_code == 400 and list(response.json()) == ["country"]
    response = client.post(path, {"country": "GB", "year": 2026, "subdivision": "ZZ"})
    assert response.status_code == 400 and list(response.json()) == ["subdivision"]
    assert not Holiday.objects.exists()


def test_calendar_read_query_count(
    api_for, viewer, manager, project, django_assert_max_num_queries
):
    """Reading the calendar costs three queries (door, calendar, holidays), however many days."""
    services.holidays_import(project=project, by=manager, country="GB", year=2026)
    with django_assert_max_num_queries(3):
        assert len(api_for(viewer).get(url(project, "calendar")).json()["holidays"]) == 7


# --- baselines ------------------------------------------------------------------------------------


def test_baselines_variance_after_a_slip(api_for, member, project, plan):
    """A slips two days after the baseline: B and M show +2, C 0, the finish slips 2."""
    client = api_for(member)
    response = client.post(url(project, "baselines"), {"name": "Approved plan", "note": "v1"})
    assert response.status_code == 201, response.json()
    baseline = response.json()
    assert (baseline["start_date"], baseline["finish_date"]) == ("2026-01-05", "2026-01-12")
    client.patch(url(project, "tasks", plan["A"]), {"duration": 5})
    response = client.get(url(project, "baselines", baseline["id"], "variance"))
    assert response.status_code == 200
    variance = response.json()
    assert (variance["baseline"], variance["finish"], variance["baseline_finish"]) == (
        baseline["id"],
        "2026-01-14",
        "2026-01-12",
    )
    assert variance["finish_slip"] == 2 and variance["removed"] == []
    rows = {row["name"]: row for row in variance["tasks"]}
    assert rows["B"] == {
        "task": plan["B"],
        "name": "B",
        "baseline_start": "2026-01-08",
        "baseline_finish": "2026-01-09",
        "start": "2026-01-12",
        "finish": "2026-01-13",
        "start_variance": 2,
        "finish_variance": 2,
        "is_new": False,
    }
    assert (rows["C"]["start_variance"], rows["C"]["finish_variance"]) == (0, 0)
    assert (rows["A"]["start_variance"], rows["A"]["finish_variance"]) == (0, 2)


def test_baselines_duplicate_name_is_400(api_for, member, project):
    """A second baseline with the same name is refused on `name`."""
    client = api_for(member)
    assert client.post(url(project, "baselines"), {"name": "Plan"}).status_code == 201
    response = client.post(url(project, "baselines"), {"name": "Plan"})
    assert response.status_code == 400 and "name" in response.json()


def test_baselines_performance_baseline_is_a_managers_decision(api_for, member, manager, project):
    """Members take baselines; setting the performance one and deleting one need a manager."""
    first = services.baseline_create(project=project, by=manager, name="v1", is_performance=True)
    second = services.baseline_create(project=project, by=manager, name="v2")
    client = api_for(member)
    response = client.post(url(project, "baselines"), {"name": "v3", "is_performance": True})
    assert response.status_code == 403
    assert client.post(url(project, "baselines", second.pk, "set-performance")).status_code == 403
    assert client.delete(url(project, "baselines", second.pk)).status_code == 403
    assert Baseline.objects.get(is_performance=True) == first
    client = api_for(manager)
    response = client.post(url(project, "baselines", second.pk, "set-performance"))
    assert response.status_code == 200 and response.json()["is_performance"]
    assert Baseline.objects.get(is_performance=True) == second
    assert client.delete(url(project, "baselines", first.pk)).status_code == 204
    assert list(Baseline.objects.filter(project=project)) == [second]


def test_baselines_list_query_count_is_constant(
    api_for, viewer, manager, project, django_assert_max_num_queries
):
    """The baseline list costs three queries (door, count, page); the variance a fixed few."""
    bulk_tasks(project, 20)
    for i in range(10):
        services.baseline_create(project=project, by=manager, name=f"v{i}")
    client = api_for(viewer)
    with django_assert_max_num_queries(3):
        assert client.get(url(project, "baselines")).json()["count"] == 10
    baseline = Baseline.objects.filter(project=project).first()
    with django_assert_max_num_queries(7):
        response = client.get(url(project, "baselines", baseline.pk, "variance"))
    assert len(response.json()["tasks"]) == 20


# --- what a write moved -----------------------------------------------------------------------


def test_a_schedule_moving_patch_answers_what_moved(api_for, member, project, plan):
    """Lengthening A moves B, C's float and M: the answer names them, with dates on request."""
    client = api_for(member)
    before = {row["id"]: row for row in client.get(url(project, "tasks")).json()["results"]}
    response = client.patch(url(project, "tasks", plan["A"]) + "?include=moved", {"duration": 5})
    assert response.status_code == 200, response.json()
    after = {row["id"]: row for row in client.get(url(project, "tasks")).json()["results"]}
    changed = {
        pk for pk in after if any(after[pk][f] != before[pk][f] for f in Task.SHOWN_COMPUTED_FIELDS)
    }
    schedule = response.json()["schedule"]
    assert set(schedule["moved"]) == changed == {plan["A"], plan["B"], plan["C"], plan["M"]}
    assert schedule["moved_count"] == 4
    assert schedule["finish"] == "2026-01-14"
    assert {row["id"]: (row["start_date"], row["finish_date"]) for row in schedule["moved_dates"]}[
        plan["B"]
    ] == ("2026-01-12", "2026-01-13")
    # Without ?include=moved the answer stays small.
    response = client.patch(url(project, "tasks", plan["A"]), {"duration": 3})
    assert "moved_dates" not in response.json()["schedule"]


def test_a_write_that_cannot_move_dates_answers_schedule_null(api_for, member, project, plan):
    response = api_for(member).patch(url(project, "tasks", plan["B"]), {"name": "B renamed"})
    assert response.status_code == 200
    assert response.json()["schedule"] is None


def test_a_new_task_without_links_moves_only_itself(api_for, member, project, plan):
    response = api_for(member).post(url(project, "tasks"), {"name": "Side job", "duration": 1})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["schedule"] == {"finish": "2026-01-12", "moved_count": 1, "moved": [body["id"]]}
    assert (body["start_date"], body["total_float"], body["free_float"]) == ("2026-01-05", 4, 4)


def test_adding_a_dependency_answers_what_moved(api_for, member, project, plan):
    """C →FS+1 B: B and the milestone slip a day and C loses its float; A stays."""
    body = {"predecessor": plan["C"], "successor": plan["B"], "type": "FS", "lag": 1}
    response = api_for(member).post(url(project, "dependencies"), body)
    assert response.status_code == 201, response.json()
    assert set(response.json()["schedule"]["moved"]) == {plan["B"], plan["C"], plan["M"]}


def test_a_new_unlinked_task_costs_the_same_queries_for_5_and_500_tasks(
    api_for, member, project, plan, django_assert_max_num_queries
):
    client = api_for(member)
    with django_assert_max_num_queries(50) as small:
        client.post(url(project, "tasks"), {"name": "Small", "duration": 1})
    bulk_tasks(project, 500)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.post(url(project, "tasks"), {"name": "Large", "duration": 1})
    assert response.json()["schedule"]["moved_count"] == 1
