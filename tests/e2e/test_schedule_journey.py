"""Browser journey: a manager plans two tasks, links them, and watches the Gantt follow."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.helpers import htmx_idle
from tests.factories import ProjectFactory, UserFactory, project_with

pytestmark = pytest.mark.e2e


def _bar(page: Page, name: str):
    """The Gantt bar of the task called ``name`` (found through its row's link)."""
    href = page.locator(".gantt-grid a", has_text=name).get_attribute("href")
    return page.locator(f'svg.gantt-body a[href="{href}"] rect.bar')


def _x_span(bar) -> tuple[float, float]:
    x, width = float(bar.get_attribute("x")), float(bar.get_attribute("width"))
    return x, x + width


def test_schedule_journey_link_two_tasks_and_move_the_gantt(
    browser_tab: Page, transactional_db, snap
):
    """Add Design and Build, link them finish-to-start, see Build's bar after Design's, then
    lengthen Design in the task table and see Build move right on the Gantt."""
    user = UserFactory(username="pat", first_name="Pat", last_name="Planner")
    ProjectFactory(key="OTHER")  # someone else's project, not in the way
    project = project_with(manager=user)
    project.start_date = datetime.date(2026, 1, 5)  # a Monday
    project.save()

    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/projects/{project.pk}/")
    nav = page.get_by_role("navigation", name=f"{project.key} areas")
    nav.get_by_role("link", name="Tasks", exact=True).click()
    expect(page.get_by_role("heading", name="Tasks", exact=True)).to_be_visible()

    for name, days in (("Design", "3"), ("Build", "2")):
        page.locator("summary", has_text="Add task").click()
        form = page.get_by_role("form", name="Add a task")
        form.get_by_label("Name").fill(name)
        form.get_by_label("Duration (working days)").fill(days)
        form.get_by_role("button", name="Add").click()
        expect(page.get_by_text(f"Added “{name}”")).to_be_visible()
    table = page.locator("#task-table")
    expect(table.locator("tbody tr")).to_have_count(2)

    # Link them on Build's page: Design is its predecessor, finish to start.
    table.get_by_role("link", name="Build", exact=True).click()
    page.get_by_label("Add a predecessor").select_option(label="1 · Design")
    page.get_by_label("Type", exact=True).select_option("FS")
    page.get_by_role("button", name="Add link").click()
    expect(page.get_by_text("“Design” is now a predecessor (FS)")).to_be_visible()
    expect(page.get_by_text("8 Jan 2026 – 9 Jan 2026")).to_be_visible()

    nav.get_by_role("link", name="Gantt").click()
    expect(page.get_by_role("heading", name="Gantt chart")).to_be_visible()
    design, build = _bar(page, "Design"), _bar(page, "Build")
    expect(build).to_have_attribute("data-start", "2026-01-08")
    assert _x_span(design)[1] <= _x_span(build)[0]  # Build starts where Design ends, or after
    first_x = _x_span(build)[0]
    snap(page, "gantt-two-tasks")

    # Lengthen Design in place in the task table; the whole table comes back with new dates.
    page.get_by_role("link", name="The same plan as a table").click()
    expect(page.locator("#task-table tr", has_text="Build").locator("td.preds")).to_have_text("1")
    row = page.locator("#task-table tr", has_text="Design")
    htmx_idle(page)  # the Edit link swaps the row in place once htmx has bound it
    row.get_by_role("link", name=re.compile("^Edit")).click()
    editing = page.locator("#task-table tr.editing")
    expect(editing).to_be_visible()
    htmx_idle(page)
    editing.get_by_label("Duration (working days)").fill("5")
    editing.get_by_role("button", name="Save").click()
    expect(page.locator("#task-table tr", has_text="Build")).to_contain_text("Tue 13 Jan 26")
    expect(page.locator("#task-table tr", has_text="Design")).to_contain_text("Saved")

    page.get_by_role("link", name="Gantt chart").click()
    build = _bar(page, "Build")
    expect(build).to_have_attribute("data-start", "2026-01-12")
    assert _x_span(build)[0] > first_x  # moved right, over the weekend
    assert _x_span(_bar(page, "Design"))[1] <= _x_span(build)[0]
    snap(page, "gantt-moved")
