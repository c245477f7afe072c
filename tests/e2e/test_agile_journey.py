"""Browser journey: a Scrum manager fills the backlog, plans and starts a sprint, moves a card to
done on the board and sees the burndown's table drop."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from projects.models import Project
from scheduling import services
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def scrum_project(transactional_db, password):
    """A Scrum project managed by ``maria``. Its team works every day of the week, so today is
    always a working day of the sprint, whatever day the suite runs."""
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    project = project_with(manager=maria)
    project.methodology = Project.Methodology.SCRUM
    project.start_date = datetime.date(2025, 1, 6)
    project.save()
    services.calendar_update(
        project=project, by=maria, version=None, working_weekdays=[1, 2, 3, 4, 5, 6, 7]
    )
    return project


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()


def test_agile_journey_backlog_to_burndown(browser_tab: Page, scrum_project, password, snap):
    """Two items go into a new sprint; moving one to done drops today's remaining points."""
    page = browser_tab
    project = scrum_project
    today = project.today()
    _log_in(page, "maria", password)
    page.goto(f"/projects/{project.pk}/")
    nav = page.get_by_role("navigation", name=f"{project.key} areas")
    expect(nav.get_by_role("link", name="Phases and gates")).to_have_count(0)

    # The backlog: two items with their points.
    nav.get_by_role("link", name="Backlog").click()
    expect(page.get_by_text("The backlog is empty")).to_be_visible()
    for title, points in [("Sign in with SSO", "8"), ("See my invoices", "5")]:
        page.get_by_label("New item").fill(title)
        page.get_by_label("Points").fill(points)
        page.get_by_role("button", name="Add to backlog").click()
        expect(page.get_by_role("cell", name=title, exact=True)).to_be_visible()
    expect(page.locator("#backlog-summary")).to_contain_text("13 points of work remain")

    # Plan a sprint from today.
    nav.get_by_role("link", name="Sprints").click()
    page.get_by_role("link", name="Plan a sprint").first.click()
    page.get_by_label("Name").fill("Sprint 1")
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("Finish date").fill((today + datetime.timedelta(days=13)).isoformat())
    page.get_by_label("Capacity (points)").fill("15")
    page.get_by_label("Goal").fill("Customers sign in and see invoices")
    page.get_by_role("button", name="Plan sprint").click()
    expect(page.get_by_text("Sprint 1 planned")).to_be_visible()

    # Put both items in it from the backlog (the row's select saves in place).
    nav.get_by_role("link", name="Backlog").click()
    # The selects save through htmx, which binds them once the page has loaded; a change
    # fired before that (a busy machine) would send nothing.
    htmx_idle(page)
    for title in ["Sign in with SSO", "See my invoices"]:
        with page.expect_response(re.compile(r"/assign/$")):
            page.get_by_label(f"Sprint of {title}").select_option(label="Sprint 1")
        expect(page.get_by_label(f"Sprint of {title}")).to_have_value(re.compile(r"\d+"))
        htmx_idle(page)
    snap(page, "agile-backlog")

    # Start it: the board opens with both cards to do.
    nav.get_by_role("link", name="Sprints").click()
    row = page.locator("tr", has_text="Sprint 1")
    expect(row.get_by_role("cell", name="13", exact=True)).to_be_visible()
    row.get_by_role("button", name="Start Sprint 1").click()
    expect(page.get_by_text("Sprint 1 started.")).to_be_visible()
    todo = page.locator(".col-todo")
    expect(todo.locator(".card")).to_have_count(2)

    # Before: today's row of the burndown shows all 13 points remaining.
    page.get_by_role("navigation", name="Sprint 1 views").get_by_role(
        "link", name="Burndown"
    ).click()
    today_row = page.locator(".burndown-table tbody tr.current")
    expect(today_row.locator("td.remaining")).to_have_text("13")

    # Move one card to done on the board (htmx swaps the board in place).
    page.get_by_role("navigation", name="Sprint 1 views").get_by_role("link", name="Board").click()
    htmx_idle(page)
    page.get_by_role("button", name="Move See my invoices to Done").click()
    expect(page.locator(".col-done .card")).to_have_count(1)
    expect(page.locator("#board-remaining")).to_have_text("8")
    snap(page, "agile-board")

    # After: the burndown's table shows the drop today.
    page.get_by_role("navigation", name="Sprint 1 views").get_by_role(
        "link", name="Burndown"
    ).click()
    expect(today_row.locator("td.remaining")).to_have_text("8")
    expect(page.locator("#burndown-summary")).to_contain_text("8 points remain")
    snap(page, "agile-burndown")
