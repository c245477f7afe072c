"""Browser journey: from My work to my timesheet; I type a week's hours on two projects, an
overfull day is refused with nothing saved, then the week saves with its totals."""

import pytest
from playwright.sync_api import Page, expect

from budgets import services as budget_services
from budgets.models import TimeEntry
from scheduling import services as schedule_services
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(transactional_db):
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    mo = UserFactory(username="mo", first_name="Mo", last_name="Member")
    one = project_with(manager=maria, member=mo)
    two = project_with(manager=maria, member=mo)
    build = schedule_services.task_create(project=one, by=maria, name="Build API", duration=5)
    resource = budget_services.resource_create(project=one, by=maria, name="Mo", user=mo)
    budget_services.assignment_add(task=build, resource=resource, by=maria)
    schedule_services.task_create(project=two, by=maria, name="Deploy", duration=2, owner=mo)
    budget_services.resource_create(project=two, by=maria, name="Mo", user=mo)
    return mo


def test_timesheet_journey(browser_tab: Page, team, password, snap):
    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("mo")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto("/my-work/")
    page.get_by_role("link", name="My timesheet").click()
    page.get_by_role("link", name="← Previous week").click()  # a week that is all in the past
    monday = page.get_by_label("Build API, Monday", exact=False)
    monday.fill("20")
    page.get_by_label("Deploy, Monday", exact=False).fill("8")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("across your projects; a day has 24.").first).to_be_visible()
    assert not TimeEntry.objects.exists()
    page.get_by_label("Build API, Monday", exact=False).fill("7.5")
    page.get_by_label("Deploy, Tuesday", exact=False).fill("2")
    page.get_by_label("Deploy, Monday", exact=False).fill("")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("saved.")).to_be_visible()
    expect(page.locator("table.timesheet tfoot tr").first).to_contain_text("9.5")
    snap(page, "timesheet")
    assert sorted(TimeEntry.objects.values_list("hours", flat=True)) == [2, 7.5]
