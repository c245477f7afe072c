"""The portfolio dashboard (the landing page) and a project's KPI panel."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import clock
from projects.models import Membership, Project, Role
from reports.charts import sparkline
from reports.models import HealthThresholds, KpiSnapshot
from reports.selectors.kpi import DASHBOARD_PAGE_SIZE
from reports.services import closure as closure_services
from risks import services as risk_services
from scheduling import services as schedule_services
from stakeholders import services as stakeholder_services
from tests.factories import ProjectFactory, UserFactory, project_with
from tests.reports.closure_support import sign_off, sponsor_of

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
D = datetime.date


def _snapshot(project: Project, as_of: datetime.date, **fields) -> KpiSnapshot:
    """An unsaved snapshot: all green unless told otherwise."""
    values = {
        "percent_complete": Decimal("40.0"),
        "spi": Decimal("1.0000"),
        "cpi": Decimal("1.0000"),
        "health": "green",
        "health_schedule": "green",
        "health_cost": "green",
        "health_scope": "green",
        "health_risk": "green",
        "health_reasons": {"overall": "All on track.", "cost": "CPI 1.00: on budget."},
    }
    values.update(fields)
    return KpiSnapshot(project=project, as_of=as_of, **values)


def _queries(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- dashboard -----------------------------------------------------------------------------------


def test_dashboard_is_the_landing_page_and_shows_only_my_projects(
    client_for, manager, project, outsider
):
    """/ is the dashboard; it lists my projects and nothing of anyone else's."""
    mine = _snapshot(project, clock.today())
    mine.save()
    theirs = outsider.memberships.get().project
    KpiSnapshot.objects.bulk_create([_snapshot(theirs, clock.today(), health="red")])
    assert reverse("reports:dashboard") == "/"
    response = client_for(manager).get("/")
    html = response.content.decode()
    assert [row.project.pk for row in response.context["rows"]] == [project.pk]
    assert project.key in html and theirs.key not in html
    # The outsider sees only theirs, never mine.
    other = client_for(outsider).get("/")
    assert [row.project.pk for row in other.context["rows"]] == [theirs.pk]
    assert project.key not in other.content.decode()


def test_dashboard_shows_health_as_badges_with_words(client_for, manager, project):
    """Overall and per-dimension health are coloured badges that carry their word."""
    _snapshot(
        project,
        clock.today(),
        health="red",
        health_cost="red",
        health_schedule="amber",
        health_reasons={"overall": "CPI 0.70: over budget.", "cost": "CPI 0.70: over budget."},
    ).save()
    html = client_for(manager).get("/").content.decode()
    assert '<span class="status rag rag-red" title="CPI 0.70: over budget.">Red</span>' in html
    assert 'rag-amber"' in html and '<span class="visually-hidden">Schedule: </span>Amber' in html
    assert '<span class="visually-hidden">Cost: </span>Red' in html
    assert '<span class="visually-hidden">Scope: </span>Green' in html


def test_dashboard_colours_spi_and_cpi_by_the_projects_own_thresholds(client_for, manager, project):
    """SPI 0.90 is red on the dashboard where the project's amber band starts at 0.92, and not
    where the defaults (amber from 0.85) apply: the health rule's bands, not a fixed number."""
    _snapshot(project, clock.today(), spi=Decimal("0.9000"), cpi=Decimal("0.9000")).save()
    html = client_for(manager).get("/").content.decode()
    assert 'class="num spi"' in html and 'class="num cpi"' in html
    HealthThresholds.objects.create(
        project=project,
        spi_green=Decimal("0.98"),
        spi_amber=Decimal("0.92"),
        cpi_green=Decimal("0.95"),
        cpi_amber=Decimal("0.85"),
    )
    html = client_for(manager).get("/").content.decode()
    assert 'class="num spi bad-text"' in html
    assert 'class="num cpi"' in html


def test_dashboard_project_without_snapshot_says_not_computed_yet(client_for, manager, project):
    """A project whose KPIs were never computed is listed, marked 'Not computed yet'."""
    response = client_for(manager).get("/")
    assert response.context["rows"][0].snapshot is None
    assert "Not computed yet" in response.content.decode()
    assert not KpiSnapshot.objects.exists()  # the dashboard never computes


def test_dashboard_filters_by_health_type_and_search(client_for, manager):
    """Health (including 'not computed yet'), type and search narrow the table."""
    today = clock.today()
    red = project_with(manager=manager)
    green = project_with(manager=manager)
    blank = project_with(manager=manager)
    Project.objects.filter(pk=green.pk).update(type=Project.Type.CYBERSECURITY)
    KpiSnapshot.objects.bulk_create(
        [
            _snapshot(red, today - datetime.timedelta(days=1), health="green"),
            _snapshot(red, today, health="red"),  # the latest counts
            _snapshot(green, today),
        ]
    )
    client = client_for(manager)
    for params, expected in [
        ({"health": "red"}, [red]),
        ({"health": "green"}, [green]),
        ({"health": "none"}, [blank]),
        ({"type": "cybersecurity"}, [green]),
        ({"q": blank.key}, [blank]),
        ({"health": "bogus"}, [red, green, blank]),  # ignored, and said so
    ]:
        response = client.get("/", params)
        keys = [row.project.key for row in response.context["rows"]]
        assert keys == sorted(p.key for p in expected), params
    assert "Ignored" in client.get("/", {"health": "bogus"}).content.decode()


def test_dashboard_sorts_by_kpis_worst_health_first(client_for, manager):
    """Sorting by health puts red first; by SPI ascending puts the lowest first, unknown last."""
    today = clock.today()
    a, b, c = (project_with(manager=manager) for _ in range(3))
    KpiSnapshot.objects.bulk_create(
        [
            _snapshot(a, today, health="green", spi=Decimal("1.1")),
            _snapshot(b, today, health="red", spi=Decimal("0.7")),
            _snapshot(c, today, health="amber", spi=None),
        ]
    )
    client = client_for(manager)

    def order(sort: str) -> list[int]:
        return [row.project.pk for row in client.get("/", {"sort": sort}).context["rows"]]

    assert order("health") == [b.pk, c.pk, a.pk]
    assert order("spi") == [b.pk, a.pk, c.pk]
    assert order("-spi") == [a.pk, b.pk, c.pk]


def test_dashboard_draws_sparklines_from_the_snapshot_history(client_for, manager, project):
    """Each row's SPI, CPI and % complete sparklines come from the last eight weeks of snapshots,
    with the values in words beside the picture."""
    today = clock.today()
    KpiSnapshot.objects.bulk_create(
        [
            _snapshot(project, today - datetime.timedelta(days=90), spi=Decimal("0.5")),  # too old
            _snapshot(project, today - datetime.timedelta(days=14), spi=Decimal("0.80")),
            _snapshot(project, today - datetime.timedelta(days=7), spi=Decimal("0.90")),
            _snapshot(project, today, spi=Decimal("1.00")),
        ]
    )
    response = client_for(manager).get("/")
    row = response.context["rows"][0]
    spi = row.sparks[0]
    assert spi.chart.count == 3 and len(spi.chart.points.split()) == 3
    assert spi.text == "SPI: 0.80 → 1.00 over 3 snapshots"
    html = response.content.decode()
    assert f'aria-label="{spi.text}"' in html and f'points="{spi.chart.points}"' in html


def test_dashboard_shows_next_milestone_and_top_risk(client_for, manager, project):
    """The next open milestone and the highest-scoring live risk are on the project's row."""
    schedule_services.task_create(project=project, by=manager, name="Go-live", duration=0)
    risk_services.risk_create(
        project=project, by=manager, title="Vendor goes bust", probability=5, impact=4
    )
    risk_services.risk_create(project=project, by=manager, title="Minor", probability=1, impact=1)
    html = client_for(manager).get("/").content.decode()
    assert "Go-live" in html and "Vendor goes bust" in html and "Score 20" in html
    assert "Minor" not in html


def test_dashboard_closed_project_shows_final_figures_without_milestone_or_risk(
    client_for, manager, viewer, project
):
    """A closed project's row shows its frozen figures, labelled final, and neither a next
    milestone nor a top risk."""
    schedule_services.task_create(project=project, by=manager, name="Go-live", duration=0)
    risk_services.risk_create(
        project=project, by=manager, title="Vendor goes bust", probability=5, impact=4
    )
    closure = closure_services.closure_start(project=project, by=manager)
    closure_services.closure_work_cancel(closure=closure, by=manager, reason="Go-live dropped.")
    sign_off(project, manager, sponsor_of(project, viewer))
    html = client_for(manager).get("/").content.decode()
    row = html[html.index(f'id="project-{project.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f"final figures of {project.today():%-d %b %Y}" in row
    assert "Go-live" not in row and "Vendor goes bust" not in row
    assert row.count("— (closed)") == 2


def test_dashboard_htmx_request_returns_only_the_table(client_for, manager, project):
    """A filter change through htmx gets just the table fragment."""
    html = client_for(manager).get("/", {"q": project.key}, **HTMX).content.decode()
    assert html.lstrip().startswith('<section id="project-table"')
    assert "<html" not in html


def test_dashboard_query_count_is_the_same_for_3_and_200_projects(client_for, manager):
    """The dashboard costs the same number of queries with 200 projects (each with eight weeks
    of snapshots, a milestone and a risk) as with 3."""
    client = client_for(manager)
    today = clock.today()

    def add(count: int) -> None:
        projects = ProjectFactory.create_batch(count)
        Membership.objects.bulk_create(
            [Membership(project=p, user=manager, role=Role.MANAGER) for p in projects]
        )
        KpiSnapshot.objects.bulk_create(
            [
                _snapshot(p, today - datetime.timedelta(days=days), spi=Decimal(f"0.{90 + days}"))
                for p in projects
                for days in range(0, 56, 7)
            ]
        )

    add(3)
    few = _queries(client, "/")
    few_htmx = _queries(client, "/?sort=-health&health=green", **HTMX)
    add(197)
    response = client.get("/")
    assert response.context["page"].paginator.count == 200
    assert len(response.context["rows"]) == DASHBOARD_PAGE_SIZE
    assert all(len(row.history) == 8 for row in response.context["rows"])
    assert _queries(client, "/") == few
    assert _queries(client, "/?sort=-health&health=green", **HTMX) == few_htmx
    assert _queries(client, "/?page=4") == few
    assert few <= 7  # session, user, count, page, latest snapshots, history (+ switcher)


def test_dashboard_sql_does_not_read_projects_the_user_cannot_see(client_for, manager):
    """The user's projects come from a join on their memberships (indexed by user), not a
    membership subquery evaluated for every project of the installation; the latest snapshot is
    one join, not a subquery per KPI column; and the answer is the same with 300 other projects.
    """
    client = client_for(manager)
    today = clock.today()
    mine = ProjectFactory.create_batch(2)
    Membership.objects.bulk_create(
        [Membership(project=p, user=manager, role=Role.MANAGER) for p in mine]
    )
    others = ProjectFactory.create_batch(300)
    KpiSnapshot.objects.bulk_create(
        [_snapshot(p, today - datetime.timedelta(days=d)) for p in mine + others for d in (0, 7)]
    )
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert [row.project.pk for row in response.context["rows"]] == sorted(
        (p.pk for p in mine), key=lambda pk: Project.objects.get(pk=pk).key
    )
    page_sql = next(q["sql"] for q in captured if "health_rank" in q["sql"] and "LIMIT" in q["sql"])
    assert page_sql.count('INNER JOIN "projects_membership"') == 1
    assert 'FROM "projects_membership"' not in page_sql  # no per-project subquery
    assert page_sql.count('FROM "reports_kpisnapshot"') == 1  # only the latest day's lookup


def test_dashboard_rows_cached_html_follows_every_change_it_shows(client_for, manager, project):
    """A row's HTML is reused while nothing it shows changed, and redrawn when the milestone,
    the top risk, the snapshot, the thresholds, the project or the day change."""
    client = client_for(manager)
    today = clock.today()
    _snapshot(project, today, spi=Decimal("0.95")).save()

    def row_html() -> str:
        html = client.get("/").content.decode()
        start = html.index(f'id="project-{project.pk}"')
        return html[start : html.index("</tr>", start)]

    first = row_html()
    assert row_html() == first  # served again, from the cache
    schedule_services.task_create(
        project=project, by=manager, name="Go-live", duration=0, constraint_date=today
    )
    assert "Go-live" in row_html()
    risk_services.risk_create(
        project=project, by=manager, title="Vendor slips", probability=4, impact=5
    )
    assert "Vendor slips" in row_html()
    KpiSnapshot.objects.filter(project=project).update(spi=Decimal("0.90"))
    assert ">0.90<" in row_html() and 'class="num spi"' in row_html()  # amber, not red
    HealthThresholds.objects.update_or_create(
        project=project, defaults={"spi_green": Decimal("0.97"), "spi_amber": Decimal("0.92")}
    )
    assert 'class="num spi bad-text"' in row_html()
    Project.objects.filter(pk=project.pk).update(name="Renamed programme")
    assert "Renamed programme" in row_html()


def test_dashboard_pages_through_a_large_portfolio_keeping_filters_and_sort(client_for, manager):
    """Sorting and filtering apply to every project, then the table shows a page of them with
    links to the others that keep the filters and the sort."""
    projects = ProjectFactory.create_batch(DASHBOARD_PAGE_SIZE + 5)
    Membership.objects.bulk_create(
        [Membership(project=p, user=manager, role=Role.MANAGER) for p in projects]
    )
    KpiSnapshot.objects.bulk_create(
        [
            _snapshot(p, clock.today(), health="red" if n < 3 else "green")
            for n, p in enumerate(projects)
        ]
    )
    client = client_for(manager)
    first = client.get("/", {"sort": "health"})
    assert [row.snapshot.health for row in first.context["rows"][:4]] == ["red"] * 3 + ["green"]
    html = first.content.decode()
    assert f"{DASHBOARD_PAGE_SIZE + 5} projects · 1–{DASHBOARD_PAGE_SIZE} shown" in html
    assert 'href="?sort=health&amp;page=2"' in html and "Page 1 of 2" in html
    second = client.get("/", {"sort": "health", "page": 2})
    assert len(second.context["rows"]) == 5
    assert {row.snapshot.health for row in second.context["rows"]} == {"green"}
    shown = {row.project.pk for row in first.context["rows"]} | {
        row.project.pk for row in second.context["rows"]
    }
    assert shown == {p.pk for p in projects}
    red = client.get("/", {"health": "red", "page": 2})  # past the end: the last page
    assert len(red.context["rows"]) == 3


def test_dashboard_empty_state_invites_a_newcomer(client_for):
    """Someone with no project is invited to create one."""
    html = client_for(UserFactory()).get("/").content.decode()
    assert "Create a project" in html


def test_dashboard_needs_login(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_portfolio_list_moved_and_the_top_bar_points_to_the_dashboard(client_for, manager):
    """The plain project list lives on at /projects/; the top bar's Portfolio is the dashboard."""
    client = client_for(manager)
    assert reverse("projects:portfolio") == "/projects/"
    assert client.get("/projects/").status_code == 200
    html = client.get("/").content.decode()
    assert '<a href="/" aria-current="page">Portfolio</a>' in html


# --- a project's KPI panel -----------------------------------------------------------------------


def test_overview_loads_the_kpi_panel_with_a_plain_link_fallback(client_for, viewer, project):
    """The overview asks for the KPI panel through htmx, and links to the same URL without it."""
    url = reverse("reports:project_kpis", args=[project.pk])
    html = client_for(viewer).get(reverse("projects:overview", args=[project.pk])).content.decode()
    assert f'hx-get="{url}"' in html and f'<a href="{url}">' in html


def test_kpi_panel_computes_the_first_snapshot_and_shows_health_with_reasons(
    client_for, viewer, project
):
    """Without a snapshot, the panel computes today's; it shows each rating's word and reason."""
    client = client_for(viewer)
    url = reverse("reports:project_kpis", args=[project.pk])
    fragment = client.get(url, **HTMX)
    html = fragment.content.decode()
    assert KpiSnapshot.objects.filter(project=project).count() == 1
    assert html.lstrip().startswith('<section id="kpi-panel"') and "<html" not in html
    snapshot = KpiSnapshot.objects.get(project=project)
    assert snapshot.health_reasons["cost"] in html
    assert '<span class="visually-hidden">Overall health: </span>Green' in html
    page = client.get(url).content.decode()  # the fallback: a whole page
    assert "<html" in page and 'id="kpi-panel"' in page
    assert KpiSnapshot.objects.filter(project=project).count() == 1


def test_kpi_panel_tiles_show_trend_against_a_week_before(client_for, viewer, project):
    """Tiles give the latest value, its change since the snapshot a week earlier, a sparkline."""
    today = clock.today()
    KpiSnapshot.objects.bulk_create(
        [
            _snapshot(project, today - datetime.timedelta(days=7), spi=Decimal("0.90")),
            _snapshot(project, today, spi=Decimal("0.80"), overdue_tasks=3),
        ]
    )
    # The whole page: an htmx partial renders no template of its own to record a context from.
    response = client_for(viewer).get(reverse("reports:project_kpis", args=[project.pk]))
    tiles = {tile.key: tile for tile in response.context["tiles"]}
    assert tiles["spi"].value == "0.80" and tiles["spi"].change == "−0.10 in a week"
    assert tiles["spi"].worse and tiles["overdue_tasks"].worse
    assert tiles["spi"].spark.chart.count == 2
    assert "SPI: 0.90 → 0.80 over 2 snapshots" in response.content.decode()


def test_kpi_panel_lists_milestones_overdue_work_risks_and_waiting_decisions(
    client_for, manager, viewer, project
):
    """Missed and upcoming milestones, overdue tasks, top risks, pending approvals and overdue
    actions are all on the panel."""
    today = clock.today()
    Project.objects.filter(pk=project.pk).update(
        start_date=today - datetime.timedelta(days=30),
        target_finish=today + datetime.timedelta(days=90),
    )
    project.refresh_from_db()
    schedule_services.task_create(project=project, by=manager, name="Kick-off", duration=0)
    schedule_services.task_create(project=project, by=manager, name="Build API", duration=3)
    risk_services.risk_create(
        project=project, by=manager, title="Vendor goes bust", probability=5, impact=5
    )
    stakeholder_services.approval_request(
        project=project, by=manager, subject=project, approver=viewer
    )
    stakeholder_services.action_item_create(
        project=project,
        by=manager,
        title="Send the minutes",
        owner=manager,
        due_date=today - datetime.timedelta(days=2),
    )
    html = (
        client_for(viewer)
        .get(reverse("reports:project_kpis", args=[project.pk]), **HTMX)
        .content.decode()
    )
    assert "Missed</span>" in html and "Kick-off" in html
    assert "Build API" in html  # finished before today, not done: overdue
    assert "Vendor goes bust" in html
    assert "Approval</span>" in html and "Send the minutes" in html


def test_kpi_panel_shows_every_kpi_of_the_snapshot(client_for, viewer, project):
    """Beyond the tiles, the panel lists the snapshot's other KPIs: earned value in money, the
    forecast against the baseline, milestones, risks by level, change requests, deliverables."""
    _snapshot(
        project,
        clock.today(),
        bac=Decimal("2000.00"),
        eac=Decimal("3200.00"),
        vac=Decimal("-1200.00"),
        cv=Decimal("-300.00"),
        forecast_finish=D(2026, 1, 21),
        baseline_finish=D(2026, 1, 19),
        milestones_missed=1,
        milestones_due_14d=2,
        open_risks_by_level={"critical": 1, "high": 0, "medium": 2, "low": 0},
        pending_change_requests=3,
        deliverables_accepted=1,
        deliverables_total=4,
    ).save()
    response = client_for(viewer).get(reverse("reports:project_kpis", args=[project.pk]))
    figures = {name: value for name, _, value in response.context["figures"]}
    assert figures["BAC"] == "€2,000.00" and figures["EAC"] == "€3,200.00"
    assert figures["VAC"] == "−€1,200.00" and figures["CV"] == "−€300.00"
    assert figures["Forecast finish"] == "21 Jan 2026 (baseline 19 Jan 2026)"
    assert (figures["Milestones missed"], figures["Milestones due"]) == ("1", "2")
    assert figures["Open risks"] == "1 critical · 0 high · 2 medium · 0 low"
    assert figures["Change requests"] == "3"
    assert figures["Deliverables accepted"] == "1 of 4"
    assert 'data-kpi-figure="EAC">€3,200.00</td>' in response.content.decode()


def test_dashboard_says_when_snapshots_are_computed(client_for, manager, project, settings):
    """The help text tells the truth: nightly and shortly after a change, debounced."""
    settings.KPI_REFRESH_DEBOUNCE = 45
    _snapshot(project, clock.today()).save()
    html = client_for(manager).get(reverse("reports:dashboard")).content.decode()
    assert "computed nightly and again shortly after a change" in html
    assert "at most one refresh per project every 45 seconds" in html


def test_kpi_panel_query_budget(client_for, viewer, project, django_assert_max_num_queries):
    """With a snapshot, the panel costs a fixed handful of queries."""
    _snapshot(project, clock.today()).save()
    client = client_for(viewer)
    url = reverse("reports:project_kpis", args=[project.pk])
    with django_assert_max_num_queries(14):
        client.get(url, **HTMX)


def test_kpi_panel_is_404_for_an_outsider(client_for, outsider, project):
    """A non-member cannot see a project's KPIs, nor trigger their computation."""
    response = client_for(outsider).get(reverse("reports:project_kpis", args=[project.pk]))
    assert response.status_code == 404
    assert not KpiSnapshot.objects.filter(project=project).exists()


# --- sparkline geometry (pure) -------------------------------------------------------------------


def test_sparkline_places_values_by_day_and_skips_unknowns():
    """Points sit by calendar day between start and end; None leaves a value out; a flat series
    is drawn across the middle."""
    start, end = D(2026, 1, 1), D(2026, 1, 11)
    chart = sparkline(
        [(D(2026, 1, 1), 0), (D(2026, 1, 6), None), (D(2026, 1, 11), 10)],
        start=start,
        end=end,
        width=106,
        height=26,
        pad=3,
    )
    assert chart.points == "3.0,23.0 103.0,3.0" and chart.direction == "up"
    flat = sparkline([(start, 1), (end, 1)], start=start, end=end, height=20)
    assert flat.points.endswith(",10.0") and flat.direction == "flat"
    assert sparkline([(start, None)], start=start, end=end).points == ""
