"""Browser journey: from the Gantt, a project manager downloads the plan as a PDF for the steering
pack and its first page as a PNG for a slide."""

import io

import pytest
from PIL import Image
from playwright.sync_api import Page
from pypdf import PdfReader

from tests.conftest import PASSWORD
from tests.factories import UserFactory, project_with
from tests.interchange.test_printing import build_plan

pytestmark = pytest.mark.e2e


def test_printing_journey_downloads_the_gantt_as_pdf_and_png(
    browser_tab: Page, transactional_db, tmp_path
):
    """The "Download PDF" link on the Gantt saves the whole plan as a landscape PDF of several pages
    that names the project; "PNG" saves its first page as an image."""
    user = UserFactory(username="pat")
    project = project_with(manager=user)
    build_plan(project, user, 80)

    page = browser_tab
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/projects/{project.pk}/schedule/gantt/")

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download PDF").click()
    download = pdf_download.value
    assert download.suggested_filename.startswith(f"{project.key}-gantt-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    assert len(reader.pages) > 1
    first = reader.pages[0]
    assert float(first.mediabox.width) > float(first.mediabox.height)  # landscape
    assert f"{project.key} · {project.name}: Gantt chart" in first.extract_text()

    with page.expect_download() as png_download:
        page.get_by_role("link", name="PNG", exact=True).click()
    path = tmp_path / png_download.value.suggested_filename
    png_download.value.save_as(path)
    image = Image.open(path)
    assert image.format == "PNG" and image.width > image.height
