"""Sprints, the backlog, and phases with their gate reviews, through the API."""

import datetime

import pytest

from scheduling import services
from scheduling.models import BacklogItem, GateReview, Phase, Sprint
from tests.factories import ProjectFactory, UserFactory

D = datetime.date


def url(project, resource: str, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/projects/{project.pk}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{verb}/" if verb else "")


def foreign_sprint() -> Sprint:
    """A planned sprint of a project nobody in these tests is a member of."""
    return services.sprint_create(
        project=ProjectFactory(),
        by=UserFactory(),
        name="Foreign",
        start_date=D(2026, 1, 5),
        finish_date=D(2026, 1, 16),
    )


@pytest.fixture
def sprint(project, manager):
    """Sprint 1, Mon 5 – Fri 16 Jan 2026 (ten working days), with items of 5, 3 and 8 points."""
    sprint = services.sprint_create(
        project=project,
        by=manager,
        name="Sprint 1",
        start_date=D(2026, 1, 5),
        finish_date=D(2026, 1, 16),
        capacity=20,
    )
    for title, points in (("Login", 5), ("Logout", 3), ("Reports", 8)):
        services.backlog_item_create(
            project=project, by=manager, title=title, story_points=points, sprint=sprint
        )
    return sprint


def items(project) -> dict[str, BacklogItem]:
    return {item.title: item for item in BacklogItem.objects.filter(project=project)}


# --- sprints --------------------------------------------------------------------------------------


def test_sprints_create_names_it_and_counts_points(api_for, member, project, sprint):
    """A sprint without a name is "Sprint n"; each sprint shows its committed and done points."""
    client = api_for(member)
    body = {"start_date": "2026-01-19", "finish_date": "2026-01-30", "capacity": 18}
    response = client.post(url(project, "sprints"), body)
    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["status"]) == ("Sprint 2", "planned")
    row = client.get(url(project, "sprints", sprint.pk)).json()
    assert (row["committed_points"], row["done_points"], row["capacity"]) == (16, 0, 20)


def test_sprints_finish_before_start_is_400(api_for, member, project):
    """A sprint cannot finish before it starts; nothing is created."""
    body = {"name": "Odd", "start_date": "2026-01-19", "finish_date": "2026-01-16"}
    response = api_for(member).post(url(project, "sprints"), body)
    assert response.status_code == 400
    assert "finish before it starts" in str(response.json())
    assert not Sprint.objects.filter(project=project).exists()


def test_sprints_start_and_close_carry_unfinished_work_over(
    api_for, member, manager, project, sprint
):
    """Start Sprint 1, finish two items, close it into Sprint 2: the open item moves."""
    client = api_for(member)
    second = services.sprint_create(
        project=project,
        by=manager,
        name="Sprint 2",
        start_date=D(2026, 1, 19),
        finish_date=D(2026, 1, 30),
    )
    response = client.post(url(project, "sprints", sprint.pk, "start"))
    assert response.status_code == 200 and response.json()["status"] == "active"
    response = client.post(url(project, "sprints", second.pk, "start"))
    assert response.status_code == 400 and "Close Sprint 1" in str(response.json())
    for title in ("Login", "Logout"):
        item = items(project)[title]
        client.patch(url(project, "backlog-items", item.pk), {"status": "done"})
    response = client.post(
        url(project, "sprints", sprint.pk, "close"), {"carry_over_to": second.pk}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed" and response.json()["closed_at"]
    assert response.json()["done_points"] == 8
    assert items(project)["Reports"].sprint == second
    assert items(project)["Login"].sprint == sprint


def test_sprints_close_refuses_a_foreign_sprint_to_carry_over_to(
    api_for, member, manager, project, sprint
):
    """Carrying work over to another project's sprint is a 400 on the field; nothing moves."""
    services.sprint_start(sprint=sprint, by=manager)
    response = api_for(member).post(
        url(project, "sprints", sprint.pk, "close"), {"carry_over_to": foreign_sprint().pk}
    )
    assert response.status_code == 400 and list(response.json()) == ["carry_over_to"]
    sprint.refresh_from_db()
    assert sprint.status == "active"


def test_sprints_closed_sprint_refuses_edits_and_deletion(
    api_for, member, manager, project, sprint
):
    """Once closed, a sprint's dates and capacity are history: edits and deletes are 400."""
    services.sprint_start(sprint=sprint, by=manager)
    services.sprint_close(sprint=sprint, by=manager)
    client = api_for(member)
    response = client.patch(url(project, "sprints", sprint.pk), {"capacity": 40})
    assert response.status_code == 400 and "closed" in str(response.json())
    assert client.delete(url(project, "sprints", sprint.pk)).status_code == 400
    sprint.refresh_from_db()
    assert sprint.capacity == 20


def test_sprints_delete_sends_items_back_to_the_backlog(api_for, member, project, sprint):
    """Deleting a planned sprint keeps its items, back in the product backlog."""
    assert api_for(member).delete(url(project, "sprints", sprint.pk)).status_code == 204
    assert [item.sprint for item in items(project).values()] == [None, None, None]


def test_sprints_stale_version_is_409(api_for, member, manager, project, sprint):
    """A sprint edit based on an old version is refused; the newer goal stays."""
    services.sprint_update(sprint=sprint, by=manager, version=1, goal="Ship login")
    response = api_for(member).patch(
        url(project, "sprints", sprint.pk), {"goal": "x", "version": 1}
    )
    assert response.status_code == 409
    sprint.refresh_from_db()
    assert sprint.goal == "Ship login"


def test_sprints_burndown_has_the_ideal_line_and_what_remained(
    api_for, viewer, manager, project, sprint
):
    """16 points over ten working days: 5 done on Wed 7 Jan, 3 on Mon 12 Jan."""
    services.sprint_start(sprint=sprint, by=manager)
    done = {"Login": D(2026, 1, 7), "Logout": D(2026, 1, 12)}
    for title, day in done.items():
        services.backlog_item_update(
            item=items(project)[title], by=manager, version=None, status="done", today=day
        )
    path = url(project, "sprints", sprint.pk, "burndown")
    response = api_for(viewer).get(path, {"as_of": "2026-01-16"})
    assert response.status_code == 200
    body = response.json()
    assert body["sprint"] == sprint.pk
    assert [day["day"] for day in body["days"]] == [
        "2026-01-05",
        "2026-01-06",
        "2026-01-07",
        "2026-01-08",
        "2026-01-09",
        "2026-01-12",
        "2026-01-13",
        "2026-01-14",
        "2026-01-15",
        "2026-01-16",
    ]
    assert [day["ideal"] for day in body["days"]] == [
        16.0,
        14.22,
        12.44,
        10.67,
        8.89,
        7.11,
        5.33,
        3.56,
        1.78,
        0.0,
    ]
    assert [day["remaining"] for day in body["days"]] == [16, 16, 11, 11, 11, 8, 8, 8, 8, 8]
    midway = api_for(viewer).get(path, {"as_of": "2026-01-09"}).json()["days"]
    assert [day["remaining"] for day in midway][4:6] == [11, None]
    assert api_for(viewer).get(path, {"as_of": "soon"}).json() == {
        "as_of": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    }


def test_sprints_velocity_and_forecast(api_for, viewer, manager, project, sprint):
    """Two closed sprints doing 8 and 10 points: mean 9, 12 points left need 2 sprints."""
    services.sprint_start(sprint=sprint, by=manager)
    for title in ("Login", "Logout"):
        services.backlog_item_update(
            item=items(project)[title], by=manager, version=None, status="done"
        )
    services.sprint_close(sprint=sprint, by=manager)
    second = services.sprint_create(
        project=project, by=manager, start_date=D(2026, 1, 19), finish_date=D(2026, 1, 30)
    )
    services.backlog_item_update(
        item=items(project)["Reports"], by=manager, version=None, sprint=second
    )
    services.backlog_item_create(
        project=project, by=manager, title="Audit", story_points=2, sprint=second, status="done"
    )
    services.backlog_item_create(project=project, by=manager, title="Export", story_points=4)
    services.sprint_start(sprint=second, by=manager)
    services.backlog_item_update(
        item=items(project)["Reports"], by=manager, version=None, status="done"
    )
    services.sprint_close(sprint=second, by=manager)
    services.backlog_item_create(project=project, by=manager, title="Import", story_points=8)
    response = api_for(viewer).get(url(project, "sprints", verb="velocity"))
    assert response.status_code == 200
    body = response.json()
    assert [(row["id"], row["done"]) for row in body["sprints"]] == [
        (sprint.pk, 8),
        (second.pk, 10),
    ]
    assert (body["velocities"], body["mean_velocity"]) == ([8, 10], 9.0)
    assert (body["remaining_points"], body["sprints_left"]) == (12, 2)


def test_sprints_viewer_cannot_start_or_edit(api_for, viewer, project, sprint):
    """A viewer's sprint actions and edits are 403; the sprint stays planned."""
    client = api_for(viewer)
    assert client.post(url(project, "sprints", sprint.pk, "start")).status_code == 403
    assert client.patch(url(project, "sprints", sprint.pk), {"goal": "x"}).status_code == 403
    sprint.refresh_from_db()
    assert (sprint.status, sprint.goal) == ("planned", "")


def test_sprints_list_and_velocity_query_counts_are_constant(
    api_for, viewer, manager, project, django_assert_max_num_queries
):
    """The sprint list costs three queries (door, count, page); velocity a fixed few."""
    for week in range(12):
        start = D(2026, 1, 5) + datetime.timedelta(weeks=2 * week)
        sprint = services.sprint_create(
            project=project,
            by=manager,
            start_date=start,
            finish_date=start + datetime.timedelta(days=11),
        )
        services.backlog_item_create(
            project=project, by=manager, title=f"Item {week}", story_points=3, sprint=sprint
        )
        services.sprint_start(sprint=sprint, by=manager)
        services.sprint_close(sprint=sprint, by=manager)
    client = api_for(viewer)
    with django_assert_max_num_queries(3):
        assert client.get(url(project, "sprints")).json()["count"] == 12
    with django_assert_max_num_queries(6):
        assert len(client.get(url(project, "sprints", verb="velocity")).json()["sprints"]) == 12


# --- backlog --------------------------------------------------------------------------------------


def test_backlog_items_are_added_at_the_bottom(api_for, member, project):
    """New items take the next position; done records the day."""
    client = api_for(member)
    first = client.post(url(project, "backlog-items"), {"title": "Login", "story_points": 5})
    second = client.post(url(project, "backlog-items"), {"title": "Logout", "status": "done"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["position"], second.json()["position"]) == (1, 2)
    assert first.json()["done_on"] is None and second.json()["done_on"]


@pytest.mark.parametrize("points", [32_768, 2**63 - 1])
def test_backlog_items_refuse_more_points_than_a_smallint(api_for, member, project, points):
    """Story points above 32,767 are a 400 on the field: two of 2^63 − 1 overflowed a sum."""
    body = {"title": "Epic", "story_points": points}
    response = api_for(member).post(url(project, "backlog-items"), body)
    assert response.status_code == 400 and list(response.json()) == ["story_points"]
    assert not BacklogItem.objects.filter(project=project).exists()


def test_backlog_items_refuse_a_foreign_sprint(api_for, member, project):
    """An item planned into another project's sprint is a 400 on `sprint`; nothing is created."""
    body = {"title": "Sneaky", "sprint": foreign_sprint().pk}
    response = api_for(member).post(url(project, "backlog-items"), body)
    assert response.status_code == 400 and list(response.json()) == ["sprint"]
    assert not BacklogItem.objects.filter(project=project).exists()


def test_backlog_reorder_puts_the_items_in_the_given_order(api_for, member, project, sprint):
    """Reordering answers with the backlog in its new order, positions 1, 2, 3."""
    ids = {title: item.pk for title, item in items(project).items()}
    order = [ids["Reports"], ids["Login"], ids["Logout"]]
    response = api_for(member).post(url(project, "backlog-items", verb="reorder"), {"items": order})
    assert response.status_code == 200, response.json()
    assert [(row["id"], row["position"]) for row in response.json()] == [
        (order[0], 1),
        (order[1], 2),
        (order[2], 3),
    ]


def test_backlog_reorder_needs_every_item_of_the_project_once(api_for, member, project, sprint):
    """A missing, repeated or foreign id is a 400 on `items` and the order stays."""
    ids = [item.pk for item in items(project).values()]
    foreign = services.backlog_item_create(
        project=ProjectFactory(), by=UserFactory(), title="Foreign"
    )
    client = api_for(member)
    for bad in (ids[:2], [*ids, ids[0]], [*ids[:2], foreign.pk]):
        response = client.post(url(project, "backlog-items", verb="reorder"), {"items": bad})
        assert response.status_code == 400 and list(response.json()) == ["items"], bad
    assert [item.position for item in items(project).values()] == [1, 2, 3]
    foreign.refresh_from_db()
    assert foreign.position == 1


def test_backlog_move_up_and_down(api_for, member, project, sprint):
    """Moving Logout up puts it first; the first item cannot move further up."""
    client = api_for(member)
    logout = items(project)["Logout"]
    response = client.post(url(project, "backlog-items", logout.pk, "move"), {"direction": "up"})
    assert response.status_code == 200 and response.json()["position"] == 1
    response = client.post(url(project, "backlog-items", logout.pk, "move"), {"direction": "up"})
    assert response.status_code == 400 and "already first" in str(response.json())
    titles = [row["title"] for row in client.get(url(project, "backlog-items")).json()["results"]]
    assert titles == ["Logout", "Login", "Reports"]


def test_backlog_items_stale_version_is_409(api_for, member, manager, project, sprint):
    """An item edit based on an old version is refused; the newer points stay."""
    item = items(project)["Login"]
    services.backlog_item_update(item=item, by=manager, version=1, story_points=13)
    response = api_for(member).patch(
        url(project, "backlog-items", item.pk), {"story_points": 1, "version": 1}
    )
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.story_points == 13


def test_backlog_items_filter_by_sprint(api_for, viewer, manager, project, sprint):
    """Items of a sprint, and those still in the product backlog."""
    services.backlog_item_create(project=project, by=manager, title="Later")
    client = api_for(viewer)

    def titles(**params):
        rows = client.get(url(project, "backlog-items"), params).json()["results"]
        return [row["title"] for row in rows]

    assert titles(sprint=sprint.pk) == ["Login", "Logout", "Reports"]
    assert titles(sprint__isnull="true") == ["Later"]


def test_backlog_items_list_query_count_is_constant(
    api_for, viewer, manager, project, sprint, django_assert_max_num_queries
):
    """The backlog costs three queries (door, count, page) for any length."""
    for i in range(30):
        services.backlog_item_create(project=project, by=manager, title=f"Story {i}")
    with django_assert_max_num_queries(3):
        assert api_for(viewer).get(url(project, "backlog-items")).json()["count"] == 33


# --- phases ---------------------------------------------------------------------------------------


@pytest.fixture
def stage(api_for, member, project):
    """Initiation: planned to finish Wed 7 Jan for 1,000, tolerances 1 day and 200; its tasks
    A (3d, 550) → B (2d, 550) finish Fri 9 Jan for 1,100."""
    client = api_for(member)
    body = {
        "name": "Initiation",
        "planned_finish": "2026-01-07",
        "planned_cost": "1000",
        "time_tolerance": 1,
        "cost_tolerance": "200",
    }
    response = client.post(url(project, "phases"), body)
    assert response.status_code == 201, response.json()
    phase = response.json()["id"]
    tasks = [
        client.post(
            url(project, "tasks"),
            {"name": name, "duration": days, "phase": phase, "fixed_cost": "550"},
        ).json()["id"]
        for name, days in (("A", 3), ("B", 2))
    ]
    client.post(url(project, "dependencies"), {"predecessor": tasks[0], "successor": tasks[1]})
    return Phase.objects.get(pk=phase)


def test_phases_show_their_forecast_and_exception_flags(api_for, viewer, project, stage):
    """Two working days late with one day of tolerance is a time exception; 100 over with
    200 of tolerance is not a cost exception."""
    row = api_for(viewer).get(url(project, "phases", stage.pk)).json()
    assert {name: row[name] for name in row if name not in ("id", "gate_reviews")} == {
        "name": "Initiation",
        "position": 1,
        "planned_finish": "2026-01-07",
        "planned_cost": "1000.00",
        "time_tolerance": 1,
        "cost_tolerance": "200.00",
        "start": "2026-01-05",
        "finish": "2026-01-09",
        "task_count": 2,
        "forecast_cost": "1100.00",
        "slip": 2,
        "overspend": "100.00",
        "time_exception": True,
        "cost_exception": False,
        "last_gate": None,
        "version": 1,
    }


def test_phases_tolerance_edit_clears_the_exception_in_the_answer(api_for, member, project, stage):
    """Raising the time tolerance to 2 days: the PATCH answer no longer flags an exception."""
    response = api_for(member).patch(
        url(project, "phases", stage.pk), {"time_tolerance": 2, "version": 1}
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["time_exception"], response.json()["version"]) == (False, 2)


def test_phases_gate_review_is_a_managers_decision(api_for, member, manager, project, stage):
    """Members cannot record a gate decision; a manager's conditional go needs conditions."""
    path = url(project, "phases", stage.pk, "gate-reviews")
    body = {"decision": "conditional", "date": "2026-01-09"}
    assert api_for(member).post(path, body).status_code == 403
    client = api_for(manager)
    response = client.post(path, body)
    assert response.status_code == 400 and "conditions" in str(response.json())
    response = client.post(path, {**body, "conditions": "Security sign-off by Friday"})
    assert response.status_code == 201, response.json()
    assert (response.json()["decision"], response.json()["decided_by"]) == (
        "conditional",
        manager.pk,
    )
    row = client.get(url(project, "phases", stage.pk)).json()
    assert row["last_gate"]["conditions"] == "Security sign-off by Friday"
    assert [review["id"] for review in row["gate_reviews"]] == [response.json()["id"]]
    assert GateReview.objects.filter(phase=stage).count() == 1


def test_phases_list_query_count_is_constant(
    api_for, viewer, manager, project, stage, django_assert_max_num_queries
):
    """The phase list costs the same few queries for one phase as for twelve."""
    client = api_for(viewer)
    with django_assert_max_num_queries(9):
        assert client.get(url(project, "phases")).json()["count"] == 1
    for i in range(11):
        phase = services.phase_create(project=project, by=manager, name=f"Stage {i}")
        services.gate_review_record(phase=phase, by=manager, decision="go", date=D(2026, 2, 1))
    with django_assert_max_num_queries(9):
        rows = client.get(url(project, "phases")).json()["results"]
    assert len(rows) == 12 and rows[-1]["last_gate"]["decision"] == "go"


def test_phases_ids_of_other_projects_are_404(api_for, member, project):
    """A phase of another project under this project's URL does not exist."""
    other = services.phase_create(project=ProjectFactory(), by=UserFactory(), name="Elsewhere")
    client = api_for(member)
    assert client.get(url(project, "phases", other.pk)).status_code == 404
    assert client.delete(url(project, "phases", other.pk)).status_code == 404
    assert Phase.objects.filter(pk=other.pk).exists()
