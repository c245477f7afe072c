"""The import pages: upload, preview, confirm; and the export link on the schedule pages."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interchange.models import Import
from projects.models import Project
from scheduling.models import Task

DATA = Path(__file__).parent / "data"


@pytest.mark.django_db
def test_import_pages_upload_preview_and_confirm(
    client_for, manager, outsider, eager_tasks, django_capture_on_commit_callbacks
):
    """Upload on the page, see the preview (counts, skipped items, dates that differ), import
    it; someone else gets 404 on the preview."""
    client = client_for(manager)
    assert client.get(reverse("interchange:import_new")).status_code == 200
    upload = SimpleUploadedFile(
        "plan.xml", (DATA / "charter-sample-mspdi.xml").read_bytes(), "application/xml"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interchange:import_new"), {"file": upload, "name": "", "key": "roll"}
        )
    record = Import.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interchange:import_detail", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "What would be imported" in page
    assert "Recurring exceptions are not imported." in page
    assert "Migrate data" in page and "Import it" in page

    assert client_for(outsider).get(response["Location"]).status_code == 404
    response = client_for(manager).post(reverse("interchange:import_confirm", args=[record.pk]))
    project = Project.objects.get(key="ROLL")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert Task.objects.filter(project=project).count() == 5


@pytest.mark.django_db
def test_schedule_pages_link_the_ms_project_export(client_for, project, viewer):
    """The task list offers the project as MS Project XML, and the link downloads it."""
    page = client_for(viewer).get(reverse("scheduling:tasks", args=[project.pk])).content.decode()
    url = reverse("api:project-export-mspdi", kwargs={"project_pk": project.pk})
    assert url in page
    assert client_for(viewer).get(url).status_code == 200


@pytest.mark.django_db
def test_reimport_pages_show_what_changes_and_update_the_project(
    client_for, project, manager, member, eager_tasks, django_capture_on_commit_callbacks
):
    """A manager's schedule offers "Update from a plan file"; uploading a plan into a project
    that has tasks previews the re-import (what is added, changed, removed) and updates it."""
    client = client_for(manager)
    tasks_page = client.get(reverse("scheduling:tasks", args=[project.pk])).content.decode()
    new_url = f"{reverse('interchange:import_new')}?project={project.pk}"
    assert "Update from a plan file" in tasks_page
    data = (DATA / "charter-sample-mspdi.xml").read_bytes()
    for round_ in (1, 2):
        if round_ == 2:
            assert "A newer version of the plan" in client.get(new_url).content.decode()
        upload = SimpleUploadedFile("plan.xml", data, "application/xml")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(new_url, {"file": upload, "name": "", "key": ""})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        record = Import.objects.latest("pk")
        client.post(reverse("interchange:import_confirm", args=[record.pk]))
    assert f"What changes in {project.key}" in page and f"Update {project.key}" in page
    assert Task.objects.filter(project=project).count() == 5
    # A member is not offered the update (client_for logs the same client in as them).
    member_page = client_for(member).get(reverse("scheduling:tasks", args=[project.pk]))
    assert "Update from a plan file" not in member_page.content.decode()


@pytest.mark.django_db
def test_import_page_offers_binary_plans_and_says_when_java_is_missing(
    client_for, manager, settings
):
    """The upload page names the formats it reads; without Java an .mpp comes back on the form
    with why and what works instead, and nothing is kept."""
    client = client_for(manager)
    page = client.get(reverse("interchange:import_new")).content.decode()
    assert ".mpp" in page and "Primavera .xer or P6 XML" in page
    settings.MPXJ_JAVA = "/nonexistent/java"
    upload = SimpleUploadedFile(
        "plan.mpp", (DATA / "task-links-project2016-mpp14.mpp").read_bytes(), "application/octet"
    )
    response = client.post(reverse("interchange:import_new"), {"file": upload, "name": ""})
    assert response.status_code == 200
    assert "needs a Java runtime on the server" in response.content.decode()
    assert not Import.objects.exists()
