"""Browser journey: from the top bar's "People", Mo (a member of CLOUD only) sees Aisha at 150 %
in the week of 5 Jan, her SOC2 hours only as "booked elsewhere 20 h", the over-allocated days
naming CLOUD's task, and filters by role."""

import pytest
from playwright.sync_api import Page, expect

from budgets import services as budget_services
from scheduling import services as schedule_services
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(transactional_db):
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    mo = UserFactory(username="mo", first_name="Mo", last_name="Member")
    aisha = UserFactory(username="aisha", first_name="Aisha", last_name="Khan")
    cloud = project_with(manager=maria, member=[mo, aisha])
    soc2 = project_with(manager=maria, member=aisha)
    soc2.name, soc2.key = "SOC2 audit", "SOC2"
    soc2.save(update_fields=["name", "key"])
    dns = schedule_services.task_create(project=cloud, by=maria, name="Move DNS", duration=5)
    evidence = schedule_services.task_create(
        project=soc2, by=maria, name="Evidence pack", duration=5
    )
    for project, task, units, role in (
        (cloud, dns, 100, "Backend developer"),
        (soc2, evidence, 50, "Auditor"),
    ):
        resource = budget_services.resource_create(
            project=project, by=maria, name="Aisha", user=aisha, role=role
        )
        budget_services.assignment_add(task=task, resource=resource, by=maria, units=units)
    return mo


def test_people_journey(browser_tab: Page, team, password, snap):
    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("mo")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("From the week of").fill("2026-01-05")
    page.get_by_label("To the week of").fill("2026-01-19")
    page.get_by_role("button", name="Show").click()
    row = page.locator("table.portfolio-heatmap tbody tr", has_text="Aisha Khan")
    expect(row.locator("td").first).to_contain_text("150%")
    expect(row.locator("td").first).to_contain_text("booked elsewhere 20 h")
    over = page.locator("table.conflicts-table tbody tr")
    expect(over).to_have_count(5)
    expect(over.first).to_contain_text("Move DNS")
    expect(over.first).to_contain_text("Across projects")
    expect(page.locator("body")).not_to_contain_text("SOC2")
    expect(page.locator("body")).not_to_contain_text("Evidence pack")
    snap(page, "people")
    page.get_by_label("Role", exact=True).select_option("Backend developer")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.portfolio-heatmap tbody tr")).to_have_count(1)
