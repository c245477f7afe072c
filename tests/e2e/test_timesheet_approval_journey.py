"""Browser journey: Mo types last week's hours and submits the week; Maria, the project's
manager, finds it in My work, opens the hours grid of her project's part and approves it; Mo's
week then shows as approved and read-only."""

import pytest
from playwright.sync_api import Page, expect

from budgets import services as budget_services
from budgets.models import TimeEntry, TimesheetWeek
from scheduling import services as schedule_services
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(transactional_db):
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    mo = UserFactory(username="mo", first_name="Mo", last_name="Member")
    one = project_with(manager=maria, member=mo)
    build = schedule_services.task_create(project=one, by=maria, name="Build API", duration=5)
    resource = budget_services.resource_create(project=one, by=maria, name="Mo", user=mo, rate="50")
    budget_services.assignment_add(task=build, resource=resource, by=maria)
    return mo


def _sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_timesheet_submit_and_approve_journey(
    browser_tab: Page, chromium_browser, live_server, team, password, snap
):
    page = browser_tab
    _sign_in(page, "mo", password)
    page.goto("/timesheet/")
    page.get_by_role("link", name="← Previous week").click()  # a week that is all in the past
    page.get_by_label("Build API, Monday", exact=False).fill("7.5")
    page.get_by_label("Leave, Tuesday", exact=False).fill("8")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("saved.")).to_be_visible()
    page.get_by_role("button", name="Submit week").click()
    expect(page.get_by_text("each project's manager approves")).to_be_visible()
    expect(page.get_by_label("Build API, Monday", exact=False)).to_be_disabled()

    context = chromium_browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    maria = context.new_page()
    _sign_in(maria, "maria", password)
    maria.goto("/my-work/")
    maria.get_by_role("link", name="Timesheet of Mo Member", exact=False).first.click()
    maria.locator("dd a", has_text="timesheet of Mo Member").click()
    expect(maria.locator("table.timesheet")).to_contain_text("Build API")
    expect(maria.locator("table.timesheet")).to_contain_text("7.5")
    expect(maria.locator("table.timesheet")).not_to_contain_text("Leave")
    snap(maria, "timesheet-approval")
    maria.get_by_role("button", name="Approve the hours").click()
    expect(maria.get_by_text("The hours were approved.")).to_be_visible()
    context.close()

    page.reload()
    expect(page.locator(".timesheet-status")).to_contain_text("Approved")
    assert TimesheetWeek.objects.get().status == "approved"
    assert TimeEntry.objects.get().approved
