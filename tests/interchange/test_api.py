"""The imports API (upload → preview → confirm) and the MS Project export, with their doors."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from interchange import mspdi
from interchange.models import Import
from projects.models import Project
from scheduling import services as scheduling_services
from scheduling.models import Task

DATA = Path(__file__).parent / "data"


@pytest.fixture
def post_file(eager_tasks, django_capture_on_commit_callbacks):
    """POST an upload and run what it queued at the commit (in-process, as the embedded default
    does): ``post_file(client, {"file": ...})``."""

    def post(client, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/imports/", data, format="multipart")

    return post


def _upload(name: str = "task-links-project2016-mspdi.xml", content: bytes | None = None):
    data = content if content is not None else (DATA / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/xml")


@pytest.mark.django_db
def test_imports_upload_answers_202_then_preview_then_confirm_creates_the_project(
    api_for, manager, post_file
):
    """POST a file: 202 with an id; GET it: the preview (read in-process on the embedded
    default); confirm: 201 with the new project, whose tasks keep their UIDs."""
    client = api_for(manager)
    response = post_file(client, {"file": _upload(), "key": "LINKS"})
    assert response.status_code == 202, response.json()
    pk = response.json()["id"]
    body = client.get(f"/api/v1/imports/{pk}/").json()
    assert body["status"] == "preview", body
    preview = body["preview"]
    assert (preview["tasks"], preview["dependencies"]) == (16, 8)
    assert preview["file_finish"] == preview["computed_finish"] == "2016-02-23"
    assert preview["skipped"] == [] and preview["differences"] == []
    assert not Project.objects.filter(key="LINKS").exists()

    response = client.post(f"/api/v1/imports/{pk}/confirm/")
    assert response.status_code == 201, response.json()
    project = Project.objects.get(key="LINKS")
    assert response.json()["id"] == project.pk
    assert Task.objects.filter(project=project).count() == 16
    body = client.get(f"/api/v1/imports/{pk}/").json()
    assert (body["status"], body["project"]) == ("done", project.pk)
    tasks = client.get(f"/api/v1/projects/{project.pk}/tasks/?ordering=ref").json()["results"]
    assert tasks[0]["external_id"] == "1"
    assert client.post(f"/api/v1/imports/{pk}/confirm/").status_code == 400


@pytest.mark.django_db
def test_imports_a_bad_file_fails_with_the_reason_and_confirm_writes_nothing(
    api_for, manager, post_file
):
    """A file that is not MS Project XML is `failed` with the reason; confirming it is a 400
    and no project appears."""
    client = api_for(manager)
    response = post_file(client, {"file": _upload("plan.xml", b"<Plan/>")})
    pk = response.json()["id"]
    body = client.get(f"/api/v1/imports/{pk}/").json()
    assert body["status"] == "failed"
    assert "not an MS Project plan" in body["errors"][0]
    projects = Project.objects.count()
    assert client.post(f"/api/v1/imports/{pk}/confirm/").status_code == 400
    assert Project.objects.count() == projects


@pytest.mark.django_db
def test_imports_a_damaged_binary_plan_fails_with_the_reason(api_for, manager, post_file):
    """An .mpp upload is taken (202) and read through MPXJ; one that is not a plan is `failed`,
    saying it could not be read as a project plan, and confirming it writes nothing."""
    client = api_for(manager)
    response = post_file(client, {"file": _upload("plan.mpp", b"\xd0\xcf\x11\xe0 not a plan")})
    assert response.status_code == 202, response.json()
    body = client.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (body["status"], body["format"]) == ("failed", "mpxj")
    assert body["errors"][0].startswith("This file could not be read as a project plan")
    projects = Project.objects.count()
    assert client.post(f"/api/v1/imports/{body['id']}/confirm/").status_code == 400
    assert Project.objects.count() == projects


@pytest.mark.django_db
def test_imports_binary_plan_without_java_is_refused_with_advice(api_for, manager, settings):
    """Without a Java runtime an .mpp upload is a 400 saying so and that MS Project XML works."""
    settings.MPXJ_JAVA = "/nonexistent/java"
    response = api_for(manager).post(
        "/api/v1/imports/",
        {"file": _upload("plan.mpp", (DATA / "task-links-project2016-mpp14.mpp").read_bytes())},
        format="multipart",
    )
    assert response.status_code == 400
    assert "needs a Java runtime" in str(response.json())
    assert "XML Format" in str(response.json())
    assert not Import.objects.exists()


@pytest.mark.django_db
def test_imports_are_the_uploaders_alone(api_for, manager, outsider, post_file):
    """Someone else's import is a 404, to read and to confirm, and is not in my list."""
    pk = post_file(api_for(manager), {"file": _upload()}).json()["id"]
    client = api_for(outsider)
    assert client.get(f"/api/v1/imports/{pk}/").status_code == 404
    assert client.post(f"/api/v1/imports/{pk}/confirm/").status_code == 404
    assert client.get("/api/v1/imports/").json()["results"] == []
    assert Import.objects.get(pk=pk).status == "preview"


@pytest.mark.django_db
def test_imports_into_a_project_need_its_manager(
    api_for, project, member, outsider, manager, post_file
):
    """Into an existing project: a non-member gets 404, a member 403, its manager 202; a
    project with tasks gets a re-import (here of the same file: nothing to change)."""
    body = {"file": _upload(), "project": project.pk}
    assert post_file(api_for(outsider), body).status_code == 404
    body = {"file": _upload(), "project": project.pk}
    assert post_file(api_for(member), body).status_code == 403
    response = post_file(api_for(manager), {"file": _upload(), "project": project.pk})
    assert response.status_code == 202
    pk = response.json()["id"]
    assert api_for(manager).post(f"/api/v1/imports/{pk}/confirm/").status_code == 201
    assert Task.objects.filter(project=project).count() == 16
    again = post_file(api_for(manager), {"file": _upload(), "project": project.pk})
    assert again.status_code == 202
    preview = api_for(manager).get(f"/api/v1/imports/{again.json()['id']}/").json()["preview"]
    assert preview["reimport"]["tasks_added"] == 0
    assert preview["reimport"]["tasks_changed"] == preview["reimport"]["tasks_removed"] == 0
    assert (
        api_for(manager).post(f"/api/v1/imports/{again.json()['id']}/confirm/").status_code == 201
    )
    assert Task.objects.filter(project=project).count() == 16


@pytest.mark.django_db
def test_export_mspdi_for_members_404_for_others(api_for, project, manager, viewer, outsider):
    """A member (a viewer too) downloads the project as MS Project XML that reads back; a
    non-member gets 404."""
    by = manager
    design = scheduling_services.task_create(project=project, by=by, name="Design", duration=3)
    build = scheduling_services.task_create(project=project, by=by, name="Build", duration=5)
    scheduling_services.dependency_add(
        project=project, by=by, predecessor=design, successor=build, type="SS", lag=2
    )
    url = f"/api/v1/projects/{project.pk}/export/mspdi/"
    response = api_for(viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert f'filename="{project.key}.xml"' in response["Content-Disposition"]
    plan = mspdi.parse(response.content)
    assert [t.name for t in plan.tasks if t.outline_level] == ["Design", "Build"]
    assert [(link.type, link.lag_days) for link in plan.links] == [("SS", 2)]
    assert api_for(outsider).get(url).status_code == 404


@pytest.mark.django_db
def test_imports_list_costs_the_same_queries_for_2_and_20(
    api_for, manager, django_assert_max_num_queries
):
    """My imports list in a fixed number of queries (count, rows), without the files."""
    client = api_for(manager)
    data = (DATA / "task-links-project2016-mspdi.xml").read_bytes()
    for count in (2, 20):
        Import.objects.all().delete()
        Import.objects.bulk_create(
            Import(owner=manager, filename=f"{n}.xml", data=data) for n in range(count)
        )
        with django_assert_max_num_queries(2):
            rows = client.get("/api/v1/imports/").json()["results"]
        assert len(rows) == count
