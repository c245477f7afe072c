"""Browser journey: a manager closes a project, the sponsor signs it off, the project is closed
and read-only, and the manager reopens it."""

import pytest
from playwright.sync_api import Page, expect

from projects.models import Project
from reports.models import Closure
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with
from tests.reports.closure_support import sponsor_of

pytestmark = pytest.mark.e2e


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_closure_journey(chromium_browser, live_server, transactional_db, password, snap):
    """Start, tick (htmx), submit to the sponsor, the sponsor approves in their own session, the
    project shows closed and read-only, the manager reopens it with a reason."""
    manager = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    sponsor_user = UserFactory(username="sam", first_name="Sam", last_name="Sponsor")
    project = project_with(manager=manager, viewer=sponsor_user)
    sponsor_of(project, sponsor_user)

    def tab() -> Page:
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        return context.new_page()

    page = tab()
    _log_in(page, "maria", password)
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("navigation", name=f"{project.key} areas").get_by_role(
        "link", name="Closure"
    ).click()
    page.get_by_role("button", name="Start closure").click()
    expect(page.get_by_text("is now in closing")).to_be_visible()
    checklist = page.locator("#checklist")
    expect(checklist.get_by_text("No open issues in the issue log.")).to_be_visible()
    htmx_idle(page)

    # Tick every manual item in place; htmx swaps the checklist after each.
    closure = Closure.objects.get(project=project)
    for item in closure.items.filter(rule="").order_by("position"):
        row = page.locator(f"#item-{item.pk}")
        row.get_by_label("Note").fill(f"Done: {item.title[:20]}")
        row.get_by_role("button", name="Mark as done").click()
        expect(page.locator(f"#item-{item.pk}").get_by_role("button")).to_have_text(
            "Mark as not done"
        )
        htmx_idle(page)
    expect(checklist.get_by_role("status")).to_contain_text("0 open")
    snap(page, "closure-checklist")

    page.get_by_label("Sponsor who signs off").select_option(label="Sam Sponsor")
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_text("sent to Sam Sponsor for sign-off")).to_be_visible()
    expect(page.get_by_text("Awaiting sign-off").first).to_be_visible()

    # The sponsor, in a session of their own, approves.
    closure.refresh_from_db()
    sponsor = tab()
    _log_in(sponsor, "sam", password)
    sponsor.goto(f"/projects/{project.pk}/approvals/{closure.approval_id}/")
    sponsor.get_by_label("Approve").check()
    sponsor.get_by_role("button", name="Record my decision").click()
    sponsor.goto(f"/projects/{project.pk}/closure/")
    expect(sponsor.get_by_text("— read-only")).to_be_visible()

    # The manager sees the project closed, read-only, and reopens it.
    page.reload()
    expect(page.get_by_text("— read-only")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as done")).to_have_count(0)
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSED
    snap(page, "closure-closed")
    page.get_by_label("Why reopen?").fill("Audit found a missing runbook")
    page.get_by_role("button", name="Reopen").click()
    expect(page.get_by_text("is reopened and back in closing")).to_be_visible()
    expect(page.get_by_text("Audit found a missing runbook")).to_be_visible()
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSING
