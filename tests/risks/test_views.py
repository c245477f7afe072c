"""The risk pages: register, risk, issue log, heat map and the Monte Carlo forecast."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.display import human_date
from risks import charts, selectors, services
from risks.models import ForecastRun, Issue, Risk, RiskAction, RiskScale
from scheduling import services as schedule_services
from scheduling.models import Task

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def data(project, manager, member, network, make_risk):
    """A threat on Build with an action, an issue, and a finished forecast."""
    risk = make_risk(
        "Vendor slips",
        probability=4,
        impact=4,
        owner=member,
        response_strategy="mitigate",
        residual_probability=2,
        residual_impact=2,
        schedule_impacts={network["Build"]: 5},
    )
    action = services.risk_action_create(risk=risk, by=manager, title="Call vendor")
    issue = services.issue_create(project=project, by=manager, title="Outage")
    run = services.forecast_run_now(project=project, by=manager, iterations=300, seed=3)
    return {"risk": risk, "action": action, "issue": issue, "run": run}


def _urls(project, data) -> list[tuple[str, str]]:
    p, r = project.pk, data["risk"].pk
    return [
        ("register", reverse("risks:register", args=[p])),
        ("risk_add", reverse("risks:risk_add", args=[p])),
        ("risk", reverse("risks:risk", args=[p, r])),
        ("risk_edit", reverse("risks:risk_edit", args=[p, r])),
        ("risk_delete", reverse("risks:risk_delete", args=[p, r])),
        ("risk_occurred", reverse("risks:risk_occurred", args=[p, r])),
        ("action_add", reverse("risks:action_add", args=[p, r])),
        ("action_done", reverse("risks:action_done", args=[p, r, data["action"].pk])),
        ("issues", reverse("risks:issues", args=[p])),
        ("issue_edit", reverse("risks:issue_edit", args=[p, data["issue"].pk])),
        ("heat_map", reverse("risks:heat_map", args=[p])),
        ("scale", reverse("risks:scale", args=[p])),
        ("forecast", reverse("risks:forecast", args=[p])),
        ("forecast_progress", reverse("risks:forecast_progress", args=[p, data["run"].pk])),
    ]


WRITE_ONLY = {"risk_delete", "risk_occurred", "action_add", "action_done"}
FORM_PAGES = {"risk_add", "risk_edit", "issue_edit"}
# Pages that only read: a POST is a method they do not take (405, before any role check).
READ_ONLY = {"register", "risk", "heat_map", "forecast_progress"}
POST_DATA = {
    "title": "Hijack",
    "kind": "threat",
    "category": "technical",
    "probability": "5",
    "impact": "5",
    "status": "open",
    "cost_impact": "0",
    "priority": "high",
    "new-title": "Hijack",
    "new-priority": "high",
    "action-title": "Hijack",
    "iterations": "100",
    "distribution": "triangular",
}


def _snapshot(project) -> tuple:
    return (
        list(Risk.objects.filter(project=project).values_list("title", "status", "version")),
        list(Issue.objects.filter(project=project).values_list("title", "status")),
        list(RiskAction.objects.values_list("title", "done")),
        ForecastRun.objects.filter(project=project).count(),
        list(RiskScale.objects.filter(project=project).values_list("version", flat=True)),
    )


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# --- access ---------------------------------------------------------------------------------------


def test_risk_urls_cover_every_page(project, data):
    """The access tests iterate over every URL name of the risk pages."""
    from risks.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in _urls(project, data)}


def test_risk_pages_outsider_gets_404_for_every_method(client_for, outsider, project, data):
    """A non-member gets 404 on every risk URL, for GET and POST alike, and changes nothing."""
    client = client_for(outsider)
    before = _snapshot(project)
    for name, url in _urls(project, data):
        assert client.get(url).status_code == 404, name
        assert client.post(url, POST_DATA).status_code == 404, name
        assert client.post(url, POST_DATA, **HTMX).status_code == 404, name
    assert _snapshot(project) == before


def test_risk_pages_viewer_reads_but_gets_403_on_writes(client_for, viewer, project, data):
    """A viewer reads every page; every write, and every form page, answers 403 (a POST to a
    page that only reads, 405)."""
    client = client_for(viewer)
    before = _snapshot(project)
    for name, url in _urls(project, data):
        response = client.get(url)
        if name in WRITE_ONLY:
            assert response.status_code == 405, name
        elif name in FORM_PAGES:
            assert response.status_code == 403, name
        else:
            assert response.status_code == 200, name
        expected = 405 if name in READ_ONLY else 403
        assert client.post(url, POST_DATA).status_code == expected, name
    assert _snapshot(project) == before


def test_risk_pages_member_sees_every_page(client_for, member, project, data):
    """Every readable page renders for a member, with the Risk group in the navigation."""
    client = client_for(member)
    for name, url in _urls(project, data):
        if name not in WRITE_ONLY:
            response = client.get(url)
            assert response.status_code == 200, name
    page = client.get(reverse("risks:register", args=[project.pk])).content.decode()
    assert 'id="nav-risk"' in page and "Vendor slips" in page


# --- register and risk ----------------------------------------------------------------------------


def test_register_filters_by_level_and_kind(client_for, viewer, project, data, make_risk):
    """Filters narrow the register; with htmx only the table comes back."""
    make_risk("Reuse a module", kind="opportunity", probability=1, impact=2)
    client = client_for(viewer)
    url = reverse("risks:register", args=[project.pk])
    page = client.get(url, {"level": "high"}).content.decode()
    assert "Vendor slips" in page and "Reuse a module" not in page
    partial = client.get(url, {"kind": "opportunity"}, **HTMX).content.decode()
    assert "Reuse a module" in partial and "Vendor slips" not in partial
    assert "<html" not in partial and 'id="risk-table"' in partial


def test_register_query_count_is_constant(client_for, viewer, project, data, make_risk, network):
    """The register costs the same queries for 1 or 10 risks."""
    client = client_for(viewer)
    url = reverse("risks:register", args=[project.pk])
    one = _count_queries(client, url)
    for n in range(9):
        make_risk(f"Risk {n}", owner=viewer.memberships.get().project.memberships.first().user)
    make_risk("With impacts", schedule_impacts={network["Design"]: 2, network["Test"]: 1})
    assert _count_queries(client, url) == one


def test_risk_add_strategy_must_fit_the_kind(client_for, member, project, network):
    """An opportunity with "mitigate" is refused next to the strategy field."""
    response = client_for(member).post(
        reverse("risks:risk_add", args=[project.pk]),
        {**POST_DATA, "kind": "opportunity", "response_strategy": "mitigate"},
    )
    assert response.status_code == 200
    assert "response_strategy" in response.context["form"].errors
    assert not Risk.objects.filter(project=project).exists()


def test_risk_add_strategy_choices_follow_the_kind(client_for, member, project):
    """Switching the kind (htmx) sends back the strategy select with the fitting choices."""
    response = client_for(member).get(
        reverse("risks:risk_add", args=[project.pk]),
        {"kind": "opportunity"},
        HTTP_HX_TRIGGER_NAME="kind",
        **HTMX,
    )
    html = response.content.decode()
    assert 'id="strategy-field"' in html and "<html" not in html
    values = re.findall(r'<option value="(\w+)"', html)
    assert values == ["exploit", "enhance", "share", "accept"]


def test_risk_add_shows_the_scale_meaning(client_for, member, project):
    """The 1–5 selects say what each number means on the project's scale."""
    html = client_for(member).get(reverse("risks:risk_add", args=[project.pk])).content.decode()
    assert "4 — Major: &gt; 20 working days or &gt; 10% of budget" in html


def test_risk_add_creates_with_impacts(client_for, member, project, network):
    """A member adds a threat with days on a task; the page then shows the risk."""
    response = client_for(member).post(
        reverse("risks:risk_add", args=[project.pk]),
        {
            **POST_DATA,
            "title": "Data migration defects",
            "response_strategy": "mitigate",
            "impact_tasks": [network["Build"].pk],
            "impact_days": "4",
        },
    )
    risk = Risk.objects.get(project=project)
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:risk", args=[project.pk, risk.pk])
    assert (risk.score, risk.level) == (25, "critical")
    assert [(i.task.name, i.days) for i in risk.task_impacts.all()] == [("Build", 4)]


def test_risk_edit_stale_version_is_a_form_error(client_for, member, manager, project, data):
    """An edit based on an old version is refused with a message, not saved."""
    risk = data["risk"]
    services.risk_update(risk=risk, by=manager, version=None, title="Changed meanwhile")
    response = client_for(member).post(
        reverse("risks:risk_edit", args=[project.pk, risk.pk]),
        {**POST_DATA, "title": "Mine", "version": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    risk.refresh_from_db()
    assert risk.title == "Changed meanwhile"


def test_risk_occurred_opens_the_linked_issue(client_for, member, project, data):
    """ "This risk occurred" marks it and opens its issue, then shows the issue log."""
    risk = data["risk"]
    response = client_for(member).post(reverse("risks:risk_occurred", args=[project.pk, risk.pk]))
    issue = Issue.objects.get(risk=risk)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#issue-{issue.pk}")
    risk.refresh_from_db()
    assert risk.status == "occurred" and issue.priority == "high"


def test_risk_action_add_and_done(client_for, member, project, data):
    """A member adds an action to a risk and ticks one off."""
    client = client_for(member)
    risk = data["risk"]
    client.post(reverse("risks:action_add", args=[project.pk, risk.pk]), {"action-title": "Plan B"})
    assert risk.actions.filter(title="Plan B").exists()
    client.post(reverse("risks:action_done", args=[project.pk, risk.pk, data["action"].pk]))
    data["action"].refresh_from_db()
    assert data["action"].done


# --- issues ---------------------------------------------------------------------------------------


def test_issue_edit_resolving_needs_a_resolution(client_for, member, project, data):
    """Resolving without saying how is an error next to the resolution."""
    issue = data["issue"]
    url = reverse("risks:issue_edit", args=[project.pk, issue.pk])
    body = {"title": "Outage", "priority": "medium", "status": "resolved", "version": "1"}
    response = client_for(member).post(url, body)
    assert "resolution" in response.context["form"].errors
    response = client_for(member).post(url, {**body, "resolution": "Rolled back"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == "resolved" and issue.resolved_on


def test_issue_log_query_count_is_constant(client_for, viewer, manager, project, data, make_risk):
    """The issue log costs the same queries for 1 or 10 issues."""
    client = client_for(viewer)
    url = reverse("risks:issues", args=[project.pk])
    one = _count_queries(client, url)
    for n in range(9):
        services.risk_occurred(risk=make_risk(f"R{n}", owner=manager), by=manager)
    assert _count_queries(client, url) == one


# --- heat map -------------------------------------------------------------------------------------


def test_heat_map_tables_equal_the_selector(client_for, viewer, project, data, make_risk):
    """Each heat map's table shows the selector's counts; each cell links to its risks."""
    make_risk("Another", probability=4, impact=4)
    html = client_for(viewer).get(reverse("risks:heat_map", args=[project.pk])).content.decode()
    for key, grid in (
        ("inherent", selectors.heat_map(project)),
        ("residual", selectors.heat_map(project, residual=True)),
    ):
        for row in grid:
            for cell in row:
                name = f"{key}-{cell['probability']}-{cell['impact']}"
                assert f'<td class="num" data-cell="{name}">{cell["count"]}</td>' in html
                assert f"?cell={name}" in html
    assert 'data-cell="inherent-4-4">2<' in html


def test_heat_map_cell_link_filters_the_register(client_for, viewer, project, data, make_risk):
    """A cell's link lists exactly the risks in that cell."""
    make_risk("Elsewhere", probability=1, impact=1)
    url = reverse("risks:register", args=[project.pk])
    html = client_for(viewer).get(url, {"cell": "residual-2-2"}, **HTMX).content.decode()
    assert "Vendor slips" in html and "Elsewhere" not in html


def test_heat_map_query_count_is_constant(client_for, viewer, project, data, make_risk):
    """The heat map page costs the same queries for 1 or 10 risks."""
    client = client_for(viewer)
    url = reverse("risks:heat_map", args=[project.pk])
    one = _count_queries(client, url)
    for n in range(9):
        make_risk(f"R{n}", probability=n % 5 + 1)
    assert _count_queries(client, url) == one


# --- forecast -------------------------------------------------------------------------------------


def _day(iso: str) -> str:
    """A stored ISO date as the page shows it: "21 Jun 2027", machine-readable in <time>."""
    return f'<time datetime="{iso}">{human_date(iso)}</time>'


def test_forecast_tables_equal_the_stored_results(client_for, viewer, project, data):
    """Percentiles, histogram, S-curve and drivers tables show the run's stored results."""
    results = data["run"].results
    html = client_for(viewer).get(reverse("risks:forecast", args=[project.pk])).content.decode()
    for key, finish in results["finish"].items():
        assert re.search(
            rf'data-p="{key}"><th scope="row">{key}</th><td class="finish">'
            rf"{_day(finish['date'])}</td>",
            html,
        )
    for row in results["finish_histogram"]:
        day = _day(row["date"])
        assert f'<th scope="row">{day}</th><td class="num">{row["count"]}</td>' in html
    for row in results["s_curve"]:
        day = _day(row["date"])
        assert f'<th scope="row">{day}</th><td class="num">{row["percent"]}%</td>' in html
    assert not re.search(r">\d{4}-\d{2}-\d{2}<", html), "an ISO date is shown on the page"
    for d in results["drivers"]:
        assert f'<td class="num">{d["correlation"]}</td>' in html
    bars = re.findall(
        r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" class="bar">', html
    )
    assert len(bars) == len(results["finish_histogram"])


def test_forecast_page_warns_without_estimates_and_dates_its_axes(
    client_for, member, manager, project
):
    """Without estimates the page says 0 of N and offers the default uncertainty; a run is
    "Forecast 1" of the project, its warning shown, its histogram and S-curve dated axes."""
    for name in ("Design", "Build"):
        schedule_services.task_create(project=project, by=manager, name=name, duration=5)
    url = reverse("risks:forecast", args=[project.pk])
    html = client_for(member).get(url).content.decode()
    assert "0 of 2 tasks with work left have a three-point estimate." in html
    assert "default uncertainty (−10 %/+25 %)" in html
    run = services.forecast_run_now(project=project, by=manager, iterations=200, seed=2)
    html = client_for(member).get(url).content.decode()
    assert f"Forecast {run.number}: 200 iterations" in html and run.number == 1
    assert "looks far more certain than the plan is" in html
    first = run.results["finish_histogram"][0]["date"]
    label = charts.day_label(first)
    assert re.search(rf'class="axis-label x-tick">{label}</text>', html)
    assert html.count('class="axis-label x-tick"') >= 2  # histogram and S-curve
    assert 'class="axis-label y-tick">100 %</text>' in html


def test_forecast_request_queues_and_page_polls(client_for, member, project, network):
    """Requesting a run queues it; the page then polls its progress partial every second."""
    client = client_for(member)
    url = reverse("risks:forecast", args=[project.pk])
    response = client.post(url, {"iterations": "200", "seed": "5", "distribution": "pert"})
    assert response.status_code == 302
    run = ForecastRun.objects.get(project=project)
    html = client.get(url).content.decode()
    progress = reverse("risks:forecast_progress", args=[project.pk, run.pk])
    assert f'hx-get="{progress}" hx-trigger="every 1s"' in html


def test_forecast_progress_partial_and_refresh_when_done(client_for, viewer, project, network):
    """The partial shows the run's progress; once finished it asks htmx to reload the page."""
    run = ForecastRun.objects.create(project=project, iterations=100, seed=1)
    ForecastRun.objects.filter(pk=run.pk).update(status="running", progress=40)
    client = client_for(viewer)
    url = reverse("risks:forecast_progress", args=[project.pk, run.pk])
    html = client.get(url, **HTMX).content.decode()
    assert '<progress max="100" value="40"' in html and "<html" not in html
    assert 'hx-trigger="every 1s"' in html
    services.forecast_run_compute(run_id=run.pk)  # a "running" run is computed again
    response = client.get(url, **HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_forecast_bad_estimates_error_is_shown(client_for, member, project, network):
    """A pessimistic estimate below the optimistic one is named on the page; nothing queued."""
    Task.objects.filter(pk=network["Design"].pk).update(
        optimistic_duration=9, most_likely_duration=None, pessimistic_duration=3
    )
    response = client_for(member).post(
        reverse("risks:forecast", args=[project.pk]), {"iterations": "200", "distribution": "pert"}
    )
    assert response.status_code == 200
    assert "Task “Design”: pessimistic estimate 3 is less than optimistic 9." in (
        response.content.decode()
    )
    assert not ForecastRun.objects.exists()


# --- scale ----------------------------------------------------------------------------------------

SCALE_DATA = {
    **{
        f"label_{n}": label
        for n, label in enumerate("Rare Unlikely Possible Likely Sure".split(), 1)
    },
    **{f"percent_{n}": str(p) for n, p in enumerate((5, 25, 50, 75, 95), 1)},
    **{f"days_{n}": str(d) for n, d in zip(range(2, 6), (1, 3.5, 10, 30), strict=True)},
    **{f"budget_{n}": str(b) for n, b in zip(range(2, 6), (1, 5, 10, 20), strict=True)},
}


def test_scale_page_shows_what_each_level_means(client_for, viewer, project):
    """Everyone reads the scale with the same meanings the risk form shows; a viewer gets no
    inputs, and the register and the navigation link to it."""
    client = client_for(viewer)
    url = reverse("risks:scale", args=[project.pk])
    html = client.get(url).content.decode()
    assert "4 — Major: &gt; 20 working days or &gt; 10% of budget" in html
    assert "2 — Unlikely (20–40%), counted as 30%" in html
    assert 'name="percent_1"' not in html and "Save the scale" not in html
    register = client.get(reverse("risks:register", args=[project.pk])).content.decode()
    assert register.count(f'href="{url}"') == 2  # the register's note and the Risk nav group


def test_scale_page_member_reads_but_gets_403_on_save(client_for, member, project, data):
    """Only the manager changes the scale: a member's save is 403 and changes nothing."""
    client = client_for(member)
    url = reverse("risks:scale", args=[project.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, SCALE_DATA).status_code == 403
    assert not RiskScale.objects.filter(project=project).exists()


def test_scale_page_manager_saves_and_emv_follows(client_for, manager, project, data):
    """The manager saves a new scale; the risks' EMV follow the new percentages."""
    risk = data["risk"]
    services.risk_update(risk=risk, by=manager, version=None, cost_impact=1000)
    client = client_for(manager)
    url = reverse("risks:scale", args=[project.pk])
    assert 'name="percent_1"' in client.get(url).content.decode()
    response = client.post(url, {**SCALE_DATA, "version": "1"})
    assert response.status_code == 302 and response["Location"] == url
    scale = RiskScale.objects.get(project=project)
    assert scale.probability_percents == [5, 25, 50, 75, 95]
    assert scale.impact_days == [1, 3.5, 10, 30]
    assert scale.probability_labels[4] == "Sure"
    risk.refresh_from_db()
    assert str(risk.emv) == "750.00"  # probability 4 now counts as 75 %
    html = client.get(url).content.decode()
    assert "3 — Moderate: &gt; 3.5 working days or &gt; 5% of budget" in html


def test_scale_page_sets_the_forecasts_default_uncertainty(client_for, manager, project):
    """The manager sets the default uncertainty on the scale page; the forecast offers it."""
    client = client_for(manager)
    url = reverse("risks:scale", args=[project.pk])
    data = {
        **SCALE_DATA,
        "version": "1",
        "default_optimistic_percent": "15",
        "default_pessimistic_percent": "40",
    }
    assert client.post(url, data).status_code == 302
    scale = RiskScale.objects.get(project=project)
    assert (scale.default_optimistic_percent, scale.default_pessimistic_percent) == (15, 40)
    forecast = client.get(reverse("risks:forecast", args=[project.pk])).content.decode()
    assert "default uncertainty (−15 %/+40 %)" in forecast


def test_scale_page_stale_version_is_a_form_error(client_for, manager, project):
    """A save based on an old version is refused with a message, not saved."""
    services.risk_scale_update(project=project, by=manager, version=None, impact_days=[1, 2, 3, 4])
    response = client_for(manager).post(
        reverse("risks:scale", args=[project.pk]), {**SCALE_DATA, "version": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert RiskScale.objects.get(project=project).impact_days == [1, 2, 3, 4]


def test_scale_page_refuses_a_scale_that_does_not_rise(client_for, manager, project):
    """Percentages that do not rise are refused with the model's message above the inputs."""
    response = client_for(manager).post(
        reverse("risks:scale", args=[project.pk]), {**SCALE_DATA, "percent_3": "25"}
    )
    assert response.status_code == 200
    assert "probability_percents" in response.context["form"].group_errors
    assert "Level 3 (25%) must be more likely than level 2 (25%)" in response.content.decode()
    assert not RiskScale.objects.filter(project=project).exists()
