"""Browser journey: a project manager starts a project from a binary MS Project plan (.mpp),
sees what would be imported, and imports it."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from projects.models import Project
from scheduling.models import Task
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

MPP = Path(__file__).parent.parent / "interchange" / "data" / "task-links-project2016-mpp14.mpp"


def test_import_journey_starts_a_project_from_an_mpp_file(
    browser_tab: Page, transactional_db, eager_tasks
):
    """Upload an .mpp on "Import a plan": the preview names the format and counts its tasks and
    links; "Import it" makes the project with its 16 tasks."""
    UserFactory(username="pat")
    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto("/imports/new/")
    expect(page.get_by_text("Primavera .xer or P6 XML")).to_be_visible()
    page.get_by_label("Plan file").set_input_files(str(MPP))
    page.get_by_label("Key").fill("LINKS")
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="What would be imported")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("MS Project (.mpp), read as MS Project XML by MPXJ.")).to_be_visible()
    counts = page.get_by_role("table", name="Counts")
    expect(counts.get_by_role("row", name="Tasks 16", exact=True)).to_be_visible()
    expect(counts.get_by_role("row", name="Dependencies 8", exact=True)).to_be_visible()

    page.get_by_role("button", name="Import it").click()
    expect(page.get_by_role("heading", name="task-links-project2016-mpp14")).to_be_visible()
    project = Project.objects.get(key="LINKS")
    assert Task.objects.filter(project=project).count() == 16
