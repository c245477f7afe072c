"""My timesheet: one week's hours across every project I log time on, saved through the time
entry service (all or nothing), as a page, a CSV and the API."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets import services as budget_services
from budgets import timesheets
from budgets.models import TimeEntry
from projects.models import Project
from scheduling import services as schedule_services
from tests.factories import project_with

pytestmark = pytest.mark.django_db

WEEK = "2026-W47"  # Monday 16 Nov 2026, before the suite's frozen today (26 Nov 2026)
MONDAY = datetime.date(2026, 11, 16)


@pytest.fixture
def work(manager, member, viewer):
    """Mo is a resource of two projects: assigned to "Build API" in ONE, owner of "=Deploy"
    in TWO; a viewer-only project THREE also has Mo as a resource."""
    one = project_with(manager=manager, member=member)
    two = project_with(manager=manager, member=member)
    three = project_with(manager=manager, viewer=member)
    Project.objects.filter(pk=one.pk).update(key="ONE")
    Project.objects.filter(pk=two.pk).update(key="TWO")
    Project.objects.filter(pk=three.pk).update(key="THREE")
    build = schedule_services.task_create(project=one, by=manager, name="Build API", duration=5)
    mo_one = budget_services.resource_create(
        project=one, by=manager, name="Mo", user=member, rate="50", capacity_hours="7.5"
    )
    budget_services.assignment_add(task=build, resource=mo_one, by=manager)
    deploy = schedule_services.task_create(
        project=two, by=manager, name="=Deploy", duration=2, owner=member
    )
    mo_two = budget_services.resource_create(
        project=two, by=manager, name="Mo", user=member, rate="60"
    )
    watch = schedule_services.task_create(project=three, by=manager, name="Watch", duration=1)
    mo_three = budget_services.resource_create(project=three, by=manager, name="Mo", user=member)
    budget_services.assignment_add(task=watch, resource=mo_three, by=manager)
    return {"build": build, "deploy": deploy, "watch": watch, "one": mo_one, "two": mo_two}


def test_the_grid_brings_assigned_owned_and_read_only_work(member, work):
    week = timesheets.timesheet(member, MONDAY)
    assert [(row.project.key, row.task.name, row.editable) for row in week.rows] == [
        ("ONE", "Build API", True),
        ("THREE", "Watch", False),  # a viewer there: read-only
        ("TWO", "=Deploy", True),
    ]
    # Mo's person record took his first resource's 7.5 h a day, and it wins in every project.
    assert week.capacity == Decimal("37.50")


def test_saving_the_week_logs_hours_at_each_projects_rate_and_blank_removes(
    client_for, member, work
):
    client = client_for(member)
    build, deploy = work["build"], work["deploy"]
    cell = timesheets.cell_name
    response = client.post(
        reverse("budgets:timesheet") + f"?week={WEEK}",
        {
            "week": WEEK,
            cell(work["one"].pk, build.pk, 0): "7.5",
            cell(work["one"].pk, build.pk, 1): "4",
            cell(work["two"].pk, deploy.pk, 1): "3,5",
        },
    )
    assert response.status_code == 302
    entries = {
        (e.task.name, e.date): (e.hours, e.cost) for e in TimeEntry.objects.select_related("task")
    }
    assert entries == {
        ("Build API", MONDAY): (Decimal("7.50"), Decimal("375.00")),
        ("Build API", MONDAY + datetime.timedelta(days=1)): (Decimal("4.00"), Decimal("200.00")),
        ("=Deploy", MONDAY + datetime.timedelta(days=1)): (Decimal("3.50"), Decimal("210.00")),
    }
    client.post(
        reverse("budgets:timesheet") + f"?week={WEEK}",
        {"week": WEEK, cell(work["one"].pk, build.pk, 1): ""},
    )
    assert TimeEntry.objects.count() == 2
    week = timesheets.timesheet(member, MONDAY)
    assert week.day_totals[:2] == [Decimal("7.50"), Decimal("3.50")]
    assert week.total == Decimal("11.00")


def test_a_bad_cell_saves_nothing_and_is_named(client_for, member, work):
    client = client_for(member)
    build, deploy = work["build"], work["deploy"]
    cell = timesheets.cell_name
    bad = cell(work["two"].pk, deploy.pk, 0)
    response = client.post(
        reverse("budgets:timesheet") + f"?week={WEEK}",
        {
            "week": WEEK,
            cell(work["one"].pk, build.pk, 0): "20",
            bad: "8",  # 28 hours on Monday
        },
    )
    assert response.status_code == 200
    assert not TimeEntry.objects.exists()
    html = response.content.decode()
    assert "Nothing was saved" in html and f'id="{bad}-error"' in html
    assert "28.00 hours on Mon 16 Nov across your projects; a day has 24." in html


def test_cells_of_someone_else_or_a_read_only_project_are_refused(member, manager, work):
    watch = work["watch"]
    three = watch.project.resources.get()
    cell = timesheets.cell_name
    with pytest.raises(Exception, match="read-only"):
        timesheets.timesheet_save(
            user=member, start=MONDAY, cells={cell(three.pk, watch.pk, 0): "2"}
        )
    with pytest.raises(Exception, match="Not a cell"):
        timesheets.timesheet_save(
            user=manager, start=MONDAY, cells={cell(work["one"].pk, work["build"].pk, 0): "2"}
        )
    assert not TimeEntry.objects.exists()


def test_a_future_day_is_refused(member, work):
    cell = timesheets.cell_name
    later = datetime.date(2026, 11, 30)  # after the frozen today
    with pytest.raises(Exception) as refused:
        timesheets.timesheet_save(
            user=member, start=later, cells={cell(work["one"].pk, work["build"].pk, 0): "2"}
        )
    assert "future" in str(refused.value) or "after today" in str(refused.value)


def test_csv_download_guards_formulas(client_for, member, work):
    budget_services.time_entry_log(
        resource=work["two"], task=work["deploy"], by=member, date=MONDAY, hours="2"
    )
    response = client_for(member).get(reverse("budgets:timesheet"), {"week": WEEK, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Project", "Ref", "Task", "Mon 16 Nov"]
    deploy = next(row for row in rows if row[0] == "TWO")
    assert deploy[2] == "'=Deploy" and deploy[3] == "2.00"
    assert rows[-2][2] == "Total" and rows[-2][-1] == "2.00"
    assert rows[-1][2:4] == ["Status", "Draft"]


def test_api_gives_my_week_and_a_bad_week_is_a_400(api_for, member, work):
    api = api_for(member)
    body = api.get("/api/v1/timesheets/", {"week": WEEK}).json()
    assert body["week"] == WEEK and body["days"][0] == "2026-11-16"
    assert [row["project_key"] for row in body["rows"]] == ["ONE", "THREE", "TWO"]
    assert api.get("/api/v1/timesheets/", {"week": "2026-W60"}).status_code == 400


def test_timesheet_query_count_does_not_grow_with_projects(
    client_for, member, manager, django_assert_max_num_queries
):
    for index in range(6):
        project = project_with(manager=manager, member=member)
        task = schedule_services.task_create(project=project, by=manager, name=f"T{index}")
        resource = budget_services.resource_create(
            project=project, by=manager, name="Mo", user=member
        )
        budget_services.assignment_add(task=task, resource=resource, by=manager)
    client = client_for(member)
    # Two more than the grid alone: the week's submission and the non-project time.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("budgets:timesheet"), {"week": WEEK})
    # 6 tasks and 4 kinds of non-project time, 7 days each.
    assert response.status_code == 200 and response.content.decode().count('class="hours"') == 70
