"""Browser journey: a manager fills a RACI row with two A's, sees the refusal naming the row,
fixes it to one A and one R and sees it saved, without leaving the matrix."""

import pytest
from playwright.sync_api import Page, expect

from projects import services as project_services
from stakeholders import services
from stakeholders.models import RaciEntry
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def raci_project(transactional_db):
    """A project with a WBS, a manager, a developer and a sponsor in the register."""
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    dev = UserFactory(username="dev", first_name="Dev", last_name="Eloper")
    project = project_with(manager=maria, member=dev)
    project_services.work_package_add(project=project, by=maria, name="Design")
    services.stakeholder_create(project=project, by=maria, name="Sam Sponsor", power=5, interest=5)
    return project


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()


def test_raci_journey_one_a_rule(browser_tab: Page, raci_project, password, snap):
    """Two A's are refused with the row named; one A and one R are saved in place."""
    page = browser_tab
    project = raci_project
    _log_in(page, "maria", password)
    page.goto(f"/projects/{project.pk}/")
    nav = page.get_by_role("navigation", name=f"{project.key} areas")
    nav.get_by_role("link", name="RACI").click()
    expect(page.get_by_role("heading", name="RACI matrix")).to_be_visible()
    htmx_idle(page)

    row = page.locator("tr", has=page.get_by_text("1 Design", exact=True))
    row.get_by_role("link", name="Edit 1 Design").click()
    sam = page.get_by_label("Sam Sponsor's role for 1 Design")
    expect(sam).to_be_visible()
    htmx_idle(page)
    sam.select_option("A")
    page.get_by_label("Maria Manager's role for 1 Design").select_option("A")
    page.get_by_label("Dev Eloper's role for 1 Design").select_option("R")
    page.get_by_role("button", name="Save 1 Design").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Row “1 Design” needs exactly one A (accountable) and has 2")
    expect(alert).to_contain_text("Maria Manager, Sam Sponsor")
    snap(page, "raci-refused")
    assert not RaciEntry.objects.exists()

    htmx_idle(page)
    page.get_by_label("Maria Manager's role for 1 Design").select_option("I")
    page.get_by_role("button", name="Save 1 Design").click()

    saved_row = page.locator("tr", has=page.get_by_text("1 Design", exact=True))
    expect(saved_row.get_by_role("status")).to_have_text("Saved.")
    expect(saved_row.get_by_title("Sam Sponsor: A")).to_be_visible()
    expect(saved_row.get_by_title("Dev Eloper: R")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    snap(page, "raci-saved")
    roles = sorted(RaciEntry.objects.values_list("role", flat=True))
    assert roles == ["A", "I", "R"]

    # The page keeps it: a reload shows the same cells.
    page.reload()
    expect(
        page.locator("tr", has=page.get_by_text("1 Design", exact=True)).get_by_title(
            "Sam Sponsor: A"
        )
    ).to_be_visible()
