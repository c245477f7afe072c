"""The risks API: the register, "this risk occurred", the issue log, the risk matrix and the
Monte Carlo forecast with its runs. (Non-members get 404 on every route: test_access.py.)"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from risks import services
from risks.models import ForecastRun, Issue, Risk, RiskScale
from scheduling import services as schedule_services
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(project, resource: str, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/projects/{project.pk}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{verb}/" if verb else "")


def queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        response = call()
    assert response.status_code == 200, response.content[:500]
    return len(context.captured_queries)


@pytest.fixture
def task(project, manager):
    return schedule_services.task_create(
        project=project,
        by=manager,
        name="Build",
        duration=10,
        optimistic_duration=8,
        most_likely_duration=10,
        pessimistic_duration=15,
    )


@pytest.fixture
def make_risk(project, manager):
    def make(title="Vendor slips", **fields):
        return services.risk_create(project=project, by=manager, title=title, **fields)

    return make


@pytest.fixture
def network(project, manager, task):
    """Design (5 d) → Build (8–10–15 d)."""
    design = schedule_services.task_create(project=project, by=manager, name="Design", duration=5)
    schedule_services.dependency_add(
        project=project, by=manager, predecessor=design, successor=task
    )
    return {"Design": design, "Build": task}


@pytest.fixture
def eager_tasks():
    """Run the forecast in-process even when REDIS_URL points Celery at a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def foreign_task():
    other = ProjectFactory()
    return schedule_services.task_create(project=other, by=UserFactory(), name="Foreign")


# --- risks ----------------------------------------------------------------------------------------


def test_risks_api_member_creates_a_risk_with_derived_fields(api_for, member, project, task):
    """A member adds a risk; score, level and EMV are derived and impacts on tasks are kept."""
    response = api_for(member).post(
        url(project, "risks"),
        {
            "title": "Vendor slips",
            "kind": "threat",
            "probability": 4,
            "impact": 5,
            "owner": member.pk,
            "response_strategy": "mitigate",
            "cost_impact": "10000.00",
            "schedule_impacts": [{"task": task.pk, "days": 5}],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["score"], body["level"], body["emv"]) == (20, "critical", "7000.00")
    assert body["reference"] == "R-1"
    assert body["schedule_impacts"] == [{"task": task.pk, "days": 5}]
    assert body["owner"] == member.pk
    assert body["version"] == 1


def test_risks_api_strategy_must_fit_the_kind(api_for, member, project):
    """An opportunity cannot be mitigated: 400 on response_strategy, nothing saved."""
    response = api_for(member).post(
        url(project, "risks"),
        {"title": "Reuse a module", "kind": "opportunity", "response_strategy": "mitigate"},
    )
    assert response.status_code == 400
    assert "response_strategy" in response.json()
    assert not Risk.objects.filter(project=project).exists()


def test_risks_api_changing_kind_keeps_the_rule(api_for, member, project, make_risk):
    """Turning a mitigated threat into an opportunity is refused while the strategy stays."""
    risk = make_risk(response_strategy="mitigate")
    response = api_for(member).patch(url(project, "risks", risk.pk), {"kind": "opportunity"})
    assert response.status_code == 400
    assert "response_strategy" in response.json()


@pytest.mark.parametrize("days", [10_001, 2**63])
def test_risks_api_huge_schedule_impact_is_400_and_nothing_is_saved(
    api_for, member, project, task, days
):
    """An impact of more than 10,000 working days is refused on schedule_impacts, not a 500."""
    response = api_for(member).post(
        url(project, "risks"),
        {"title": "Forever", "schedule_impacts": [{"task": task.pk, "days": days}]},
    )
    assert response.status_code == 400
    assert "10,000" in response.json()["schedule_impacts"][0]
    assert not Risk.objects.filter(project=project).exists()


def test_risks_api_foreign_ids_are_400(api_for, member, project, outsider, foreign_task):
    """A task of another project or an owner who is not a member is refused with 400."""
    client = api_for(member)
    response = client.post(
        url(project, "risks"),
        {"title": "X", "schedule_impacts": [{"task": foreign_task.pk, "days": 2}]},
    )
    assert response.status_code == 400
    assert "schedule_impacts" in response.json()
    response = client.post(url(project, "risks"), {"title": "X", "owner": outsider.pk})
    assert response.status_code == 400
    assert "not a member" in response.json()["owner"][0]
    assert not Risk.objects.filter(project=project).exists()


def test_risks_api_viewer_reads_but_cannot_write(api_for, viewer, project, make_risk):
    """A viewer lists and reads risks; every write is 403 and changes nothing."""
    risk = make_risk()
    client = api_for(viewer)
    assert client.get(url(project, "risks")).status_code == 200
    assert client.get(url(project, "risks", risk.pk)).status_code == 200
    assert client.post(url(project, "risks"), {"title": "X"}).status_code == 403
    assert client.patch(url(project, "risks", risk.pk), {"title": "Y"}).status_code == 403
    assert client.delete(url(project, "risks", risk.pk)).status_code == 403
    assert client.post(url(project, "risks", risk.pk, "occurred"), {}).status_code == 403
    assert client.post(url(project, "issues"), {"title": "X"}).status_code == 403
    assert client.post(url(project, "forecast"), {"iterations": 100}).status_code == 403
    risk.refresh_from_db()
    assert (risk.title, risk.status) == ("Vendor slips", "open")
    assert not Issue.objects.exists() and not ForecastRun.objects.exists()


def test_risks_api_stale_version_is_409(api_for, member, project, make_risk):
    """An edit based on an old version is refused with 409."""
    risk = make_risk()
    client = api_for(member)
    assert (
        client.patch(url(project, "risks", risk.pk), {"title": "A", "version": 1}).status_code
        == 200
    )
    response = client.patch(url(project, "risks", risk.pk), {"title": "B", "version": 1})
    assert response.status_code == 409


def test_risks_api_filters_and_deletes(api_for, member, project, make_risk):
    """The register filters by level and kind; a member deletes a risk."""
    high = make_risk("Pen test findings", probability=4, impact=4)
    make_risk("Small", probability=1, impact=2)
    client = api_for(member)
    rows = client.get(url(project, "risks"), {"level": "high"}).json()["results"]
    assert [r["id"] for r in rows] == [high.pk]
    assert client.delete(url(project, "risks", high.pk)).status_code == 204
    assert not Risk.objects.filter(pk=high.pk).exists()


def test_risks_api_list_query_count_is_constant(api_for, member, project, make_risk, task):
    """Listing the register costs the same number of queries for 1 or 10 risks."""
    client = api_for(member)
    make_risk(schedule_impacts={task: 2})
    one = queries(lambda: client.get(url(project, "risks")))
    for n in range(9):
        make_risk(f"Risk {n}", owner=member, schedule_impacts={task: n + 1})
    assert queries(lambda: client.get(url(project, "risks"))) == one


def test_risks_api_occurred_opens_the_issue_once(api_for, member, project, make_risk):
    """ "This risk occurred" returns the new linked issue (201), then the same one (200)."""
    risk = make_risk(probability=5, impact=4, contingency_plan="Switch vendor")
    client = api_for(member)
    response = client.post(url(project, "risks", risk.pk, "occurred"), {"owner": member.pk})
    assert response.status_code == 201, response.json()
    issue = response.json()
    assert (issue["risk"], issue["priority"], issue["owner"]) == (risk.pk, "critical", member.pk)
    assert "Switch vendor" in issue["description"]
    risk.refresh_from_db()
    assert risk.status == "occurred"
    again = client.post(url(project, "risks", risk.pk, "occurred"), {})
    assert again.status_code == 200
    assert again.json()["id"] == issue["id"]
    assert client.get(url(project, "risks", risk.pk)).json()["issue"] == issue["id"]


# --- issues ---------------------------------------------------------------------------------------


def test_issues_api_create_and_resolve(api_for, member, project):
    """An issue is logged open; resolving it needs a resolution and records the day."""
    client = api_for(member)
    response = client.post(url(project, "issues"), {"title": "Outage", "priority": "high"})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client.patch(url(project, "issues", pk), {"status": "resolved"})
    assert response.status_code == 400
    assert "resolution" in response.json()
    response = client.patch(
        url(project, "issues", pk), {"status": "resolved", "resolution": "Restarted"}
    )
    assert response.status_code == 200
    assert response.json()["resolved_on"] is not None


def test_issues_api_refuses_status_on_create_and_foreign_owner(api_for, member, project, outsider):
    """A new issue is open: a status on creation, or an outsider as owner, is 400."""
    client = api_for(member)
    response = client.post(url(project, "issues"), {"title": "X", "status": "closed"})
    assert response.status_code == 400 and "status" in response.json()
    response = client.post(url(project, "issues"), {"title": "X", "owner": outsider.pk})
    assert response.status_code == 400 and "owner" in response.json()
    assert not Issue.objects.exists()


def test_issues_api_list_query_count_is_constant(api_for, member, project, make_risk):
    """Listing issues costs the same queries for 1 or 10."""
    client = api_for(member)
    services.issue_create(project=project, by=member, title="One", owner=member)
    one = queries(lambda: client.get(url(project, "issues")))
    for n in range(9):
        services.risk_occurred(risk=make_risk(f"R{n}", owner=member), by=member)
    assert queries(lambda: client.get(url(project, "issues"))) == one


# --- matrix ---------------------------------------------------------------------------------------


def test_risk_matrix_api_inherent_and_residual(api_for, viewer, project, make_risk):
    """The matrix places live risks by rating, residual where rated, with their ids."""
    risk = make_risk(probability=4, impact=5, residual_probability=2, residual_impact=2)
    make_risk("Closed", probability=4, impact=5, status="closed")
    body = api_for(viewer).get(url(project, "risk-matrix")).json()
    cell = body["inherent"][5 - 4][5 - 1]
    assert (cell["probability"], cell["impact"], cell["count"]) == (4, 5, 1)
    assert cell["risk_ids"] == [risk.pk] and cell["level"] == "critical"
    assert body["residual"][5 - 2][2 - 1]["risk_ids"] == [risk.pk]
    assert len(body["impact_meanings"]) == 5


def test_risk_matrix_api_query_count_is_constant(api_for, viewer, project, make_risk):
    """The matrix costs the same queries for 1 or 10 risks."""
    client = api_for(viewer)
    make_risk()
    one = queries(lambda: client.get(url(project, "risk-matrix")))
    for n in range(9):
        make_risk(f"R{n}", probability=n % 5 + 1)
    assert queries(lambda: client.get(url(project, "risk-matrix"))) == one


# --- forecast -------------------------------------------------------------------------------------


def test_forecast_api_request_runs_and_serves_results(
    api_for, member, project, network, make_risk, eager_tasks, django_capture_on_commit_callbacks
):
    """POST queues a run (202 with its id); once computed GET forecast/ and the run serve it."""
    make_risk(schedule_impacts={network["Build"]: 5})
    client = api_for(member)
    before = client.get(url(project, "forecast")).json()
    assert (before["latest"], before["pending"]) == (None, None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(project, "forecast"), {"iterations": 500, "seed": 7})
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    run_id = response.json()["id"]
    run = client.get(url(project, "forecast/runs", run_id)).json()
    assert (run["status"], run["progress"]) == ("done", 100)
    latest = client.get(url(project, "forecast"), {"seed": 7}).json()["latest"]
    assert latest["id"] == run_id
    assert set(latest["results"]["finish"]) == {"P10", "P50", "P80", "P90", "P95"}
    assert client.get(url(project, "forecast"), {"seed": 8}).json()["latest"] is None
    listed = client.get(url(project, "forecast/runs")).json()["results"]
    assert [r["id"] for r in listed] == [run_id] and "results" not in listed[0]


def test_forecast_api_bad_estimates_are_400(api_for, member, project, manager):
    """A task whose pessimistic estimate is below its optimistic one is named in a 400."""
    schedule_services.task_create(project=project, by=manager, name="Design", duration=5)
    task = project.tasks.get()
    type(task).objects.filter(pk=task.pk).update(
        optimistic_duration=9, most_likely_duration=None, pessimistic_duration=4
    )
    response = api_for(member).post(url(project, "forecast"), {"iterations": 100})
    assert response.status_code == 400
    assert "Design" in response.json()["estimates"][0]
    assert not ForecastRun.objects.exists()


def test_forecast_api_finishes_past_the_calendar_fail_the_run_with_a_message(
    api_for, member, project, manager, eager_tasks, django_capture_on_commit_callbacks
):
    """Estimates of millions of days (older data) fail the run with a message, not a 500."""
    task = schedule_services.task_create(project=project, by=manager, name="Design", duration=5)
    type(task).objects.filter(pk=task.pk).update(
        optimistic_duration=3_000_000,
        most_likely_duration=3_000_000,
        pessimistic_duration=3_000_000,
    )
    client = api_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(project, "forecast"), {"iterations": 100, "seed": 7})
    assert response.status_code == 202, response.json()
    run = client.get(url(project, "forecast/runs", response.json()["id"])).json()
    assert run["status"] == "failed"
    assert "9999" in run["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"iterations": 10}, "iterations"),
        ({"iterations": 1_000_000}, "iterations"),
        ({"seed": -1}, "seed"),
        ({"distribution": "normal"}, "distribution"),
    ],
)
def test_forecast_api_validates_the_request(api_for, member, project, network, body, field):
    """Iterations out of range, a negative seed or an unknown distribution are 400."""
    response = api_for(member).post(url(project, "forecast"), body)
    assert response.status_code == 400
    assert field in response.json()


def test_forecast_api_runs_list_query_count_is_constant(api_for, viewer, project):
    """Listing runs costs the same queries for 1 or 10 runs."""
    client = api_for(viewer)
    ForecastRun.objects.create(project=project, iterations=100, seed=1)
    one = queries(lambda: client.get(url(project, "forecast/runs")))
    for n in range(9):
        ForecastRun.objects.create(project=project, iterations=100, seed=n)
    assert queries(lambda: client.get(url(project, "forecast/runs"))) == one


# --- risk scale -----------------------------------------------------------------------------------


def test_risk_scale_api_viewer_reads_the_defaults_with_meanings(api_for, viewer, project):
    """A viewer reads the scale; a project that never changed it shows the defaults."""
    response = api_for(viewer).get(url(project, "risk-scale"))
    assert response.status_code == 200
    body = response.json()
    assert body["probability_percents"] == [10, 30, 50, 70, 90]
    assert body["impact_days"] == [2, 5, 20, 40]
    assert body["version"] == 1
    assert body["meanings"]["impact"][3] == "Major: > 20 working days or > 10% of budget"
    assert body["meanings"]["probability"][0] == "Rare (< 20%), counted as 10%"
    assert not RiskScale.objects.filter(project=project).exists()


def test_risk_scale_api_only_the_manager_writes(api_for, viewer, member, project):
    """Viewers and members get 403 on PATCH and PUT; nothing is saved."""
    for user in (viewer, member):
        client = api_for(user)
        body = {"impact_days": [1, 2, 3, 4]}
        assert client.patch(url(project, "risk-scale"), body, format="json").status_code == 403
        assert client.put(url(project, "risk-scale"), body, format="json").status_code == 403
    assert not RiskScale.objects.filter(project=project).exists()


def test_risk_scale_api_manager_writes_and_emv_follows(api_for, manager, project, make_risk):
    """A new percentage for a level recomputes the EMV of the project's risks at that level."""
    threat = make_risk("Vendor slips", probability=4, cost_impact=Decimal("1000"))
    chance = make_risk(
        "Early delivery", kind="opportunity", probability=2, cost_impact=Decimal("500")
    )
    assert (threat.emv, chance.emv) == (Decimal("700.00"), Decimal("-150.00"))
    response = api_for(manager).patch(
        url(project, "risk-scale"),
        {"probability_percents": [5, 25, 50, 75, 95], "impact_days": [1, 3.5, 10, 30]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["probability_percents"] == [5, 25, 50, 75, 95]
    assert body["impact_days"] == [1, 3.5, 10, 30]
    assert body["meanings"]["probability"][3].endswith("counted as 75%")
    assert body["meanings"]["impact"][2] == "Moderate: > 3.5 working days or > 5% of budget"
    threat.refresh_from_db()
    chance.refresh_from_db()
    assert (threat.emv, chance.emv) == (Decimal("750.00"), Decimal("-125.00"))


def test_risk_scale_api_stale_version_is_409(api_for, manager, project):
    """An edit based on an old version is refused with 409 and changes nothing."""
    services.risk_scale_update(project=project, by=manager, version=None, impact_days=[1, 2, 3, 4])
    response = api_for(manager).patch(
        url(project, "risk-scale"),
        {"impact_days": [3, 6, 9, 12], "version": 1},
        format="json",
    )
    assert response.status_code == 409
    assert RiskScale.objects.get(project=project).impact_days == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"probability_percents": [10, 30, 30, 70, 90]}, "probability_percents", "Level 3"),
        ({"probability_percents": [10, 30, 50, 70, 100]}, "probability_percents", "1 to 99"),
        ({"probability_percents": [0, 30, 50, 70, 90]}, "probability_percents", "Level 1"),
        ({"probability_percents": [10, 30, 50, 70]}, "probability_percents", "5 elements"),
        ({"probability_labels": ["a", "b", " ", "d", "e"]}, "probability_labels", "Level 3"),
        ({"impact_days": [2, 5, 4, 40]}, "impact_days", "Impact 4"),
        ({"impact_days": [-1, 5, 20, 40]}, "impact_days", "0 or more"),
        ({"impact_budget_percents": [1, 5, 10, 10]}, "impact_budget_percents", "Impact 5"),
        ({"impact_budget_percents": ["x", 5, 10, 20]}, "impact_budget_percents", "number"),
    ],
)
def test_risk_scale_api_refuses_bad_scales_per_field(
    api_for, manager, project, make_risk, body, field, says
):
    """A scale that does not rise, leaves 1–99 % or has the wrong length is a 400 on its field."""
    risk = make_risk(probability=3, cost_impact=Decimal("100"))
    response = api_for(manager).patch(url(project, "risk-scale"), body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    assert says in str(errors[field])
    assert not RiskScale.objects.filter(project=project).exists()
    risk.refresh_from_db()
    assert risk.emv == Decimal("50.00")


def test_forecast_api_says_how_many_tasks_have_estimates_and_offers_the_default(
    api_for, member, manager, project, eager_tasks, django_capture_on_commit_callbacks
):
    """GET forecast/ counts the estimated tasks and warns when none is; a run asked with
    default_uncertainty records the project's default and is numbered within the project."""
    for name in ("Design", "Build"):
        schedule_services.task_create(project=project, by=manager, name=name, duration=5)
    client = api_for(member)
    body = client.get(url(project, "forecast")).json()
    assert body["estimates"] == {"open_tasks": 2, "with_estimates": 0}
    assert body["default_uncertainty"] == {"optimistic_percent": 10, "pessimistic_percent": 25}
    assert "None of the 2 tasks with work left has a three-point estimate" in body["warning"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(project, "forecast"), {"iterations": 200, "seed": 3, "default_uncertainty": True}
        )
    assert response.status_code == 202, response.json()
    run = response.json()
    assert (run["number"], run["default_optimistic_percent"]) == (1, 10)
    assert run["default_pessimistic_percent"] == 25
    latest = client.get(url(project, "forecast")).json()["latest"]
    assert latest["results"]["estimates"]["given_default"] == 2
    assert latest["results"]["warning"] == ""
