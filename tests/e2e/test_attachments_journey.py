"""Browser journey: a member attaches the signed acceptance form to a deliverable from its page
(a plain form, no JavaScript needed), sees it listed, downloads it byte for byte as an
attachment; a program named like a PDF is refused with the reason; the file is then deleted."""

import pathlib

import pytest
from playwright.sync_api import Page, expect

from projects import services
from projects.models import Attachment
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


@pytest.fixture
def deliverable_project(transactional_db, settings, tmp_path):
    """A project with a manager (maria), a member (dev) and a deliverable; files in tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager")
    dev = UserFactory(username="dev", first_name="Dev", last_name="Eloper")
    project = project_with(manager=maria, member=dev)
    deliverable = services.deliverable_create(
        project=project, by=maria, name="Customer portal", criteria=["Signed off by sales"]
    )
    return project, deliverable


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()


def test_attachments_journey_upload_download_delete(
    browser_tab: Page, deliverable_project, password, tmp_path, snap
):
    """Upload on the deliverable page, download the same bytes, refuse an .exe, delete."""
    page = browser_tab
    project, deliverable = deliverable_project
    signed = tmp_path / "Acceptance – signed.pdf"
    signed.write_bytes(PDF)
    _log_in(page, "dev", password)
    page.goto(f"/projects/{project.pk}/deliverables/{deliverable.pk}/")
    panel = page.locator("#attachments")
    expect(panel.get_by_text("No files attached to this deliverable.")).to_be_visible()

    panel.get_by_label("Attach a file").set_input_files(str(signed))
    panel.get_by_role("button", name="Upload").click()
    expect(
        page.get_by_text("Attached “Acceptance – signed.pdf” to the deliverable.")
    ).to_be_visible()
    assert page.url.endswith(f"/deliverables/{deliverable.pk}/#attachments")
    link = page.locator("#attachments").get_by_role("link", name="Acceptance – signed.pdf")
    expect(link).to_be_visible()
    expect(page.locator("#attachments .panel-title .count")).to_have_text("1")
    snap(page, "attachment-uploaded")

    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename == "Acceptance – signed.pdf"
    assert pathlib.Path(download.path()).read_bytes() == PDF

    program = tmp_path / "report.pdf"
    program.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200)
    panel = page.locator("#attachments")
    panel.get_by_label("Attach a file").set_input_files(str(program))
    panel.get_by_role("button", name="Upload").click()
    expect(
        page.get_by_text("The file was not attached. Charter does not keep EXE files")
    ).to_be_visible()
    assert Attachment.objects.count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#attachments").get_by_role(
        "button", name="Delete Acceptance – signed.pdf"
    ).click()
    expect(page.get_by_text("Deleted “Acceptance – signed.pdf”.")).to_be_visible()
    expect(page.locator("#attachments").get_by_text("No files attached")).to_be_visible()
    assert not Attachment.objects.exists()
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
