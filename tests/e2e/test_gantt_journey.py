"""Browser journey: a long plan's Gantt shows its first rows, loads the next ones as the reader
scrolls down, and folds a work package away in place."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from projects import services as project_services
from scheduling import services
from scheduling.models import Dependency, Task
from scheduling.views import schedule as schedule_views
from tests.conftest import PASSWORD
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


def test_gantt_journey_scroll_loads_more_rows_and_a_branch_folds(
    browser_tab: Page, transactional_db, monkeypatch, snap
):
    """With 30 rows a window (more than the chart shows at once), a 75-task plan opens on 30
    rows; scrolling to the end of them appends the next 30 rows and their bars; collapsing a
    work package leaves its summary row and hides its tasks."""
    monkeypatch.setattr(schedule_views, "PAGE_SIZE", 30)
    user = UserFactory(username="pat")
    project = project_with(manager=user)
    project.start_date = datetime.date(2026, 1, 5)
    project.save()
    packages = [
        project_services.work_package_add(project=project, by=user, name=f"Stage {n + 1}")
        for n in range(3)
    ]
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            name=f"Step {n + 1}",
            duration=2,
            work_package=packages[n // 25],
            position=n,
        )
        for n in range(75)
    )
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor=p, successor=s)
        for p, s in zip(tasks, tasks[1:], strict=False)
    )
    services.schedule_recompute(project)

    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/projects/{project.pk}/schedule/gantt/")
    rows = page.locator("#gantt-rows tr")
    expect(rows).to_have_count(30)
    expect(page.locator("svg.gantt-body")).to_have_count(1)
    htmx_idle(page)

    # Scroll to the end of the rows: the next window comes in under them, bars and all.
    page.locator("#gantt-more a").scroll_into_view_if_needed()
    expect(rows).to_have_count(60)
    expect(page.locator("svg.gantt-body")).to_have_count(2)
    expect(page.locator("#gantt-summary")).to_contain_text("rows 1–60 of")
    expect(
        page.locator(".gantt-grid").get_by_role("link", name="Step 55", exact=True)
    ).to_be_visible()
    htmx_idle(page)
    snap(page, "gantt-more-rows")

    # Fold Stage 1 away: its summary row stays, its tasks go, and later rows move up.
    page.locator("#gantt-rows tr", has_text="Stage 1").get_by_role("link").first.click()
    expect(
        page.locator(".gantt-grid").get_by_role("link", name="Step 1", exact=True)
    ).to_have_count(0)
    expect(page.locator("#gantt-rows tr", has_text="Stage 1")).to_be_visible()
    expect(
        page.locator(".gantt-grid").get_by_role("link", name="Step 26", exact=True)
    ).to_be_visible()
