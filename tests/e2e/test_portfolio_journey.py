"""Browser journeys: a newcomer logs in to the demo data, finds the portfolio, creates a project,
and manages a project's members."""

import re

import pytest
from playwright.sync_api import Page, expect

from projects.models import Membership, Role
from tests.e2e.helpers import htmx_idle

pytestmark = pytest.mark.e2e

DEMO_KEYS = ["PORTAL", "CLOUD", "SOC2", "ERP", "WAN"]


def _log_in(page: Page, username: str = "demo", password: str = "charter-demo") -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()


@pytest.mark.date_sensitive
def test_portfolio_journey_demo_manager_creates_a_project(browser_tab: Page, demo_data, snap):
    """The demo manager logs in, sees the four demo projects, filters, creates one and finds it."""
    page = browser_tab
    _log_in(page)
    table = page.locator("#project-table table")
    for key in DEMO_KEYS:
        expect(table.get_by_role("link", name=key, exact=True)).to_be_visible()
    expect(table.locator("tbody tr[id^='project-']")).to_have_count(len(DEMO_KEYS))
    snap(page, "portfolio")

    # Filtering swaps just the table (htmx) and keeps the filters in the URL. htmx binds the
    # filters once the page has loaded; on a busy machine a change could come first.
    htmx_idle(page)
    page.get_by_label("Type").select_option("cybersecurity")
    expect(table.locator("tbody tr[id^='project-']")).to_have_count(1)
    expect(table.get_by_role("link", name="SOC2", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"type=cybersecurity"))
    page.get_by_role("link", name="Clear filters").click()
    expect(table.locator("tbody tr[id^='project-']")).to_have_count(len(DEMO_KEYS))

    # Sorting by a column header reorders in place; a second click reverses. (The landing page is
    # the dashboard, which sorts by the next milestone: PORTAL's is the earliest, ERP's the last.)
    table.get_by_role("link", name="Next milestone").click()
    expect(page).to_have_url(re.compile(r"sort=milestone"))
    expect(table.locator("tbody tr[id^='project-']").first).to_contain_text("PORTAL")
    table.get_by_role("link", name="Next milestone").click()
    expect(page).to_have_url(re.compile(r"sort=-milestone"))
    expect(table.locator("tbody tr[id^='project-']").first).to_contain_text("ERP")

    page.get_by_role("link", name="New project").first.click()
    expect(page.get_by_role("heading", name="New project")).to_be_visible()
    page.get_by_label("Name").fill("Service desk replacement")
    page.get_by_label("Key").fill("desk")
    page.get_by_label("Type").select_option("software")
    page.get_by_label("Methodology").select_option("scrum")
    page.get_by_label("Start date").fill("2027-01-04")
    page.get_by_label("Target finish").fill("2026-12-01")
    page.get_by_role("button", name="Create project").click()
    # An inline error next to the field, and nothing saved.
    expect(page.locator("#id_target_finish_error")).to_contain_text("cannot be before the start")
    page.get_by_label("Target finish").fill("2027-06-30")
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_role("heading", name=re.compile("Service desk replacement"))).to_be_visible()
    expect(page.get_by_text("Project DESK created")).to_be_visible()
    snap(page, "overview")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
    expect(table.locator("tbody tr[id^='project-']")).to_have_count(len(DEMO_KEYS) + 1)
    expect(table.get_by_role("link", name="DESK", exact=True)).to_be_visible()


def test_members_journey_add_by_email_and_change_role(browser_tab: Page, demo_data, snap):
    """A manager adds a colleague by e-mail as viewer, then makes them a member in place."""
    page = browser_tab
    _log_in(page)
    page.locator("#project-table").get_by_role("link", name="CLOUD", exact=True).click()
    page.get_by_role("navigation", name="CLOUD areas").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name=re.compile("Members"))).to_be_visible()

    page.get_by_label("Add a member: username or e-mail").fill("priya@charter.example")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("Priya Raman added as Viewer.")).to_be_visible()

    row = page.locator("tr", has_text="priya@charter.example")
    select = row.get_by_label("Role of Priya Raman")
    expect(select).to_have_value("viewer")
    htmx_idle(page)  # the role select saves through htmx
    select.select_option("member")
    expect(row.get_by_text("Saved")).to_be_visible()
    htmx_idle(page)
    membership = Membership.objects.get(project__key="CLOUD", user__username="priya")
    assert membership.role == Role.MEMBER
    snap(page, "members")

    # The last manager cannot step down: the refusal appears on their row.
    demo_row = page.locator("tr", has_text="demo@charter.example")
    demo_row.get_by_label("Role of Dana Morgan").select_option("member")
    expect(demo_row.get_by_role("alert")).to_contain_text("last manager")
    expect(demo_row.get_by_label("Role of Dana Morgan")).to_have_value("manager")
