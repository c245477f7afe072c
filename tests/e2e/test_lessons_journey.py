"""Browser journey: a member records a lesson on a closed project, finds it from the lessons
search as they type (never a lesson of a project they cannot see), and a new project of the same
type offers it on its overview while it is being planned."""

import pytest
from playwright.sync_api import Page, expect

from projects.models import Project
from reports.services.lessons import lesson_create
from tests.e2e.helpers import htmx_idle
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e


@pytest.fixture
def lesson_projects(transactional_db):
    """Maria's closed software project and new one in planning; Oscar's project with a lesson
    that uses the same words."""
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    oscar = UserFactory(username="oscar", first_name="Oscar", last_name="Outsider")
    closed = project_with(manager=maria)
    Project.objects.filter(pk=closed.pk).update(stage=Project.Stage.CLOSED, name="Old portal")
    new = project_with(manager=maria)
    Project.objects.filter(pk=new.pk).update(stage=Project.Stage.PLANNING, name="New portal")
    hidden = project_with(manager=oscar)
    lesson_create(
        project=hidden,
        by=oscar,
        category="vendors",
        title="Oscar's vendor secret",
        what_happened="The vendor missed the penalty clause.",
        recommendation="Keep it quiet.",
    )
    return Project.objects.get(pk=closed.pk), Project.objects.get(pk=new.pk)


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()


def test_lessons_journey(browser_tab: Page, lesson_projects, password, snap):
    """Add on a closed project, search live, and see it offered to the new project."""
    page = browser_tab
    closed, new = lesson_projects
    _log_in(page, "maria", password)

    page.goto(f"/projects/{closed.pk}/")
    page.get_by_role("navigation", name=f"{closed.key} areas").get_by_role(
        "link", name="Lessons learned"
    ).click()
    expect(page.get_by_text("lessons learned can still be added")).to_be_visible()
    page.get_by_label("Title").fill("Vendor penalties saved the launch")
    page.get_by_label("Category").select_option("vendors")
    page.get_by_label("Tags").fill("Vendor, Contract")
    page.get_by_label("What happened").fill("The vendor was late; the penalty clause paid for it.")
    page.get_by_label("Recommendation").fill("Write delivery penalties into every contract.")
    page.get_by_role("button", name="Add lesson").click()
    expect(page.get_by_role("status")).to_contain_text("Vendor penalties saved the launch")
    expect(page.get_by_role("link", name="contract", exact=True)).to_be_visible()
    snap(page, "lessons-closed-project")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lessons").click()
    expect(page.get_by_role("heading", name="Lessons learned", level=1)).to_be_visible()
    htmx_idle(page)
    page.get_by_role("searchbox", name="Search").fill("penalty")
    results = page.locator("#lesson-results")
    expect(results).to_contain_text("1 lesson found")
    expect(results).to_contain_text("Vendor penalties saved the launch")
    expect(results).not_to_contain_text("Oscar")
    assert "q=penalty" in page.url
    htmx_idle(page)
    page.get_by_label("Category").select_option("people")
    expect(results).to_contain_text("No lessons match")
    snap(page, "lessons-search")

    page.goto(f"/projects/{new.pk}/")
    panel = page.locator("#lessons-offered")
    expect(panel).to_contain_text("Lessons from earlier software delivery projects")
    expect(panel).to_contain_text("Vendor penalties saved the launch")
    expect(panel).not_to_contain_text("Oscar")
    snap(page, "lessons-offered")
