"""Browser journey: the demo manager opens a project's status reports, builds this week's report,
writes the summary in place and sees it in the preview, as recipients will."""

import re

import pytest
from playwright.sync_api import Page, expect

from projects.models import Project
from reports.models import StatusReport
from tests.e2e.helpers import htmx_idle

pytestmark = pytest.mark.e2e


def test_status_report_journey_build_then_edit_the_summary_in_place(
    browser_tab: Page, demo_data, snap
):
    """Archive (last week sent, delivered) → build this week's → edit the summary with htmx →
    the preview shows it, and it is still there after a reload."""
    project = Project.objects.get(key="PORTAL")
    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("demo")
    page.get_by_label("Password").fill("charter-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()

    page.goto(f"/projects/{project.pk}/")
    nav = page.get_by_role("navigation", name="PORTAL areas")
    nav.get_by_role("link", name="Status reports").click()
    expect(page.get_by_role("heading", name=re.compile("^Status reports"))).to_be_visible()
    rows = page.locator(".status-report-table tbody tr")
    expect(rows).to_have_count(2)  # the demo: last week's (sent) and this week's (draft)
    expect(rows.nth(1)).to_contain_text("Sent")
    snap(page, "status-archive")

    page.get_by_role("button", name="Build this week's report").click()
    expect(page.get_by_text(re.compile(r"Report for the week of .* built\."))).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"PORTAL · .*status, week of"))
    ).to_be_visible()
    preview = page.locator(".sr-preview")
    expect(preview.get_by_role("heading", name="Key figures")).to_be_visible()
    expect(preview.locator("svg.status-chart")).to_have_count(3)
    # The change since last week comes from last week's (sent) report.
    expect(preview).to_contain_text("Change since last week’s report")
    htmx_idle(page)

    url = page.url
    page.get_by_role("link", name="Edit summary").click()
    summary = page.get_by_label("Your summary")
    expect(summary).to_be_visible()
    expect(page).to_have_url(url)  # swapped in place, no navigation
    summary.fill("SSO is live in staging; the partner API slips a week.")
    page.get_by_role("button", name="Save summary").click()
    expect(page.locator("#sr-summary-box").get_by_role("status")).to_have_text("Summary saved.")
    box = page.locator("#sr-summary-box")
    expect(box).to_contain_text("SSO is live in staging; the partner API slips a week.")
    expect(page).to_have_url(url)
    snap(page, "status-report")

    report = StatusReport.objects.get(project=project, status="draft")
    assert report.summary == "SSO is live in staging; the partner API slips a week."
    page.reload()
    expect(page.locator(".sr-preview")).to_contain_text("the partner API slips a week.")
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
