"""The Gantt page reads one window of rows: the same rows, bars and arrows as the whole plan
there, the next window appended with htmx (or a plain link), and a fixed number of queries
whatever the size of the plan."""

import datetime
import re

import pytest
from django.urls import reverse

from projects import services as project_services
from scheduling import gantt, selectors, services
from scheduling.models import Dependency, Task
from scheduling.views import schedule as schedule_views

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
APPEND = {**HTMX, "HTTP_HX_TARGET": "gantt-bodies"}


def _plan(project, manager, size: int) -> None:
    """``size`` tasks spread over a two-level WBS, the parents holding tasks of their own
    after their children's, a few outside the WBS; chains of links inside each package and
    one from every package's first task to the next package's, so arrows cross windows."""
    project.start_date = datetime.date(2026, 1, 5)
    project.save()
    packages = []
    for top in range(2):
        parent = project_services.work_package_add(project=project, by=manager, name=f"Top {top}")
        packages.append(parent)
        for child in range(2):
            packages.append(
                project_services.work_package_add(
                    project=project, by=manager, name=f"Leaf {top}.{child}", parent=parent
                )
            )
    homes = [*packages, None]
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            name=f"Task {n}",
            duration=n % 4,
            work_package=homes[n % len(homes)],
            position=n,
        )
        for n in range(size)
    )
    pairs = [*zip(tasks, tasks[len(homes) :], strict=False)]  # a chain in each package
    pairs += [(tasks[n], tasks[n + 1]) for n in range(0, size - 1, 5)]  # and across them
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor=p, successor=s) for p, s in pairs
    )
    services.schedule_recompute(project)
    services.baseline_create(project=project, by=manager, name="Plan", is_performance=True)


def _whole_plan_rows(project, collapsed=()) -> list[gantt.PlanRow]:
    """The Gantt's rows as the page built them from every task before it read windows."""
    tasks = selectors.schedule_rows(project)
    packages = list(
        project.work_packages.order_by("sort_key").values("id", "parent_id", "code", "name")
    )
    rollup = selectors.wbs_rollup(project, tasks)
    calendar = services.work_calendar(project)
    return gantt.plan_rows(tasks, packages, rollup, calendar, collapsed=collapsed)


def _shown(row: gantt.PlanRow) -> tuple:
    return (row.kind, row.id, row.code, row.depth, row.start, row.finish, row.percent)


def _arrows(html: str) -> set[str]:
    return set(re.findall(r'<path class="link[^"]*" d="[^"]+"', html))


def test_gantt_first_window_holds_one_page_of_rows(client_for, manager, project, monkeypatch):
    """With 10 rows a page, the first response shows rows 1-10 of the plan's 41 (35 tasks, 6
    work packages) and links to the next ten; every page's rows are the whole plan's rows
    there."""
    monkeypatch.setattr(schedule_views, "PAGE_SIZE", 10)
    _plan(project, manager, 35)
    whole = _whole_plan_rows(project)
    client = client_for(manager)
    url = reverse("scheduling:gantt", args=[project.pk])
    first = client.get(url)
    assert len(first.context["rows"]) == 10
    assert first.context["page"].paginator.count == len(whole) == 35 + 6
    for number in range(1, 6):
        response = client.get(url, {"page": number})
        rows = [row for row, _ in response.context["rows"]]
        assert [_shown(r) for r in rows] == [
            _shown(r) for r in whole[(number - 1) * 10 : number * 10]
        ]
    html = first.content.decode()
    assert 'id="gantt-more"' in html and 'href="?page=2"' in html  # works without JavaScript


def test_gantt_window_draws_the_arrows_the_whole_plan_draws_there(
    client_for, manager, project, monkeypatch
):
    """Page 2's chart has the same dependency arrows, to tasks above and below it included,
    as the whole plan's chart cut at the same rows."""
    monkeypatch.setattr(schedule_views, "PAGE_SIZE", 10)
    _plan(project, manager, 35)
    response = client_for(manager).get(reverse("scheduling:gantt", args=[project.pk]), {"page": 2})
    whole = _whole_plan_rows(project)
    axis = gantt.axis_for(
        [r.start for r in whole] + [r.finish for r in whole], "week", default=project.start_date
    )
    expected = gantt.chart_svg(
        whole,
        first=10,
        last=20,
        axis=axis,
        links=[
            gantt.Link(d["predecessor_id"], d["successor_id"], d["type"], d["lag"])
            for d in selectors.dependency_rows(project)
        ],
        today=project.today(),
        calendar=services.work_calendar(project),
        url=str,
        baseline_name="Plan",  # bars sit higher over the baseline's
    )
    drawn = _arrows(response.context["chart_svg"])
    assert drawn and drawn == _arrows(expected)
    assert re.search(r'd="M[\d.]+,-2H', response.context["chart_svg"])  # one comes from above


def test_gantt_next_window_is_appended_with_htmx(client_for, viewer, manager, project, monkeypatch):
    """An htmx request aimed at #gantt-bodies answers page 2's chart (without the shared
    <defs>), its rows for the table and the new end of the rows shown out of band, and the row
    asking for page 3; the last page asks for nothing more."""
    monkeypatch.setattr(schedule_views, "PAGE_SIZE", 10)
    _plan(project, manager, 35)
    client = client_for(viewer)
    url = reverse("scheduling:gantt", args=[project.pk])
    more = re.search(
        r'hx-get="([^"]+)"[^>]*hx-target="#gantt-bodies"', client.get(url).content.decode()
    )
    assert more and "page=2" in more[1] and "width=" in more[1]
    html = client.get(url + more[1].replace("&amp;", "&"), **APPEND).content.decode()
    assert html.lstrip().startswith('<svg class="gantt-body"') and "<defs>" not in html
    assert '<tbody hx-swap-oob="beforeend:#gantt-rows">' in html
    assert html.count("<tr") == 11  # ten rows and the one asking for the next ten
    assert 'id="gantt-more" hx-swap-oob="true"' in html and "page=3" in html
    # The summary line's "rows 1–10 of 41" now ends at the appended window's last row.
    assert '<span id="gantt-shown-end" hx-swap-oob="true">20</span>' in html
    assert "<!doctype" not in html.lower() and 'id="gantt"' not in html
    last = client.get(url, {"page": 5}, **APPEND).content.decode()
    assert 'id="gantt-more" hx-swap-oob="true"' in last and "page=6" not in last
    assert last.count("<tr") == 1  # the 41st row only


def test_gantt_branch_toggle_keeps_the_window_it_is_in(
    client_for, viewer, manager, project, monkeypatch
):
    """Collapsing a work package shown on page 2 answers page 2 again, without its rows."""
    monkeypatch.setattr(schedule_views, "PAGE_SIZE", 10)
    _plan(project, manager, 35)
    client = client_for(viewer)
    url = reverse("scheduling:gantt", args=[project.pk])
    page = client.get(url, {"page": 2})
    summary, toggle = next((r, t) for r, t in page.context["rows"] if r.is_summary)
    assert "page=2" in toggle and f"collapsed={summary.id}" in toggle
    folded = client.get(url + toggle)
    rows = [r for r, _ in folded.context["rows"]]
    assert [_shown(r) for r in rows] == [
        _shown(r) for r in _whole_plan_rows(project, {summary.id})[10:20]
    ]
    partial = client.get(url + toggle, **HTMX).content.decode()
    assert partial.lstrip().startswith('<section id="gantt"')


def test_gantt_reads_a_window_not_the_plan(
    client_for, manager, project, django_assert_max_num_queries, monkeypatch
):
    """The page's queries do not grow with the plan (6 tasks or 600), it reads at most a page
    of tasks, and never every task's row."""
    client = client_for(manager)
    url = reverse("scheduling:gantt", args=[project.pk])
    _plan(project, manager, 6)
    with django_assert_max_num_queries(50) as small:
        assert client.get(url).status_code == 200
    Task.objects.filter(project=project).delete()
    project.work_packages.all().delete()
    project.baselines.all().delete()
    _plan(project, manager, 600)
    read = []
    window_rows = selectors.gantt_window_rows

    def counted(*args):
        rows = window_rows(*args)
        read.append(len(rows))
        return rows

    def refused(*args, **kwargs):
        raise AssertionError("the Gantt read every task's schedule row")

    monkeypatch.setattr(selectors, "gantt_window_rows", counted)
    monkeypatch.setattr(selectors, "schedule_rows", refused)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == schedule_views.PAGE_SIZE
    assert read and max(read) <= schedule_views.PAGE_SIZE
