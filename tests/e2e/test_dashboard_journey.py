"""Browser journey through the portfolio dashboard (the landing page): health badges with their
words, twelve weeks of demo history in the sparklines, filtering by health, sorting worst first,
searching, and a project's KPI panel on its overview."""

import re

import pytest
from playwright.sync_api import Page, expect

from reports.models import KpiSnapshot
from tests.e2e.helpers import htmx_idle

pytestmark = pytest.mark.e2e

DEMO_KEYS = ["PORTAL", "CLOUD", "SOC2", "ERP", "WAN"]
WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}


def _latest_health() -> dict[str, tuple[int, str]]:
    """Each demo project's pk and the health of its latest snapshot, as the database has it."""
    latest = {}
    for s in KpiSnapshot.objects.select_related("project").order_by("as_of"):
        latest[s.project.key] = (s.project_id, s.health)
    return latest


def test_dashboard_journey_health_trends_filter_sort_search(browser_tab: Page, demo_data, snap):
    """The demo manager reads each project's health in words, sees weeks of trend in every
    sparkline, narrows to one health, sorts worst first, searches, and opens a project's KPIs."""
    page = browser_tab
    page.goto("/")
    page.get_by_label("Username or e-mail").fill("demo")
    page.get_by_label("Password").fill("charter-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()
    expect(page.get_by_text("computed nightly and again shortly after a change")).to_be_visible()
    table = page.locator("#project-table table")
    rows = table.locator("tbody tr[id^='project-']")
    expect(rows).to_have_count(len(DEMO_KEYS))
    health = _latest_health()
    assert sorted(health) == sorted(DEMO_KEYS)

    # Health as a badge with its word, the one the latest snapshot holds; sparklines with weeks
    # of points, each with words that stand in for it.
    for key, (pk, rag) in health.items():
        row = page.locator(f"#project-{pk}")
        expect(row.locator("td").nth(1).locator(".rag")).to_have_text(WORDS[rag])
        sparks = row.locator("svg.sparkline")
        expect(sparks).to_have_count(3)
        for n in range(3):
            label = sparks.nth(n).get_attribute("aria-label")
            count = int(re.search(r"over (\d+) snapshots", label).group(1))
            points = sparks.nth(n).locator("polyline").get_attribute("points")
            assert len(points.split()) == count
            # % complete is known every week; SPI and CPI have no value before work is planned
            # or money spent (a project starting late in the window), and skip those weeks.
            if label.startswith("% complete"):
                assert count >= 8, (key, label)
    snap(page, "dashboard")

    # Filter by health: only the projects of that rating, and the filter is in the URL.
    htmx_idle(page)
    worst = "red" if any(r == "red" for _, r in health.values()) else "amber"
    expected = sorted(k for k, (_, r) in health.items() if r == worst)
    page.get_by_label("Health").select_option(worst)
    expect(page).to_have_url(re.compile(rf"health={worst}"))
    expect(rows).to_have_count(len(expected))
    for key in expected:
        expect(table.get_by_role("link", name=key, exact=True)).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(len(DEMO_KEYS))

    # Closed projects are grouped apart by default; without grouping, sort by health: worst
    # first, then reversed.
    expect(table.locator("tr.group-row")).to_have_count(2)
    htmx_idle(page)
    page.get_by_label("Group by").select_option("none")
    expect(page).to_have_url(re.compile(r"group=none"))
    expect(table.locator("tr.group-row")).to_have_count(0)
    htmx_idle(page)
    table.get_by_role("link", name="Health").click()
    expect(page).to_have_url(re.compile(r"sort=health"))
    expect(rows.first.locator("td").nth(1).locator(".rag")).to_have_text(WORDS[worst])
    htmx_idle(page)
    table.get_by_role("link", name="Health").click()
    expect(page).to_have_url(re.compile(r"sort=-health"))
    expect(rows.last.locator("td").nth(1).locator(".rag")).to_have_text(WORDS[worst])

    # Search as you type narrows the table in place.
    htmx_idle(page)
    page.get_by_label("Search").fill("data-centre")  # only in CLOUD's name
    expect(rows).to_have_count(1)
    expect(table.get_by_role("link", name="CLOUD", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=data-centre"))

    # The project's overview loads its KPI panel: health, tiles with trends, every figure.
    table.get_by_role("link", name="CLOUD", exact=True).click()
    panel = page.locator("#kpi-panel")
    expect(panel.get_by_role("heading", name="KPIs and health")).to_be_visible()
    expect(panel.locator(".health-overall .rag")).to_have_text(
        f"Overall health: {WORDS[health['CLOUD'][1]]}"
    )
    tiles = panel.locator(".kpi-tile")
    expect(tiles.first).to_be_visible()
    label = panel.locator("#tile-percent_complete svg.sparkline").get_attribute("aria-label")
    assert int(re.search(r"over (\d+) snapshots", label).group(1)) >= 8
    panel.get_by_text("All figures of this snapshot").click()
    expect(panel.locator('[data-kpi-figure="EAC"]')).to_be_visible()
    snap(page, "project-kpis")
