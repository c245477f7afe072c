"""Browser journey on a phone (390 × 844, an iPhone 12–15): the portfolio dashboard as one card per
project with its SPI and CPI on screen, and a Gantt that uses the screen's width."""

import pytest
from django.db.models import Count
from playwright.sync_api import Page, expect

from projects.models import Project

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_tab(chromium_browser, live_server):
    """A fresh browser tab with a phone's viewport, whose relative URLs go to the live server."""
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Username or e-mail").fill("demo")
    page.get_by_label("Password").fill("charter-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()


def _within_screen(page: Page, box: dict | None) -> bool:
    width = page.viewport_size["width"]
    return (
        box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width
    )


def test_mobile_dashboard_shows_spi_and_cpi_of_every_project_on_screen(
    phone_tab: Page, demo_data, snap
):
    """At 390 px every project is a card whose SPI and CPI, labelled, lie inside the screen."""
    page = phone_tab
    _log_in(page)
    rows = page.locator("#project-table table tbody tr[id^='project-']")
    expect(rows).to_have_count(Project.objects.count())
    snap(page, "mobile-dashboard")
    for i in range(rows.count()):
        row = rows.nth(i)
        for label in ("SPI", "CPI"):
            cell = row.locator(f'td[data-label="{label}"]')
            cell.scroll_into_view_if_needed()
            expect(cell).to_be_visible()
            assert _within_screen(page, cell.bounding_box()), (i, label, cell.bounding_box())
            value = cell.inner_text().split()[-1]
            assert value == "—" or float(value) >= 0, (i, label, value)
    # The page itself does not scroll sideways: the table became cards.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_mobile_gantt_spans_the_screen_and_leaves_the_timeline_room(
    phone_tab: Page, demo_data, snap
):
    """At 390 px the Gantt spans the screen and most of it is timeline, which scrolls sideways."""
    page = phone_tab
    _log_in(page)
    project = Project.objects.annotate(n=Count("tasks")).order_by("-n").first()
    assert project.n > 0
    page.goto(f"/projects/{project.pk}/schedule/gantt/")
    scroller = page.locator(".gantt-scroll")
    expect(scroller).to_be_visible()
    snap(page, "mobile-gantt")
    box = scroller.bounding_box()
    assert box["width"] >= PHONE["width"] - 2, box
    names = page.locator(".gantt-grid").bounding_box()
    assert box["width"] - names["width"] >= 220, (box, names)
    assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", scroller.element_handle())
