"""The agile and stage pages: backlog, sprints, board, burndown, velocity, phases and gates."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from scheduling import selectors, services
from scheduling.models import BacklogItem, GateReview, Phase, Sprint, Task

pytestmark = pytest.mark.django_db

D = datetime.date
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def scrum(project, manager):
    """A Scrum project starting Mon 5 Jan 2026: a closed sprint, an active one with three items
    and two items left in the product backlog."""
    first = services.sprint_create(
        project=project,
        by=manager,
        name="Sprint 1",
        start_date=D(2026, 1, 5),
        finish_date=D(2026, 1, 16),
        capacity=10,
    )
    done = services.backlog_item_create(
        project=project, by=manager, title="Sign in", story_points=8, sprint=first
    )
    services.sprint_start(sprint=first, by=manager)
    services.backlog_item_update(
        item=done, by=manager, version=None, status="done", today=D(2026, 1, 9)
    )
    services.sprint_close(sprint=first, by=manager)
    second = services.sprint_create(
        project=project,
        by=manager,
        name="Sprint 2",
        start_date=D(2026, 1, 19),
        finish_date=D(2026, 1, 30),
        capacity=10,
        goal="Invoices",
    )
    items = [
        services.backlog_item_create(
            project=project, by=manager, title=title, story_points=points, sprint=sprint
        )
        for title, points, sprint in [
            ("See invoices", 5, second),
            ("Download invoice", 3, second),
            ("Pay invoice", 2, second),
            ("Open a ticket", 5, None),
            ("Dark mode", 3, None),
        ]
    ]
    services.sprint_start(sprint=second, by=manager)
    return {"closed": first, "active": second, "done": done, "items": items}


@pytest.fixture
def stages(project, manager):
    """A waterfall phase forecast 2 working days late with 1 day of time tolerance."""
    project.methodology = Project.Methodology.WATERFALL
    project.save()
    phase = services.phase_create(
        project=project,
        by=manager,
        name="Design",
        planned_finish=D(2026, 1, 7),
        planned_cost=Decimal("1000.00"),
        time_tolerance=1,
        cost_tolerance=Decimal("100.00"),
    )
    services.task_create(
        project=project, by=manager, name="Draft", duration=5, phase=phase, fixed_cost=500
    )
    return phase


def _urls(project, scrum, phase) -> list[tuple[str, str]]:
    """(name, url) of every agile and stage page, for the access tests."""
    item = scrum["items"][0]
    sprint = scrum["active"]
    p = project.pk
    return [
        ("backlog", reverse("scheduling:backlog", args=[p])),
        ("backlog_item_edit", reverse("scheduling:backlog_item_edit", args=[p, item.pk])),
        ("backlog_item_move", reverse("scheduling:backlog_item_move", args=[p, item.pk])),
        ("backlog_item_assign", reverse("scheduling:backlog_item_assign", args=[p, item.pk])),
        ("board_move", reverse("scheduling:board_move", args=[p, item.pk])),
        ("board", reverse("scheduling:board", args=[p])),
        ("sprints", reverse("scheduling:sprints", args=[p])),
        ("sprint_create", reverse("scheduling:sprint_create", args=[p])),
        ("sprint_edit", reverse("scheduling:sprint_edit", args=[p, sprint.pk])),
        ("sprint_start", reverse("scheduling:sprint_start", args=[p, sprint.pk])),
        ("sprint_close", reverse("scheduling:sprint_close", args=[p, sprint.pk])),
        ("sprint_board", reverse("scheduling:sprint_board", args=[p, sprint.pk])),
        ("sprint_burndown", reverse("scheduling:sprint_burndown", args=[p, sprint.pk])),
        ("velocity", reverse("scheduling:velocity", args=[p])),
        ("phases", reverse("scheduling:phases", args=[p])),
        ("phase_create", reverse("scheduling:phase_create", args=[p])),
        ("phase_detail", reverse("scheduling:phase_detail", args=[p, phase.pk])),
        ("phase_edit", reverse("scheduling:phase_edit", args=[p, phase.pk])),
        ("gate_review_create", reverse("scheduling:gate_review_create", args=[p, phase.pk])),
    ]


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- Access --------------------------------------------------------------------------------------


def test_agile_urls_cover_every_page():
    """The access tests below iterate over every URL name of the agile and stage pages."""
    from scheduling.urls import agile_patterns

    names = {pattern.name for pattern in agile_patterns}
    project = Project(pk=1)
    fake = {"items": [BacklogItem(pk=1)], "active": Sprint(pk=1)}
    assert names == {name for name, _ in _urls(project, fake, Phase(pk=1))}


def test_agile_pages_outsider_gets_404_for_every_method(
    client_for, outsider, project, scrum, stages
):
    """A non-member gets 404 on every agile and stage URL, for GET and POST alike."""
    client = client_for(outsider)
    for name, url in _urls(project, scrum, stages):
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"status": "done", "direction": "up"}).status_code == 404, name
    assert BacklogItem.objects.get(pk=scrum["items"][0].pk).status == "todo"


def test_agile_pages_viewer_reads_but_gets_403_on_writes(
    client_for, viewer, project, scrum, stages
):
    """A viewer can open every page but every write (and every form page) answers 403; a POST
    to a page that only reads, 405."""
    client = client_for(viewer)
    forms = {
        "backlog_item_edit",
        "sprint_create",
        "sprint_edit",
        "sprint_close",
        "phase_create",
        "phase_edit",
    }
    read_only = {"board", "sprints", "sprint_board", "sprint_burndown", "velocity", "phases"}
    read_only.add("phase_detail")
    for name, url in _urls(project, scrum, stages):
        response = client.get(url)
        if name in forms:
            assert response.status_code == 403, name
        elif name in {"backlog_item_move", "backlog_item_assign", "board_move", "sprint_start"}:
            assert response.status_code == 405, name
        elif name == "gate_review_create":
            assert response.status_code == 405, name
        else:
            assert response.status_code in (200, 302), name
        expected = 405 if name in read_only else 403
        assert client.post(url, {"status": "done", "title": "x"}).status_code == expected, name
    assert BacklogItem.objects.filter(project=project).count() == 6


def test_gate_review_member_gets_403(client_for, member, stages):
    """Gate decisions are the manager's: a member's POST is refused and nothing is recorded."""
    url = reverse("scheduling:gate_review_create", args=[stages.project_id, stages.pk])
    response = client_for(member).post(url, {"decision": "go", "date": "2026-01-09"})
    assert response.status_code == 403
    assert not GateReview.objects.exists()


def test_phase_edit_member_gets_403(client_for, member, stages):
    """Stage plans and tolerances are set by a manager, not a member."""
    url = reverse("scheduling:phase_edit", args=[stages.project_id, stages.pk])
    assert client_for(member).get(url).status_code == 403
    assert client_for(member).post(url, {"name": "X"}).status_code == 403


def test_agile_pages_render_for_a_member(client_for, member, project, scrum, stages):
    """Every readable page renders for a member, with the project's data on it."""
    client = client_for(member)
    for name, url in _urls(project, scrum, stages):
        if name in {
            "backlog_item_move",
            "backlog_item_assign",
            "board_move",
            "sprint_start",
            "gate_review_create",
            "phase_create",
            "phase_edit",
        }:
            continue
        response = client.get(url, follow=True)
        assert response.status_code == 200, name


# --- Navigation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("methodology", "agile", "stages"),
    [
        ("scrum", True, False),
        ("waterfall", False, True),
        ("prince2", False, True),
        ("hybrid", True, True),
    ],
)
def test_project_nav_follows_the_methodology(
    client_for, manager, project, methodology, agile, stages
):
    """Scrum shows Backlog and Sprints, waterfall and PRINCE2 phases and gates, hybrid both."""
    project.methodology = methodology
    project.save()
    html = client_for(manager).get(reverse("projects:overview", args=[project.pk])).content
    html = html.decode()
    assert (reverse("scheduling:backlog", args=[project.pk]) in html) is agile
    assert (reverse("scheduling:sprints", args=[project.pk]) in html) is agile
    assert (reverse("scheduling:phases", args=[project.pk]) in html) is stages


# --- Backlog -------------------------------------------------------------------------------------


def test_backlog_lists_items_in_order_with_points_and_forecast(client_for, member, project, scrum):
    """The backlog shows every item in order, the total points and the forecast in words."""
    response = client_for(member).get(reverse("scheduling:backlog", args=[project.pk]))
    items = response.context["items"]
    assert [i.title for i in items] == [
        "Sign in",
        "See invoices",
        "Download invoice",
        "Pay invoice",
        "Open a ticket",
        "Dark mode",
    ]
    assert response.context["total_points"] == 26
    html = response.content.decode()
    # 18 points remain; velocity 8 (one closed sprint); 18 / 8 → 3 sprints.
    assert "18 points of work remain" in html
    assert "a mean velocity of 8.0 points per sprint" in html
    assert "3 more sprints" in html


def test_backlog_add_item_appends_it(client_for, member, project, scrum):
    """Adding an item puts it at the bottom of the backlog with its points."""
    response = client_for(member).post(
        reverse("scheduling:backlog", args=[project.pk]),
        {"title": "Export as CSV", "story_points": "2", "sprint": ""},
    )
    assert response.status_code == 302
    item = BacklogItem.objects.get(title="Export as CSV")
    assert (item.story_points, item.sprint, item.status) == (2, None, "todo")
    assert item.position == BacklogItem.objects.filter(project=project).count()


def test_backlog_add_item_shows_errors_next_to_the_field(client_for, member, project):
    """An item without a title is refused with the error beside the title field."""
    response = client_for(member).post(
        reverse("scheduling:backlog", args=[project.pk]), {"title": "", "story_points": "2"}
    )
    assert response.status_code == 200
    assert 'id="id_title_error"' in response.content.decode()
    assert not BacklogItem.objects.exists()


def test_backlog_move_up_and_down_reorders(client_for, member, project, scrum):
    """Moving the last item up swaps it with the one above; htmx gets the region back."""
    client = client_for(member)
    last = scrum["items"][-1]
    url = reverse("scheduling:backlog_item_move", args=[project.pk, last.pk])
    response = client.post(url, {"direction": "up"})
    assert response.status_code == 302
    order = list(
        BacklogItem.objects.filter(project=project)
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert order[-2:] == ["Dark mode", "Open a ticket"]
    response = client.post(url, {"direction": "down"}, **HTMX)
    assert response.status_code == 200
    assert 'id="backlog"' in response.content.decode()
    assert "<html" not in response.content.decode()
    html = response.content.decode()
    assert html.index("Open a ticket") < html.index("Dark mode")


def test_backlog_move_past_the_end_says_so(client_for, member, project, scrum):
    """The last item cannot move down: the page says so and nothing changes."""
    last = scrum["items"][-1]
    url = reverse("scheduling:backlog_item_move", args=[project.pk, last.pk])
    response = client_for(member).post(url, {"direction": "down"}, **HTMX)
    assert "already last" in response.content.decode()


def test_backlog_inline_edit_saves_and_returns_the_region(client_for, member, project, scrum):
    """The htmx edit returns the form in place, and saving returns the refreshed backlog."""
    client = client_for(member)
    item = scrum["items"][3]
    url = reverse("scheduling:backlog_item_edit", args=[project.pk, item.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200 and 'name="edit-title"' in form.content.decode()
    response = client.post(
        url,
        {
            "edit-title": "Open a support ticket",
            "edit-story_points": "8",
            "edit-status": "todo",
            "edit-sprint": "",
            "edit-description": "",
            "edit-version": item.version,
        },
        **HTMX,
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.title, item.story_points) == ("Open a support ticket", 8)
    assert "<strong>29</strong>" in response.content.decode()  # the total, 26 + 3


def test_backlog_edit_stale_version_is_refused(client_for, member, project, scrum):
    """An edit based on an old version is refused with a message, not silently applied."""
    item = scrum["items"][3]
    url = reverse("scheduling:backlog_item_edit", args=[project.pk, item.pk])
    response = client_for(member).post(
        url,
        {
            "edit-title": "Changed",
            "edit-story_points": "5",
            "edit-status": "todo",
            "edit-version": item.version + 1,
        },
    )
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Open a ticket"


def test_backlog_assign_puts_an_item_in_a_sprint(client_for, member, project, scrum):
    """The row's sprint select moves an item into the active sprint."""
    item = scrum["items"][3]
    url = reverse("scheduling:backlog_item_assign", args=[project.pk, item.pk])
    response = client_for(member).post(url, {"sprint": scrum["active"].pk}, **HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.sprint == scrum["active"]


def test_backlog_assign_to_a_closed_sprint_is_refused(client_for, member, project, scrum):
    """A closed sprint is not a choice."""
    item = scrum["items"][3]
    url = reverse("scheduling:backlog_item_assign", args=[project.pk, item.pk])
    client_for(member).post(url, {"sprint": scrum["closed"].pk})
    item.refresh_from_db()
    assert item.sprint is None


# --- Sprints -------------------------------------------------------------------------------------


def test_sprint_list_shows_committed_and_done_points(client_for, viewer, project, scrum):
    """The sprint list gives each sprint's dates, capacity, committed and done points, status."""
    response = client_for(viewer).get(reverse("scheduling:sprints", args=[project.pk]))
    sprints = {s.name: s for s in response.context["sprints"]}
    assert (sprints["Sprint 1"].committed, sprints["Sprint 1"].done) == (8, 8)
    assert (sprints["Sprint 2"].committed, sprints["Sprint 2"].done) == (10, 0)
    html = response.content.decode()
    assert "Invoices" in html and "Closed" in html and "Active" in html
    assert "Plan a sprint" not in html  # a viewer does not plan


def test_sprint_create_plans_a_sprint(client_for, member, project, scrum):
    """A member plans a sprint; an empty name numbers it."""
    response = client_for(member).post(
        reverse("scheduling:sprint_create", args=[project.pk]),
        {
            "name": "",
            "start_date": "2026-02-02",
            "finish_date": "2026-02-13",
            "capacity": "12",
            "goal": "Tickets",
        },
    )
    assert response.status_code == 302
    sprint = Sprint.objects.get(goal="Tickets")
    assert (sprint.name, sprint.capacity, sprint.status) == ("Sprint 3", 12, "planned")


def test_sprint_create_refuses_finish_before_start(client_for, member, project):
    """A sprint finishing before it starts is refused next to the finish date."""
    response = client_for(member).post(
        reverse("scheduling:sprint_create", args=[project.pk]),
        {"name": "S", "start_date": "2026-02-13", "finish_date": "2026-02-02", "capacity": "5"},
    )
    assert response.status_code == 200
    assert "cannot finish before it starts" in response.content.decode()
    assert 'id="id_finish_date_error"' in response.content.decode()
    assert not Sprint.objects.exists()


def test_sprint_edit_changes_the_goal(client_for, member, project, scrum):
    """Editing a sprint saves the changed fields."""
    sprint = scrum["active"]
    response = client_for(member).post(
        reverse("scheduling:sprint_edit", args=[project.pk, sprint.pk]),
        {
            "name": sprint.name,
            "start_date": "2026-01-19",
            "finish_date": "2026-01-30",
            "capacity": "11",
            "goal": "Invoices end to end",
            "version": sprint.version,
        },
    )
    assert response.status_code == 302
    sprint.refresh_from_db()
    assert (sprint.goal, sprint.capacity) == ("Invoices end to end", 11)


def test_sprint_start_refused_while_another_is_active(client_for, member, project, scrum):
    """Only one sprint runs at a time: starting a second says which one to close first."""
    planned = services.sprint_create(
        project=project, by=member, start_date=D(2026, 2, 2), finish_date=D(2026, 2, 13)
    )
    client = client_for(member)
    response = client.post(
        reverse("scheduling:sprint_start", args=[project.pk, planned.pk]), follow=True
    )
    assert "Close Sprint 2 before starting" in response.content.decode()
    planned.refresh_from_db()
    assert planned.status == "planned"


def test_sprint_close_carries_unfinished_items_to_a_planned_sprint(
    client_for, member, project, scrum
):
    """Closing offers the planned sprints; unfinished items move there, done ones stay."""
    active = scrum["active"]
    see, download, pay = scrum["items"][:3]
    services.backlog_item_update(item=see, by=member, version=None, status="done")
    planned = services.sprint_create(
        project=project, by=member, start_date=D(2026, 2, 2), finish_date=D(2026, 2, 13)
    )
    client = client_for(member)
    url = reverse("scheduling:sprint_close", args=[project.pk, active.pk])
    page = client.get(url)
    assert "2 items (5 points) are not done" in page.content.decode()
    assert list(page.context["form"].fields["carry_over_to"].queryset) == [planned]
    response = client.post(url, {"carry_over_to": planned.pk})
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == "closed"
    assert set(planned.items.values_list("title", flat=True)) == {download.title, pay.title}
    assert list(active.items.values_list("title", flat=True)) == [see.title]


def test_sprint_close_to_the_backlog(client_for, member, project, scrum):
    """With no sprint chosen, unfinished items go back to the product backlog."""
    active = scrum["active"]
    client_for(member).post(
        reverse("scheduling:sprint_close", args=[project.pk, active.pk]), {"carry_over_to": ""}
    )
    assert BacklogItem.objects.filter(sprint__isnull=True).count() == 5


def test_sprint_start_then_board(client_for, member, project, scrum):
    """Starting a planned sprint opens its board."""
    services.sprint_close(sprint=scrum["active"], by=member)
    planned = services.sprint_create(
        project=project, by=member, start_date=D(2026, 2, 2), finish_date=D(2026, 2, 13)
    )
    response = client_for(member).post(
        reverse("scheduling:sprint_start", args=[project.pk, planned.pk])
    )
    assert response.url == reverse("scheduling:sprint_board", args=[project.pk, planned.pk])
    planned.refresh_from_db()
    assert planned.status == "active"


# --- Board ---------------------------------------------------------------------------------------


def test_board_groups_items_by_status(client_for, viewer, project, scrum):
    """The board has To do, In progress and Done columns with the sprint's items."""
    response = client_for(viewer).get(reverse("scheduling:board", args=[project.pk]), follow=True)
    columns = {c["label"]: [i.title for i in c["items"]] for c in response.context["columns"]}
    assert columns == {
        "To do": ["See invoices", "Download invoice", "Pay invoice"],
        "In progress": [],
        "Done": [],
    }
    assert "Move See invoices to" not in response.content.decode()  # a viewer moves nothing


def test_board_move_changes_status_with_htmx_and_without(client_for, member, project, scrum):
    """A card moves to In progress (htmx swaps the board) and then to Done (plain POST)."""
    client = client_for(member)
    item = scrum["items"][0]
    url = reverse("scheduling:board_move", args=[project.pk, item.pk])
    response = client.post(url, {"status": "in_progress"}, **HTMX)
    assert response.status_code == 200
    assert 'id="board"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert '<dd class="num" id="board-remaining">10</dd>' in response.content.decode()
    item.refresh_from_db()
    assert item.status == "in_progress"
    response = client.post(url, {"status": "done"})
    assert response.url == reverse("scheduling:sprint_board", args=[project.pk, item.sprint_id])
    item.refresh_from_db()
    assert item.status == "done" and item.done_on is not None


def test_board_without_active_sprint_explains(client_for, member, project):
    """With no active sprint the board says how to get one."""
    response = client_for(member).get(reverse("scheduling:board", args=[project.pk]))
    assert response.status_code == 200
    assert "No sprint is running" in response.content.decode()


# --- Burndown and velocity -----------------------------------------------------------------------


def test_burndown_table_and_svg_match_the_selector(client_for, member, project, scrum):
    """The burndown's table gives the selector's remaining points per working day and the SVG
    plots one point per day with a value."""
    active = scrum["active"]
    see, download, _ = scrum["items"][:3]
    services.backlog_item_update(
        item=see, by=member, version=None, status="done", today=D(2026, 1, 21)
    )
    services.backlog_item_update(
        item=download, by=member, version=None, status="done", today=D(2026, 1, 27)
    )
    response = client_for(member).get(
        reverse("scheduling:sprint_burndown", args=[project.pk, active.pk])
    )
    html = response.content.decode()
    expected = selectors.sprint_burndown(active, response.context["today"])
    assert [d.remaining for d in expected] == [10, 10, 5, 5, 5, 5, 2, 2, 2, 2]
    table = html[html.index('class="data burndown-table"') :]
    cells = re.findall(r'<td class="num remaining">(.*?)</td>', table)
    assert cells == [str(d.remaining) for d in expected]
    assert "<svg" in html and 'class="ideal"' in html
    assert html.count('class="actual-point"') == len(expected)
    assert "10 points committed over 10 working days" in html


def test_burndown_of_a_future_sprint_shows_days_to_come(client_for, member, project, scrum):
    """Days after today have no remaining value: the table shows a dash, the SVG no point."""
    future = services.sprint_create(
        project=project, by=member, start_date=D(2099, 1, 5), finish_date=D(2099, 1, 9)
    )
    response = client_for(member).get(
        reverse("scheduling:sprint_burndown", args=[project.pk, future.pk])
    )
    html = response.content.decode()
    assert 'class="actual-point"' not in html
    assert html.count('<td class="num remaining"><span class="muted">—</span></td>') == 5


def test_velocity_chart_and_table_match_the_selector(client_for, viewer, project, scrum):
    """Velocity shows each closed sprint's done points as a bar and a row, and the mean."""
    response = client_for(viewer).get(reverse("scheduling:velocity", args=[project.pk]))
    html = response.content.decode()
    expected = selectors.velocity(project)
    assert [r["done"] for r in response.context["rows"]] == [v["done"] for v in expected] == [8]
    assert html.count('<rect class="done"') == 1
    assert "Mean of the last 1" in html and "8.0" in html


# --- Phases and gates ----------------------------------------------------------------------------


def test_phase_list_shows_the_exception_badge_in_words(client_for, viewer, project, stages):
    """A phase forecast beyond its time tolerance carries an "Exception: time" badge."""
    response = client_for(viewer).get(reverse("scheduling:phases", args=[project.pk]))
    html = response.content.decode()
    # Planned finish Wed 7 Jan; 5 days from Mon 5 Jan finish Fri 9 Jan: 2 working days late.
    assert "+2 d late" in html
    assert "Exception: time" in html
    assert "Exception: cost" not in html
    assert "an exception report is due" in html


def test_phase_list_within_tolerance(client_for, viewer, project, stages, manager):
    """With enough tolerance the phase says "Within tolerance"."""
    services.phase_update(phase=stages, by=manager, version=None, time_tolerance=5)
    html = client_for(viewer).get(reverse("scheduling:phases", args=[project.pk])).content
    assert "Within tolerance" in html.decode()


def test_phase_create_and_edit_by_a_manager(client_for, manager, project, stages):
    """A manager adds a phase at the end and edits its tolerances."""
    client = client_for(manager)
    response = client.post(
        reverse("scheduling:phase_create", args=[project.pk]),
        {
            "name": "Build",
            "planned_finish": "2026-03-02",
            "time_tolerance": "3",
            "cost_tolerance": "0",
        },
    )
    assert response.status_code == 302
    build = Phase.objects.get(name="Build")
    assert build.position == 2
    response = client.post(
        reverse("scheduling:phase_edit", args=[project.pk, build.pk]),
        {
            "name": "Build",
            "position": "2",
            "planned_finish": "2026-03-02",
            "time_tolerance": "4",
            "cost_tolerance": "250",
            "version": build.version,
        },
    )
    assert response.status_code == 302
    build.refresh_from_db()
    assert (build.time_tolerance, build.cost_tolerance) == (4, Decimal("250.00"))


def test_gate_review_manager_records_a_decision(client_for, manager, project, stages):
    """A manager records a go; it shows as the last gate and in the phase's history."""
    client = client_for(manager)
    url = reverse("scheduling:gate_review_create", args=[project.pk, stages.pk])
    response = client.post(url, {"decision": "go", "date": "2026-01-09", "notes": "Accepted"})
    assert response.status_code == 302
    review = GateReview.objects.get()
    assert (review.decision, review.decided_by) == ("go", manager)
    detail = client.get(reverse("scheduling:phase_detail", args=[project.pk, stages.pk]))
    assert "Accepted" in detail.content.decode()
    listing = client.get(reverse("scheduling:phases", args=[project.pk])).content.decode()
    assert "Go</span>" in listing


def test_gate_review_conditional_needs_conditions(client_for, manager, project, stages):
    """A conditional go without conditions is refused next to the conditions field."""
    url = reverse("scheduling:gate_review_create", args=[project.pk, stages.pk])
    response = client_for(manager).post(url, {"decision": "conditional", "date": "2026-01-09"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_conditions_error"' in html and "must say what the conditions are" in html
    assert not GateReview.objects.exists()


def test_gate_review_history_lists_every_decision(client_for, viewer, manager, project, stages):
    """The phase page lists its gate reviews, newest first, with who decided."""
    services.gate_review_record(phase=stages, by=manager, decision="no_go", date=D(2026, 1, 9))
    services.gate_review_record(
        phase=stages, by=manager, decision="conditional", date=D(2026, 1, 16), conditions="Fix X"
    )
    response = client_for(viewer).get(
        reverse("scheduling:phase_detail", args=[project.pk, stages.pk])
    )
    html = response.content.decode()
    assert html.index("Go with conditions") < html.index("No-go")
    assert "Maria Manager" in html and "Fix X" in html
    assert "Only the project's managers record gate decisions" in html


# --- Query counts --------------------------------------------------------------------------------


def _bulk_items(project, sprint, count: int, start: int) -> None:
    BacklogItem.objects.bulk_create(
        BacklogItem(
            project=project,
            sprint=sprint,
            title=f"Item {start + n}",
            story_points=n % 8,
            position=start + n,
            status=["todo", "in_progress", "done"][n % 3],
            done_on=D(2026, 1, 20) if n % 3 == 2 else None,
        )
        for n in range(count)
    )


def _bulk_sprints(project, count: int, start: int) -> None:
    first = D(2020, 1, 6)
    Sprint.objects.bulk_create(
        Sprint(
            project=project,
            name=f"Old {start + n}",
            start_date=first + datetime.timedelta(days=14 * (start + n)),
            finish_date=first + datetime.timedelta(days=14 * (start + n) + 11),
            status="closed",
        )
        for n in range(count)
    )


def _bulk_phases(project, count: int, start: int) -> None:
    phases = Phase.objects.bulk_create(
        Phase(project=project, name=f"Phase {start + n}", position=start + n) for n in range(count)
    )
    Task.objects.bulk_create(
        Task(project=project, name=f"T{phase.pk}", phase=phase, fixed_cost=10) for phase in phases
    )
    GateReview.objects.bulk_create(
        GateReview(phase=phase, date=D(2026, 1, 9), decision="go") for phase in phases
    )


@pytest.mark.parametrize(
    ("name", "grow"),
    [
        ("backlog", "items"),
        ("sprint_board", "items"),
        ("sprint_burndown", "items"),
        ("sprints", "sprints"),
        ("velocity", "sprints"),
        ("phases", "phases"),
    ],
)
def test_list_pages_query_count_is_constant(
    client_for, manager, project, scrum, name, grow, django_assert_max_num_queries
):
    """Each list page costs the same queries with 5 rows as with 100, within its budget."""
    client = client_for(manager)
    active = scrum["active"]
    args = [project.pk, active.pk] if name.startswith("sprint_") else [project.pk]
    url = reverse(f"scheduling:{name}", args=args)
    grow_by = {
        "items": lambda n, s: _bulk_items(project, active, n, s),
        "sprints": lambda n, s: _bulk_sprints(project, n, s),
        "phases": lambda n, s: _bulk_phases(project, n, s),
    }[grow]
    client.get(url)  # the first read of the schedule creates the project calendar
    grow_by(5, 100)
    few = _count_queries(client, url)
    grow_by(95, 200)
    many = _count_queries(client, url)
    assert many == few, name
    with django_assert_max_num_queries(12):
        client.get(url)
