"""One project, one finish date: every page and endpoint that shows a project's finish shows the
day DESIGN §4 defines (the latest shown task finish: EF − 1 for a task with work, the day of a
milestone), also when the plan ends with a milestone one working day after the last work."""

import datetime

import pytest
from django.urls import reverse

from budgets.services import levelling_preview
from reports.services.kpi import kpi_snapshot_refresh
from risks import services as risk_services
from scheduling import services as schedule_services
from scheduling.selectors import schedule_summary

pytestmark = pytest.mark.django_db

# Build: Mon 5 – Fri 16 Jan 2026 (indexes 0–9, EF 10); Go-live: the milestone at index 10.
GO_LIVE = datetime.date(2026, 1, 19)


@pytest.fixture
def plan(project, manager):
    """Build (10 working days from Monday 5 Jan 2026) → Go-live (milestone)."""
    build = schedule_services.task_create(project=project, by=manager, name="Build", duration=10)
    golive = schedule_services.task_create(project=project, by=manager, name="Go-live", duration=0)
    schedule_services.dependency_add(
        project=project, by=manager, predecessor=build, successor=golive
    )
    return {"Build": build, "Go-live": golive}


def test_project_finish_is_the_same_day_on_every_page_and_endpoint(
    project, manager, plan, client_for, api_for
):
    """Tasks page, schedule API, levelling, forecast, KPI snapshot and dashboard all say
    19 Jan 2026, the milestone's day, not 16 Jan (the last day of work, EF − 1 of the plan)."""
    plan["Go-live"].refresh_from_db()
    assert plan["Go-live"].finish_date == GO_LIVE

    shown = {"schedule summary": schedule_summary(project)["finish"]}
    client = client_for(manager)
    tasks_page = client.get(reverse("scheduling:tasks", args=[project.pk]))
    shown["tasks page"] = tasks_page.context["plan_finish"]
    api = api_for(manager).get(f"/api/v1/projects/{project.pk}/schedule/")
    shown["schedule API"] = datetime.date.fromisoformat(api.json()["finish"])

    levelling = levelling_preview(project=project)
    shown["levelling before"], shown["levelling after"] = (
        levelling.finish_before,
        levelling.finish_after,
    )
    page = client.get(reverse("budgets:levelling", args=[project.pk]))
    assert "19 Jan 2026" in page.content.decode()

    run = risk_services.forecast_run_now(project=project, by=manager, iterations=200, seed=7)
    shown["forecast"] = datetime.date.fromisoformat(run.results["deterministic_finish"]["date"])
    shown["forecast P50"] = datetime.date.fromisoformat(run.results["finish"]["P50"]["date"])

    snapshot = kpi_snapshot_refresh(project=project, as_of=project.today())
    snapshot.refresh_from_db()
    shown["KPI snapshot"] = snapshot.forecast_finish
    dashboard = client.get(reverse("reports:dashboard"))
    row = next(r for r in dashboard.context["rows"] if r.project.pk == project.pk)
    shown["dashboard"] = row.snapshot.forecast_finish

    assert shown == dict.fromkeys(shown, GO_LIVE)
