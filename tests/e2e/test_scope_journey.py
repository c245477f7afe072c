"""Browser journey: a manager builds a small WBS and takes a change request through control."""

import re

import pytest
from playwright.sync_api import Page, expect

from projects.models import ChangeRequest, WorkPackage
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


def _tree(page: Page) -> list[tuple[str, str]]:
    """The (code, name) of each row of the WBS table, top to bottom."""
    rows = page.locator("#wbs-tree tbody tr[id^='wp-']:not([id$='-editor'])")
    codes = rows.locator(".wbs-code").all_inner_texts()
    names = rows.locator(".wbs-label").all_inner_texts()
    return list(zip(codes, names, strict=True))


def test_scope_journey_wbs_and_change_control(browser_tab: Page, transactional_db, password, snap):
    """A manager adds and rearranges work packages, then raises, submits and approves a change."""
    manager = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    project = project_with(manager=manager)
    page = browser_tab

    page.goto("/")
    page.get_by_label("Username or e-mail").fill("maria")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.locator("#project-table").get_by_role("link", name=project.key, exact=True).click()
    nav = page.get_by_role("navigation", name=f"{project.key} areas")
    nav.get_by_role("link", name="WBS").click()
    expect(page.get_by_role("heading", name="Work breakdown structure")).to_be_visible()
    # The tree's forms go through htmx once it has bound them; on a busy machine a click could
    # come first and post the plain form instead (which works, but is not what is tested here).
    htmx_idle(page)

    # Two top-level packages, added in place (htmx keeps the page and the focus).
    tree = page.locator("#wbs-tree")
    new_top = page.get_by_label("New top-level work package")
    new_top.fill("Design")
    new_top.press("Enter")
    expect(tree.get_by_text("Added 1 Design.")).to_be_visible()
    htmx_idle(page)
    new_top = page.get_by_label("New top-level work package")
    new_top.fill("Build")
    page.get_by_role("button", name="Add work package").click()
    expect(tree.get_by_text("Added 2 Build.")).to_be_visible()
    htmx_idle(page)

    # A child under Design, from the package's editor.
    page.get_by_role("link", name="Edit 1 Design").click()
    expect(page.get_by_label("Add a package under 1")).to_be_visible()
    htmx_idle(page)
    page.get_by_label("Add a package under 1").fill("UX research")
    page.get_by_role("button", name="Add child").click()
    expect(tree.get_by_text("Added 1.1 UX research.")).to_be_visible()
    htmx_idle(page)
    assert _tree(page) == [("1", "Design"), ("1.1", "UX research"), ("2", "Build")]

    # Indent Build under Design (after UX), then move it up: the codes renumber each time.
    page.get_by_role("button", name="Indent: 2 Build").click()
    expect(tree.get_by_text("Moved Build: 2 is now 1.2.")).to_be_visible()
    htmx_idle(page)
    page.get_by_role("button", name="Move up: 1.2 Build").click()
    expect(tree.get_by_text("Moved Build: 1.2 is now 1.1.")).to_be_visible()
    htmx_idle(page)
    assert _tree(page) == [("1", "Design"), ("1.1", "Build"), ("1.2", "UX research")]
    # An impossible move is explained next to the tree.
    page.get_by_role("button", name="Move up: 1.1 Build").click()
    expect(tree.get_by_role("alert")).to_have_text("1.1 is already first at its level.")
    htmx_idle(page)
    snap(page, "wbs")
    assert list(
        WorkPackage.objects.filter(project=project).order_by("sort_key").values_list("code", "name")
    ) == [("1", "Design"), ("1.1", "Build"), ("1.2", "UX research")]

    # A change request: drafted, submitted, approved with a reason.
    nav.get_by_role("link", name="Changes").click()
    page.get_by_role("link", name="New change request").click()
    page.get_by_label("Title").fill("Add Safari support")
    page.get_by_label("Schedule impact (working days)").fill("5")
    page.get_by_label("Cost impact (EUR)").fill("1200")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("CR-001 saved as a draft.")).to_be_visible()
    page.get_by_role("button", name="Submit for decision").click()
    expect(page.get_by_text("CR-001 is now submitted.")).to_be_visible()

    page.get_by_role("button", name="Approve").click()  # no reason yet: refused in place
    expect(page.locator("#decision-reason-error")).to_contain_text("Record why")
    page.get_by_label("Reason for the decision").fill("Top customer request; fits the buffer.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("CR-001 is now approved.")).to_be_visible()
    decision = page.locator("li.decision")
    expect(decision).to_contain_text("Approved")
    expect(decision).to_contain_text("by Maria Manager")
    expect(decision).to_contain_text("Top customer request; fits the buffer.")
    snap(page, "change_request")

    page.get_by_role("link", name="Change log").first.click()
    row = page.locator("tbody tr", has_text="CR-001")
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text("Maria Manager")
    totals = page.locator("dl[aria-label='Change log totals']")
    expect(totals).to_contain_text(re.compile(r"\+5\s+working days"))
    expect(totals).to_contain_text("+€1,200.00")
    expect(page.locator("tfoot")).to_contain_text("1 of 1 change request")
    snap(page, "change_log")
    change = ChangeRequest.objects.get(project=project)
    assert (change.status, change.decided_by) == ("approved", manager)
