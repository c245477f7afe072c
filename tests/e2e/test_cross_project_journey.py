"""Browser journey: a task of one project waits for a task of another, and a member who may not
see that other project reads only "External dependency (no access)"."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from scheduling import services
from tests.conftest import PASSWORD
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_cross_project_journey_wait_for_another_projects_task(
    browser_tab: Page, transactional_db, snap
):
    """Pam makes SOC's audit wait for CLOUD's build (task 1): the audit moves after the build and
    the link reads CLOUD-1; Sam, only in SOC, sees no CLOUD anywhere on the page."""
    pam = UserFactory(username="pam", first_name="Pam", last_name="Manager")
    sam = UserFactory(username="sam")
    cloud, soc = project_with(manager=pam), project_with(manager=pam, member=sam)
    for project, key in ((cloud, "CLOUD"), (soc, "SOC")):
        project.key, project.start_date = key, datetime.date(2026, 1, 5)
        project.save()
    services.task_create(project=cloud, by=pam, name="Build landing zone", duration=5)
    audit = services.task_create(project=soc, by=pam, name="Audit", duration=3)

    page = browser_tab
    _log_in(page, "pam")
    page.goto(f"/projects/{soc.pk}/schedule/tasks/{audit.pk}/")
    expect(page.get_by_role("heading", name="Waits for other projects")).to_be_visible()
    form = page.get_by_role("form", name="Wait for a task of another project")
    form.get_by_label("Other project").select_option(label=f"CLOUD · {cloud.name}")
    form.get_by_label("Its task number").fill("1")
    form.get_by_label("How it waits").select_option("FS")
    form.get_by_role("button", name="Wait for it").click()
    expect(page.get_by_text("“Audit” now waits for CLOUD-1 “Build landing zone”")).to_be_visible()
    expect(page.get_by_text("12 Jan 2026 – 14 Jan 2026")).to_be_visible()
    expect(page.get_by_role("link", name="CLOUD-1 “Build landing zone”")).to_be_visible()
    snap(page, "cross-project-link")

    page.context.clear_cookies()
    _log_in(page, "sam")
    page.goto(f"/projects/{soc.pk}/schedule/tasks/{audit.pk}/")
    expect(page.get_by_text("External dependency (no access)")).to_be_visible()
    assert "CLOUD" not in page.content()
    assert "landing zone" not in page.content()
