"""Browser journey: a manager plans a budget line, records a cost, sees the budget's actual and
variance move, then reads the earned-value tiles."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


def test_budget_journey_line_and_cost_move_the_variance_then_earned_value(
    browser_tab: Page, transactional_db, snap
):
    """Add a €1,000 software line (htmx), record a €1,250 invoice, see actual €1,250 and a
    −€250 variance flagged over budget, then open Earned value and see its tiles."""
    user = UserFactory(username="bea", first_name="Bea", last_name="Budget")
    project = project_with(manager=user)
    project.start_date = datetime.date(2026, 1, 5)
    project.save()

    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("bea")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/projects/{project.pk}/")
    nav = page.get_by_role("navigation", name=f"{project.key} areas")
    nav.get_by_role("link", name="Budget", exact=True).click()
    expect(page.get_by_role("heading", name="Budget", exact=True)).to_be_visible()
    htmx_idle(page)

    form = page.get_by_role("form", name="Add a budget line")
    form.get_by_label("Category").select_option(label="Software and licences")
    form.get_by_label("Description").fill("Licences")
    form.get_by_label("Planned amount").fill("1000.00")
    form.get_by_role("button", name="Add budget line").click()
    expect(page.get_by_text("Budget line “Licences” added: €1,000.00.")).to_be_visible()
    htmx_idle(page)
    software = page.locator("#category-software")
    expect(software).to_contain_text("Within budget")
    expect(page.locator('[data-total="actual"]')).to_have_text("€0")

    page.get_by_role("navigation", name="Budget", exact=True).get_by_role(
        "link", name="Actual costs"
    ).click()
    htmx_idle(page)
    page.locator("summary", has_text="Record a cost").click()
    cost = page.get_by_role("form", name="Record a cost or a credit")
    cost.get_by_label("Date").fill("2026-01-09")
    cost.get_by_label("Amount").fill("1250.00")
    cost.get_by_label("Category").select_option(label="Software and licences")
    cost.get_by_label("Vendor").fill("Atlassian")
    cost.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Cost of €1,250.00 on 9 Jan 2026 recorded")).to_be_visible()
    expect(page.locator(".actuals-table tbody tr")).to_have_count(1)
    htmx_idle(page)

    nav.get_by_role("link", name="Budget", exact=True).click()
    expect(page.locator('[data-total="actual"]')).to_have_text("€1,250")
    expect(page.locator('[data-total="variance"]')).to_have_text("−€250")
    expect(software).to_contain_text("Over budget by €250.00")
    snap(page, "budget")

    nav.get_by_role("link", name="Earned value").click()
    expect(page.get_by_role("heading", name="Earned value", exact=True)).to_be_visible()
    expect(page.locator('[data-kpi="ac"]')).to_have_text("€1,250.00")
    expect(page.locator('[data-kpi="cpi"]')).to_have_text("0.00")
    expect(page.locator("#tile-cpi")).to_contain_text("Every €1 spent earns €0.00 of planned work")
    expect(page.locator("#tile-spi")).to_contain_text("—")
    expect(page.locator("svg.money-chart")).to_be_visible()
    snap(page, "earned-value")
