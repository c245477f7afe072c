"""The plan's pages: Gantt, task table with in-place edits, task and dependency editor,
calendar, baselines; access on every URL; query counts that do not grow with the plan."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services as project_services
from projects.models import WorkPackage
from scheduling import services
from scheduling.models import Baseline, Dependency, Holiday, Task
from scheduling.urls import plan_patterns
from scheduling.views import schedule as schedule_views

pytestmark = pytest.mark.django_db

D = datetime.date
HTMX = {"HTTP_HX_REQUEST": "true"}
PLAN_NAMES = [p.name for p in plan_patterns]
# Pages that only read: a POST to them is not allowed (405), whoever sends it.
READ_ONLY = {"tasks", "gantt", "task_detail", "baseline_compare"}


@pytest.fixture
def plan(project, manager):
    """Monday 5 Jan 2026: Build (1) holds A (3 d) → B (2 d), FS; C (4 d) stands alone;
    a holiday, and the baseline "Approved plan" taken now (the performance baseline)."""
    project.start_date = D(2026, 1, 5)
    project.save()
    build = project_services.work_package_add(project=project, by=manager, name="Build")
    a = services.task_create(
        project=project, by=manager, name="Alpha", duration=3, work_package=build
    )
    b = services.task_create(
        project=project, by=manager, name="Beta", duration=2, work_package=build
    )
    c = services.task_create(project=project, by=manager, name="Gamma", duration=4)
    link = services.dependency_add(project=project, by=manager, predecessor=a, successor=b)
    holiday = services.holiday_add(project=project, by=manager, date=D(2026, 12, 25), name="Xmas")
    baseline = services.baseline_create(
        project=project, by=manager, name="Approved plan", is_performance=True
    )
    return {
        "A": a,
        "B": b,
        "C": c,
        "build": build,
        "link": link,
        "holiday": holiday,
        "baseline": baseline,
    }


def _url(name: str, project, plan: dict) -> str:
    """The URL of any plan page; a new URL argument without a value here fails the tests."""
    pattern = next(p for p in plan_patterns if p.name == name)
    values = {
        "pk": project.pk,
        "task_pk": plan["A"].pk,
        "dependency_pk": plan["link"].pk,
        "holiday_pk": plan["holiday"].pk,
        "baseline_pk": plan["baseline"].pk,
        # Any id: an outsider meets the door before the link is looked up.
        "link_pk": 1,
    }
    kwargs = {arg: values[arg] for arg in pattern.pattern.converters}
    return reverse(f"scheduling:{name}", kwargs=kwargs)


def _reload(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_plan_url_answers_404_to_outsiders_for_get_and_post(
    client_for, outsider, project, plan, name
):
    """A non-member gets 404 from every plan URL, whatever the method."""
    client = client_for(outsider)
    url = _url(name, project, plan)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "duration": 1}).status_code == 404


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_plan_url_refuses_writes_from_viewers(client_for, viewer, project, plan, name):
    """A viewer's POST is refused (403) on every writing URL, and changes nothing."""
    before = (Task.objects.count(), Dependency.objects.count(), Holiday.objects.count())
    response = client_for(viewer).post(
        _url(name, project, plan), {"name": "x", "duration": 1, "version": 1}
    )
    assert response.status_code == (405 if name in READ_ONLY else 403)
    assert (Task.objects.count(), Dependency.objects.count(), Holiday.objects.count()) == before


@pytest.mark.parametrize(
    ("name", "shows", "edit_control"),
    [
        ("tasks", "Alpha", "Add task"),
        ("gantt", "Alpha", None),
        ("task_detail", "Beta", "Add link"),
        ("calendar", "Xmas", "Save weekdays"),
        ("baselines", "Approved plan", "Take a baseline"),
        ("baseline_compare", "Alpha", None),
    ],
)
def test_plan_page_renders_for_a_viewer(
    client_for, viewer, project, plan, name, shows, edit_control
):
    """Every reading page renders for a viewer, without its edit controls."""
    response = client_for(viewer).get(_url(name, project, plan))
    assert response.status_code == 200
    html = response.content.decode()
    assert shows in html
    if edit_control:
        assert edit_control not in html


@pytest.mark.parametrize("name", ["task_new", "task_edit", "task_delete"])
def test_plan_form_page_renders_for_a_member(client_for, member, project, plan, name):
    """The add, edit and delete pages render for a member."""
    assert client_for(member).get(_url(name, project, plan)).status_code == 200


def test_plan_writes_refused_in_a_closed_project(client_for, manager, project, plan):
    """A closed project is read-only, even for its manager."""
    project.stage = "closed"
    project.save()
    client = client_for(manager)
    response = client.post(_url("task_new", project, plan), {"name": "Late", "duration": 1})
    assert response.status_code == 403
    assert client.get(_url("tasks", project, plan)).status_code == 200


# --- task table -----------------------------------------------------------------------------------


def test_task_list_shows_computed_columns_and_sorts(client_for, member, project, plan):
    """The task table shows codes, dates, floats and critical flags; ?sort=-duration sorts."""
    client = client_for(member)
    url = _url("tasks", project, plan)
    response = client.get(url)
    html = response.content.decode()
    assert [t["name"] for t in response.context["tasks"]] == ["Alpha", "Beta", "Gamma"]
    assert [t["code"] for t in response.context["tasks"]] == ["1.1", "1.2", "2"]
    assert "Mon 5 Jan 26" in html and "Fri 9 Jan 26" in html  # Alpha's start, Beta's finish
    assert "Critical" in html
    assert [t["name"] for t in client.get(url, {"sort": "-duration"}).context["tasks"]] == [
        "Gamma",
        "Alpha",
        "Beta",
    ]
    partial = client.get(url, {"sort": "-duration"}, **HTMX).content.decode()
    assert partial.lstrip().startswith('<section id="task-table"')
    assert partial.index(">Gamma<") < partial.index(">Alpha<") < partial.index(">Beta<")


def test_task_new_adds_a_task_with_its_dates(client_for, member, project, plan):
    """The add form creates the task through the service and says when it runs."""
    response = client_for(member).post(
        _url("task_new", project, plan),
        {"name": "Delta", "duration": 2, "work_package": plan["build"].pk},
        follow=True,
    )
    task = Task.objects.get(name="Delta")
    assert (task.start_date, task.finish_date) == (D(2026, 1, 5), D(2026, 1, 6))
    assert "Added “Delta”: 5 Jan 2026 – 6 Jan 2026." in response.content.decode()


def test_task_new_shows_errors_next_to_fields(client_for, member, project, plan):
    """A missing name and a negative duration are reported beside their inputs."""
    response = client_for(member).post(
        _url("task_new", project, plan), {"name": "", "duration": -1}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_error"' in html and 'id="id_duration_error"' in html
    assert not Task.objects.filter(duration=-1).exists()


def test_task_row_get_returns_the_inline_form(client_for, member, project, plan):
    """Edit on a row (htmx) swaps in a form row with the task's version and values."""
    response = client_for(member).get(_url("task_row", project, plan), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="task-{plan["A"].pk}" class="editing">')
    assert f'form="row-form-{plan["A"].pk}"' in html
    assert 'name="version" value="1"' in html.replace(f'form="row-form-{plan["A"].pk}" ', "")


def test_task_row_cancel_returns_the_plain_row(client_for, member, project, plan):
    """Cancel puts the plain row back."""
    response = client_for(member).get(_url("task_row", project, plan) + "?cancel=1", **HTMX)
    assert response.content.decode().lstrip().startswith(f'<tr id="task-{plan["A"].pk}"')
    assert "Mon 5 Jan 26" in response.content.decode()


def test_task_row_save_returns_the_new_dates_of_every_moved_task(client_for, member, project, plan):
    """Saving a longer Alpha answers with the whole table: Alpha's new finish and Beta, its
    successor, moved two working days over the weekend."""
    a = plan["A"]
    response = client_for(member).post(
        _url("task_row", project, plan),
        {"name": "Alpha", "duration": 5, "percent_complete": 0, "version": a.version},
        HTTP_HX_CURRENT_URL="http://testserver" + _url("tasks", project, plan) + "?sort=name",
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="task-table"')
    alpha = html[html.index(f'id="task-{a.pk}"') :]
    alpha = alpha[: alpha.index("</tr>")]
    assert "Fri 9 Jan 26" in alpha and "Saved" in alpha  # Alpha's new finish
    beta = html[html.index(f'id="task-{plan["B"].pk}"') :]
    beta = beta[: beta.index("</tr>")]
    assert "Mon 12 Jan 26" in beta and "Tue 13 Jan 26" in beta  # Beta moved with it
    # The sort the person was looking at (by name) is kept.
    assert re.search(r'aria-sort="ascending"><a class="sort" href="\?sort=-name"', html)
    assert _reload(a).version == a.version + 1


def test_task_row_stale_version_shows_the_error_in_the_row(client_for, member, project, plan):
    """A save from a page read before someone else's change is refused in the row itself."""
    a = plan["A"]
    services.task_update(task=a, by=member, version=None, name="Alpha one")
    response = client_for(member).post(
        _url("task_row", project, plan),
        {"name": "Alpha two", "duration": 9, "percent_complete": 0, "version": a.version},
        **HTMX,
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == f"#task-{a.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Someone else changed this record" in html
    assert _reload(a).duration == 3


def test_task_row_without_htmx_falls_back_to_pages(client_for, member, project, plan):
    """Without JavaScript, the row's edit goes to the edit page and a save redirects."""
    client = client_for(member)
    url = _url("task_row", project, plan)
    assert client.get(url)["Location"] == _url("task_edit", project, plan)
    response = client.post(
        url, {"name": "Alpha", "duration": 4, "percent_complete": 0, "version": 1}
    )
    assert response.status_code == 302
    assert _reload(plan["A"]).finish_date == D(2026, 1, 8)


def test_task_edit_reports_three_point_order_next_to_the_field(client_for, member, project, plan):
    """Optimistic 5, most likely 3 is refused beside "most likely"; nothing is saved."""
    a = plan["A"]
    response = client_for(member).post(
        _url("task_edit", project, plan),
        {
            "name": "Alpha",
            "duration": 3,
            "percent_complete": 0,
            "fixed_cost": "0",
            "priority": 500,
            "optimistic_duration": 5,
            "most_likely_duration": 3,
            "pessimistic_duration": 8,
            "version": a.version,
        },
    )
    html = response.content.decode()
    assert 'id="id_most_likely_duration_error"' in html
    assert "optimistic ≤ most likely ≤ pessimistic" in html
    assert _reload(a).optimistic_duration is None


def test_task_edit_reports_actual_finish_before_start(client_for, member, project, plan):
    """An actual finish before the actual start is refused beside the actual finish."""
    response = client_for(member).post(
        _url("task_edit", project, plan),
        {
            "name": "Alpha",
            "duration": 3,
            "percent_complete": 0,
            "fixed_cost": "0",
            "priority": 500,
            "actual_start": "2026-01-07",
            "actual_finish": "2026-01-06",
            "version": 1,
        },
    )
    assert 'id="id_actual_finish_error"' in response.content.decode()


def test_task_edit_saves_and_redirects_to_the_task(client_for, member, project, plan):
    """A valid edit goes through the service and lands on the task page with its dates."""
    response = client_for(member).post(
        _url("task_edit", project, plan),
        {
            "name": "Alpha",
            "duration": 3,
            "percent_complete": 40,
            "fixed_cost": "0",
            "priority": 700,
            "constraint_date": "2026-01-07",
            "version": 1,
        },
        follow=True,
    )
    a = _reload(plan["A"])
    assert (a.start_date, a.percent_complete, a.status) == (D(2026, 1, 7), 40, "in_progress")
    assert a.priority == 700
    assert "Saved “Alpha”: 7 Jan 2026 – 9 Jan 2026." in response.content.decode()


def test_task_delete_removes_the_task_and_its_links(client_for, member, project, plan):
    """Confirming the delete removes the task and reschedules its successor."""
    client = client_for(member)
    assert "its 1 link" in client.get(_url("task_delete", project, plan)).content.decode()
    response = client.post(_url("task_delete", project, plan))
    assert response.status_code == 302
    assert not Task.objects.filter(pk=plan["A"].pk).exists()
    assert _reload(plan["B"]).start_date == D(2026, 1, 5)


# --- task page and dependencies -------------------------------------------------------------------


def test_task_detail_lists_predecessors_and_successors(client_for, viewer, project, plan):
    """Beta's page names Alpha as its predecessor with the link's type; Alpha's, Beta."""
    client = client_for(viewer)
    response = client.get(reverse("scheduling:task_detail", args=[project.pk, plan["B"].pk]))
    assert [d.predecessor.name for d in response.context["predecessors"]] == ["Alpha"]
    assert response.context["code"] == "1.2"
    response = client.get(_url("task_detail", project, plan))
    assert [d.successor.name for d in response.context["successors"]] == ["Beta"]
    assert "FS · Finish to start" in response.content.decode()


def test_dependency_add_links_tasks_and_moves_the_successor(client_for, member, project, plan):
    """Gamma after Beta (FS, lag 1) starts one working day after the day after Beta ends."""
    url = reverse("scheduling:dependency_add", args=[project.pk, plan["C"].pk])
    response = client_for(member).post(
        url, {"predecessor": plan["B"].pk, "type": "FS", "lag": 1}, follow=True
    )
    assert _reload(plan["C"]).start_date == D(2026, 1, 13)  # Beta ends Fri 9; Mon 12 is lag
    assert "“Beta” is now a predecessor (FS)" in response.content.decode()


def test_dependency_add_shows_the_cycle_naming_the_tasks(client_for, member, project, plan):
    """Alpha → Beta → Gamma, then Gamma as Alpha's predecessor: refused, naming the loop."""
    services.dependency_add(project=project, by=member, predecessor=plan["B"], successor=plan["C"])
    url = _url("dependency_add", project, plan)
    response = client_for(member).post(url, {"predecessor": plan["C"].pk, "type": "FS", "lag": 0})
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r"loop of dependencies: .*Alpha.*Beta.*Gamma", html)
    assert 'id="id_predecessor_error"' in html
    assert not Dependency.objects.filter(predecessor=plan["C"], successor=plan["A"]).exists()


def test_dependency_add_shows_a_two_task_cycle(client_for, member, project, plan):
    """Beta as Alpha's predecessor while Alpha precedes Beta is a loop of two."""
    response = client_for(member).post(
        _url("dependency_add", project, plan), {"predecessor": plan["B"].pk, "type": "SS", "lag": 0}
    )
    assert "This would make a loop of dependencies: “Beta” → “Alpha” → “Beta”." in (
        response.content.decode()
    )


def test_dependency_edit_changes_type_and_lag(client_for, member, project, plan):
    """Changing Alpha → Beta to SS +1 starts Beta one working day after Alpha starts."""
    link = plan["link"]
    response = client_for(member).post(
        _url("dependency_edit", project, plan),
        {"type": "SS", "lag": 1, "version": link.version, "task": plan["A"].pk},
    )
    assert response["Location"] == _url("task_detail", project, plan)
    assert _reload(plan["B"]).start_date == D(2026, 1, 6)


def test_dependency_edit_stale_version_is_shown_on_the_link(client_for, member, project, plan):
    """A change from a stale page is refused next to the link's row."""
    services.dependency_update(dependency=plan["link"], by=member, version=None, lag=2)
    response = client_for(member).post(
        _url("dependency_edit", project, plan), {"type": "FF", "lag": 0, "version": 1}
    )
    assert response.status_code == 400
    assert f'id="link-{plan["link"].pk}-error"' in response.content.decode()
    assert Dependency.objects.get(pk=plan["link"].pk).type == "FS"


def test_dependency_remove_unlinks_and_reschedules(client_for, member, project, plan):
    """Removing Alpha → Beta lets Beta start on the project start."""
    client_for(member).post(_url("dependency_remove", project, plan))
    assert not Dependency.objects.filter(pk=plan["link"].pk).exists()
    assert _reload(plan["B"]).start_date == D(2026, 1, 5)


# --- Gantt ----------------------------------------------------------------------------------------


def test_gantt_draws_bars_arrows_baseline_and_links_to_tasks(client_for, viewer, project, plan):
    """The SVG has a linked bar per task at its dates, the critical ones marked by class and
    pattern, the FS arrow, a summary row and the baseline's thin bars."""
    response = client_for(viewer).get(_url("gantt", project, plan))
    html = response.content.decode()
    a, b = plan["A"], plan["B"]
    detail = reverse("scheduling:task_detail", args=[project.pk, a.pk])
    assert f'<a href="{detail}" class="task critical"' in html
    assert f'data-task="{a.pk}" data-start="2026-01-05" data-finish="2026-01-07"' in html
    assert f'data-task="{b.pk}" data-start="2026-01-08" data-finish="2026-01-09"' in html
    assert "fill: url(#gantt-critical)" not in html  # the pattern comes from the stylesheet
    assert 'id="gantt-critical"' in html and 'class="bar critical"' in html
    assert html.count('class="link critical"') == 1  # Alpha → Beta, both critical
    assert html.count('class="baseline-bar"') == 3
    assert 'class="summary-bar"' in html and "Build" in html
    assert "The same plan as a table" in html  # the text alternative
    # Alpha's bar: 3 working days Mon–Wed at 18 px a day from Monday 5 Jan.
    assert re.search(rf'data-task="{a.pk}"[^>]* x="0" y="\d+" width="54"', html)


def test_gantt_month_zoom_and_no_baseline(client_for, viewer, project, plan):
    """?zoom=month draws 4 px a day with month labels; ?baseline=none hides the baseline."""
    response = client_for(viewer).get(
        _url("gantt", project, plan), {"zoom": "month", "baseline": "none"}
    )
    html = response.content.decode()
    assert response.context["zoom"] == "month"
    assert re.search(
        rf'data-task="{plan["A"].pk}"[^>]* x="16" y="\d+" width="12"', html
    )  # from 1 Jan
    assert 'class="tier2"' in html and ">Jan<" in html
    assert 'class="baseline-bar"' not in html


def test_gantt_collapse_hides_the_rows_under_a_work_package(client_for, viewer, project, plan):
    """A collapsed work package keeps its summary row; its tasks leave the table and chart."""
    build = plan["build"].pk
    client = client_for(viewer)
    response = client.get(_url("gantt", project, plan), {"collapsed": str(build)})
    names = [row.name for row, _ in response.context["rows"]]
    assert names == ["Build", "Gamma"]
    partial = client.get(_url("gantt", project, plan), {"collapsed": str(build)}, **HTMX)
    assert partial.content.decode().lstrip().startswith('<section id="gantt"')
    assert "Alpha" not in partial.content.decode()
    toggle = dict((row.name, url) for row, url in response.context["rows"])["Build"]
    assert "collapsed" not in toggle  # the toggle expands it again


def test_gantt_pages_rows_on_one_time_axis(client_for, viewer, project, plan, monkeypatch):
    """With 2 rows a page, page 2 holds the next rows; the axis is the whole plan's."""
    monkeypatch.setattr(schedule_views, "PAGE_SIZE", 2)
    client = client_for(viewer)
    first = client.get(_url("gantt", project, plan))
    second = client.get(_url("gantt", project, plan), {"page": 2})
    assert [r.name for r, _ in second.context["rows"]] == ["Beta", "Gamma"]
    assert first.context["chart_width"] == second.context["chart_width"]
    assert second.context["prev_url"] and not second.context["next_url"]


def test_gantt_can_show_a_chosen_baseline(client_for, manager, project, plan):
    """?baseline=<id> draws that baseline's bars, where the task stood then."""
    services.task_update(task=plan["A"], by=manager, version=None, duration=5)
    older = plan["baseline"]
    services.baseline_create(project=project, by=manager, name="Re-plan", is_performance=True)
    response = client_for(manager).get(_url("gantt", project, plan), {"baseline": older.pk})
    assert response.context["baseline"] == older
    assert "Approved plan: 5 Jan 2026 – 7 Jan 2026" in response.content.decode()


# --- calendar -------------------------------------------------------------------------------------


def test_calendar_weekdays_update_reschedules(client_for, manager, project, plan):
    """Working Monday to Wednesday only pushes Beta (after Alpha, Mon–Wed) to the next week."""
    calendar = services.calendar_for(project)
    response = client_for(manager).post(
        _url("calendar", project, plan),
        {"working_weekdays": [1, 2, 3], "version": calendar.version},
        follow=True,
    )
    assert "Working weekdays are now Monday to Wednesday" in response.content.decode()
    beta = _reload(plan["B"])
    assert (beta.start_date, beta.finish_date) == (D(2026, 1, 12), D(2026, 1, 13))


def test_calendar_weekdays_need_one_day(client_for, manager, project, plan):
    """No working weekday at all is refused next to the checkboxes."""
    response = client_for(manager).post(_url("calendar", project, plan), {"version": 1})
    assert response.status_code == 400
    assert "Choose at least one working weekday." in response.content.decode()


def test_holiday_add_and_remove_move_the_plan(client_for, manager, project, plan):
    """A holiday on Tuesday 6 Jan pushes Alpha's finish to Thursday; removing it restores."""
    client = client_for(manager)
    client.post(_url("holiday_add", project, plan), {"date": "2026-01-06", "name": "Epiphany"})
    assert _reload(plan["A"]).finish_date == D(2026, 1, 8)
    holiday = Holiday.objects.get(date=D(2026, 1, 6))
    client.post(reverse("scheduling:holiday_remove", args=[project.pk, holiday.pk]))
    assert _reload(plan["A"]).finish_date == D(2026, 1, 7)


def test_holiday_add_twice_is_an_error_by_the_date(client_for, manager, project, plan):
    """The same day twice is refused beside the date field."""
    response = client_for(manager).post(_url("holiday_add", project, plan), {"date": "2026-12-25"})
    assert response.status_code == 400
    assert "25 Dec 2026 is already a holiday." in response.content.decode()


def test_holidays_import_adds_a_countrys_holidays_and_says_how_many(
    client_for, manager, project, plan
):
    """Germany 2026 adds its public holidays but Christmas, already in the calendar; a second
    import adds none and says so."""
    import holidays as holiday_data

    expected = len(holiday_data.country_holidays("DE", years=2026)) - 1
    client = client_for(manager)
    url = _url("holidays_import", project, plan)
    response = client.post(url, {"country": "DE", "year": 2026, "subdivision": ""}, follow=True)
    assert f"Added {expected} public holidays of Germany (DE) for 2026." in (
        response.content.decode()
    )
    assert (
        Holiday.objects.filter(calendar__project=project, date__year=2026).count() == expected + 1
    )
    assert Holiday.objects.get(date=D(2026, 12, 25)).name == "Xmas"  # kept as it was
    response = client.post(url, {"country": "DE", "year": 2026, "subdivision": ""}, follow=True)
    assert "No holidays added" in response.content.decode()


def test_holidays_import_bad_region_is_shown_by_the_field(client_for, manager, project, plan):
    """A region the country does not have is refused beside the region field."""
    response = client_for(manager).post(
        _url("holidays_import", project, plan), {"country": "DE", "year": 2026, "subdivision": "XX"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_subdivision_error"' in html and "is not a region of DE" in html


def test_calendar_page_lists_holidays_by_year(client_for, viewer, project, plan):
    """The calendar shows the working weekdays in words and each holiday with its weekday."""
    html = client_for(viewer).get(_url("calendar", project, plan)).content.decode()
    assert "Monday to Friday, minus 1 holiday" in html
    assert "25 Dec 2026" in html and "Friday" in html and "Xmas" in html


# --- baselines ------------------------------------------------------------------------------------


def test_baselines_list_create_and_set_performance(client_for, manager, project, plan):
    """A manager takes a baseline, then makes the first one the performance baseline again."""
    client = client_for(manager)
    response = client.post(
        _url("baselines", project, plan),
        {"name": "Re-plan", "note": "After the change request", "is_performance": "on"},
        follow=True,
    )
    assert "Baseline “Re-plan” taken, and it is now the performance baseline." in (
        response.content.decode()
    )
    assert Baseline.objects.get(name="Re-plan").is_performance
    client.post(_url("baseline_performance", project, plan))
    assert Baseline.objects.get(pk=plan["baseline"].pk).is_performance
    html = client.get(_url("baselines", project, plan)).content.decode()
    assert "Performance baseline" in html and "Maria Manager" in html


def test_baselines_duplicate_name_is_shown_by_the_field(client_for, manager, project, plan):
    """A second "Approved plan" is refused beside the name."""
    response = client_for(manager).post(_url("baselines", project, plan), {"name": "Approved plan"})
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()


def test_baseline_compare_shows_variance_and_the_slip_in_words(client_for, viewer, project, plan):
    """Alpha 2 days longer: Beta +2/+2 working days, and the project finishes 2 working days
    later than the Approved plan."""
    services.task_update(task=plan["A"], by=plan["baseline"].created_by, version=None, duration=5)
    response = client_for(viewer).get(_url("baseline_compare", project, plan))
    rows = {r["name"]: r for r in response.context["page"].object_list}
    assert (rows["Beta"]["start_variance"], rows["Beta"]["finish_variance"]) == (2, 2)
    assert (rows["Gamma"]["start_variance"], rows["Gamma"]["finish_variance"]) == (0, 0)
    html = response.content.decode()
    assert (
        "The project finishes 2 working days later than in “Approved plan”: "
        "13 Jan 2026 instead of 9 Jan 2026." in html
    )
    assert "+2 d" in html
    changed = client_for(viewer).get(_url("baseline_compare", project, plan), {"changed": "1"})
    assert [r["name"] for r in changed.context["page"].object_list] == ["Alpha", "Beta"]


def test_baseline_compare_without_baselines_says_what_to_do(client_for, viewer, project):
    """No baseline yet: the page points to the baselines page instead of a table."""
    response = client_for(viewer).get(reverse("scheduling:baseline_compare", args=[project.pk]))
    assert "No baseline to compare with" in response.content.decode()


# --- query counts ---------------------------------------------------------------------------------


def _bulk_plan(project, manager, size: int) -> None:
    """``size`` tasks in chains of 10 under work packages of 10 tasks, then one recompute."""
    packages = [
        project_services.work_package_add(project=project, by=manager, name=f"WP {n}")
        for n in range(max(1, size // 10))
    ]
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            name=f"Task {n}",
            duration=n % 5,
            work_package=packages[n // 10 % len(packages)],
            position=n,
        )
        for n in range(size)
    )
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor=p, successor=s)
        for p, s in zip(tasks, tasks[1:], strict=False)
        if s.position % 10
    )
    services.schedule_recompute(project)
    services.baseline_create(project=project, by=manager, name="Plan", is_performance=True)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["gantt", "tasks"])
def test_plan_page_query_count_does_not_grow_with_tasks(
    client_for, manager, project, django_assert_max_num_queries, name
):
    """The Gantt and the task table take as many queries for 300 tasks as for 5."""
    client = client_for(manager)
    url = reverse(f"scheduling:{name}", args=[project.pk])
    _bulk_plan(project, manager, 5)
    small = _queries(client, url)
    assert small <= 16
    Task.objects.filter(project=project).delete()
    WorkPackage.objects.filter(project=project).delete()
    Baseline.objects.filter(project=project).delete()
    _bulk_plan(project, manager, 300)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 200  # one page of rows


# --- task numbers and predecessor text ------------------------------------------------------------


def test_task_list_shows_each_tasks_number_and_predecessors(client_for, viewer, project, plan):
    """The table has a # column (1, 2, 3) and a Predecessors column: Beta waits for 1."""
    response = client_for(viewer).get(_url("tasks", project, plan))
    rows = {t["name"]: t for t in response.context["tasks"]}
    assert [rows[n]["ref"] for n in ("Alpha", "Beta", "Gamma")] == [1, 2, 3]
    assert (rows["Beta"]["predecessors"], rows["Alpha"]["predecessors"]) == ("1", "")
    html = response.content.decode()
    assert ">Predecessors</th>" in html
    beta_row = rf'<tr id="task-{plan["B"].pk}".*?<td class="nowrap mono preds">1</td>'
    assert re.search(beta_row, html, re.S)


def test_task_new_with_predecessor_text_links_the_task(client_for, member, project, plan):
    """'2FS+1d, 3SS' on the add form links Delta to Beta and Gamma, with its dates."""
    page = client_for(member).get(_url("tasks", project, plan)).content.decode()
    assert 'data-ref-picker="id_predecessors"' in page and 'value="2 · Beta"' in page
    client_for(member).post(
        _url("task_new", project, plan),
        {"name": "Delta", "duration": 1, "predecessors": "2FS+1d, 3SS"},
    )
    delta = Task.objects.get(name="Delta")
    assert Task.objects.get(pk=delta.pk).predecessors_text == "2FS+1d, 3SS"
    assert delta.start_date == D(2026, 1, 13)  # Beta ends Fri 9 Jan; +1 working day: Tue 13


def test_task_new_with_an_unknown_number_adds_nothing_and_says_which(
    client_for, member, project, plan
):
    """An unknown task number is named beside the field, and no task is added."""
    response = client_for(member).post(
        _url("task_new", project, plan), {"name": "Delta", "duration": 1, "predecessors": "2, 9"}
    )
    html = response.content.decode()
    assert 'id="id_predecessors_error"' in html
    assert f"{project.key} has no task numbered 9." in html
    assert not Task.objects.filter(name="Delta").exists()


def test_task_edit_predecessor_text_replaces_the_links(client_for, member, project, plan):
    """The edit form shows '1' for Beta; '3FF' replaces the link with Gamma (finish to finish)."""
    client = client_for(member)
    beta_url = reverse("scheduling:task_edit", args=[project.pk, plan["B"].pk])
    assert 'name="predecessors" value="1"' in client.get(beta_url).content.decode()
    body = {"name": "Beta", "duration": 2, "percent_complete": 0, "fixed_cost": "0"}
    body |= {"priority": 500, "version": 1, "initial-predecessors": "1", "predecessors": "3FF"}
    assert client.post(beta_url, body).status_code == 302
    assert _reload(plan["B"]).predecessors_text == "3FF"
    assert _reload(plan["B"]).finish_date == D(2026, 1, 8)  # with Gamma's finish


def test_task_edit_predecessors_loop_and_stale_text_are_refused(client_for, member, project, plan):
    """Alpha after Beta closes a loop (named); text started from old links is refused as stale."""
    client = client_for(member)
    alpha_url = reverse("scheduling:task_edit", args=[project.pk, plan["A"].pk])
    body = {"name": "Alpha", "duration": 3, "percent_complete": 0, "fixed_cost": "0"}
    body |= {"priority": 500, "version": 1, "initial-predecessors": "", "predecessors": "2"}
    html = client.post(alpha_url, body).content.decode()
    assert "loop of dependencies" in html and "id_predecessors_error" in html
    stale = {**body, "initial-predecessors": "3", "predecessors": "3SS"}
    html = client.post(alpha_url, stale).content.decode()
    assert "Someone changed the predecessors of “Alpha” since you opened it" in html
    assert _reload(plan["A"]).predecessors_text == ""


def test_task_row_saves_predecessor_text_in_place(client_for, member, project, plan):
    """The in-place row edit has a predecessors input; saving '1SS+1d' relinks Beta."""
    client = client_for(member)
    url = reverse("scheduling:task_row", args=[project.pk, plan["B"].pk])
    form = client.get(url, **HTMX).content.decode()
    for name in ("predecessors", "initial-predecessors"):
        assert re.search(rf'name="{name}" value="1" [^>]*form="row-form-{plan["B"].pk}"', form)
    body = {"name": "Beta", "duration": 2, "percent_complete": 0, "version": 1}
    body |= {"initial-predecessors": "1", "predecessors": "1SS+1d"}
    html = client.post(url, body, **HTMX).content.decode()
    assert "1SS+1d" in html
    assert _reload(plan["B"]).start_date == D(2026, 1, 6)


def test_task_detail_names_each_task_by_its_number(client_for, viewer, project, plan):
    """Beta's page shows #2 in its title and its predecessor Alpha as #1."""
    url = reverse("scheduling:task_detail", args=[project.pk, plan["B"].pk])
    html = client_for(viewer).get(url).content.decode()
    assert '<span class="key">#2</span>' in html
    assert re.search(r'<span class="g-code">#1</span>\s*<a [^>]*>Alpha</a>', html)


# --- Gantt: where it opens, the baseline selector, fit --------------------------------------------


def test_gantt_opens_at_the_first_unfinished_task_not_today(client_for, member, project, plan):
    """Alpha and Gamma done: the chart opens at Beta (8 Jan, 54 px in), while today (26 Nov,
    the suite's clock) lies outside the plan and says so; each row shows the task's number."""
    for task in (plan["A"], plan["C"]):
        services.task_update(task=task, by=member, version=None, percent_complete=100)
    response = client_for(member).get(_url("gantt", project, plan))
    assert response.context["opening"] == D(2026, 1, 8)
    html = response.content.decode()
    assert 'data-open-x="54"' in html and "data-today-x" not in html
    assert "Today (26 Nov 2026) is outside the plan" in html
    assert '<td class="g-ref num">2</td>' in html and "<title>#2 1.2 Beta: 8 Jan 2026" in html


def test_gantt_opens_at_the_plan_start_when_nothing_is_done(client_for, viewer, project, plan):
    """Nothing done: the chart opens at the first bar, the project's start (x = 0)."""
    response = client_for(viewer).get(_url("gantt", project, plan))
    assert response.context["opening"] == D(2026, 1, 5)
    assert 'data-open-x="0"' in response.content.decode()


def test_gantt_baseline_selector_says_no_baseline_when_there_is_none(client_for, viewer, project):
    """Without baselines the selector offers "No baseline", not a performance baseline."""
    services.task_create(project=project, by=project.memberships.first().user, name="Solo")
    html = client_for(viewer).get(reverse("scheduling:gantt", args=[project.pk])).content.decode()
    assert ">No baseline</option>" in html
    assert "Performance baseline" not in html


def test_gantt_baseline_selector_names_the_performance_baseline(client_for, viewer, project, plan):
    """With one, the default option names it; "No baseline" hides the baseline bars."""
    html = client_for(viewer).get(_url("gantt", project, plan)).content.decode()
    assert ">Performance baseline: Approved plan</option>" in html
    assert '<option value="none">No baseline</option>' in html


def test_gantt_fit_draws_the_whole_plan_in_the_width_asked(client_for, viewer, project, plan):
    """?zoom=fit&width=300 scales the axis into 300 px; the Fit control is marked current."""
    response = client_for(viewer).get(_url("gantt", project, plan), {"zoom": "fit", "width": 300})
    assert response.context["zoom"] == "fit"
    assert 0 < response.context["chart_width"] <= 300
    assert re.search(r'data-gantt-fit[^>]*aria-current="true"', response.content.decode())
