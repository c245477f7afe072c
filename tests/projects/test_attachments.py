"""Attachments on a project's records: the service, the API and the pages (DESIGN §5, issue 15).

Files go to a folder of the test's own (``media``), so "nothing was written" is checked by
looking at the folder itself, not only at the table.
"""

import datetime
import pathlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.attachments import attachable_kinds
from projects.models import Attachment, Event, Notification, Project
from projects.services import notifications
from projects.services.attachments import attachment_add, attachment_delete, clean_name
from reports.services.closure import closure_start
from risks import services as risk_services
from scheduling import services as scheduling_services
from stakeholders import services as stakeholder_services
from tests.factories import project_with

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


@pytest.fixture
def media(settings, tmp_path) -> pathlib.Path:
    """The storage folder of this test alone."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(media: pathlib.Path) -> list[pathlib.Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def upload(data: bytes = PDF, name: str = "acceptance.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def deliverable(project, manager):
    return services.deliverable_create(
        project=project, by=manager, name="Pilot", criteria=["Signed off"]
    )


def api_url(project, record, resource: str = "deliverables") -> str:
    return f"/api/v1/projects/{project.pk}/{resource}/{record.pk}/attachments/"


# --- the service ---------------------------------------------------------------------------------


def test_attachment_add_keeps_the_file_with_its_sniffed_type(media, project, member, deliverable):
    """A PDF attached to a deliverable is stored under a random key, typed by its bytes."""
    attachment = attachment_add(project=project, record=deliverable, by=member, upload=upload())
    assert attachment.record == deliverable
    assert (attachment.name, attachment.media_type, attachment.size) == (
        "acceptance.pdf",
        "application/pdf",
        len(PDF),
    )
    assert attachment.uploaded_by == member
    (path,) = stored(media)
    assert path.read_bytes() == PDF
    assert "acceptance" not in path.name  # the person's name never becomes a path
    assert list(Attachment.objects.of(deliverable)) == [attachment]


def test_attachment_add_refuses_a_file_over_the_limit_and_writes_nothing(
    media, settings, project, member, deliverable
):
    """One byte over ATTACHMENT_MAX_BYTES is refused with the sizes; no row, no file."""
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        attachment_add(
            project=project, record=deliverable, by=member, upload=upload(PDF + b"x" * 1024)
        )
    assert refused.value.error_dict["file"][0].code == "too_large"
    assert refused.value.messages == ["The file is 1.1 KB; attach files of at most 1.0 KB."]
    assert not Attachment.objects.exists()
    assert stored(media) == []


def test_attachment_add_refuses_a_program_named_report_pdf(media, project, member, deliverable):
    """An .exe sent as report.pdf with Content-Type application/pdf is refused; nothing kept."""
    with pytest.raises(ValidationError, match="EXE"):
        attachment_add(
            project=project, record=deliverable, by=member, upload=upload(EXE, "report.pdf")
        )
    assert not Attachment.objects.exists()
    assert stored(media) == []


def test_attachment_add_refuses_a_closed_project(media, project, member, deliverable):
    """A closed project is read-only: nothing is attached."""
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    project.refresh_from_db()
    with pytest.raises(PermissionDenied, match="closed"):
        attachment_add(project=project, record=deliverable, by=member, upload=upload())
    assert stored(media) == []


def test_attachment_add_refuses_a_record_of_another_project(media, project, manager, member):
    """A record of another project cannot be attached to under this one."""
    other = project_with(manager=manager)
    foreign = services.deliverable_create(project=other, by=manager, name="Theirs", criteria=["x"])
    with pytest.raises(ValidationError):
        attachment_add(project=project, record=foreign, by=member, upload=upload())
    assert stored(media) == []


def test_attachment_delete_by_uploader_or_manager_only(
    media, project, manager, member, deliverable, django_capture_on_commit_callbacks
):
    """Another member may not delete my file; a manager may; the stored file goes on commit."""
    from tests.factories import MembershipFactory, UserFactory

    other = UserFactory(username="olga")
    MembershipFactory(project=project, user=other, role="member")
    attachment = attachment_add(project=project, record=deliverable, by=member, upload=upload())
    with pytest.raises(PermissionDenied, match="manager"):
        attachment_delete(attachment=attachment, by=other)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment=attachment, by=manager)
    assert not Attachment.objects.exists()
    assert stored(media) == []


def test_attachment_add_and_delete_are_events_on_the_record(
    media, project, manager, member, deliverable
):
    """Attaching and deleting are told once each, on the record, naming the file and who."""
    attachment = attachment_add(project=project, record=deliverable, by=member, upload=upload())
    pk = attachment.pk
    attachment_delete(attachment=attachment, by=manager)
    events = list(Event.objects.filter(type__startswith="attachment.").order_by("pk"))
    assert [(e.type, e.actor_id, e.object_id) for e in events] == [
        ("attachment.added", member.pk, deliverable.pk),
        ("attachment.deleted", manager.pk, deliverable.pk),
    ]
    assert events[0].data["name"] == "acceptance.pdf"
    assert events[0].data["attachment_id"] == events[1].data["attachment_id"] == pk


def test_attachment_added_notifies_the_records_watchers(
    media, project, manager, member, viewer, deliverable
):
    """The sponsor watching a deliverable hears when evidence is attached to it."""
    notifications.watch(user=viewer, project=project, target=deliverable)
    attachment_add(project=project, record=deliverable, by=member, upload=upload())
    event = Event.objects.get(type="attachment.added")
    notifications.fan_out([event.pk])
    notice = Notification.objects.get(event=event)
    assert (notice.recipient, notice.reason) == (viewer, Notification.Reason.WATCHING)
    assert notifications.describe(event) == "A file was attached to Deliverable 'Pilot'"


def test_attachment_refused_records_no_event(media, project, member, deliverable):
    """A refused file tells no one."""
    with pytest.raises(ValidationError):
        attachment_add(project=project, record=deliverable, by=member, upload=upload(EXE))
    assert not Event.objects.filter(type__startswith="attachment.").exists()


def test_attachment_delete_keeps_the_file_until_commit(
    media, project, member, deliverable, django_capture_on_commit_callbacks
):
    """The stored file goes only once the deletion commits (a rollback keeps both)."""
    attachment = attachment_add(project=project, record=deliverable, by=member, upload=upload())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachment_delete(attachment=attachment, by=member)
    assert len(stored(media)) == 1  # not yet committed
    for callback in callbacks:
        callback()
    assert stored(media) == []


def _records(project, manager) -> dict:
    """One record of every attachable kind, by its path segment."""
    start = datetime.datetime(2026, 2, 2, 9, 30, tzinfo=datetime.UTC)
    meeting = stakeholder_services.meeting_create(
        project=project,
        by=manager,
        title="Steering committee",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    return {
        "tasks": scheduling_services.task_create(project=project, by=manager, name="Build"),
        "deliverables": services.deliverable_create(
            project=project, by=manager, name="Pilot", criteria=["Signed off"]
        ),
        "requirements": services.requirement_create(project=project, by=manager, text="SSO"),
        "change-requests": services.change_request_create(
            project=project, by=manager, title="Add Safari"
        ),
        "risks": risk_services.risk_create(project=project, by=manager, title="Vendor slips"),
        "issues": risk_services.issue_create(project=project, by=manager, title="Outage"),
        "meetings": meeting,
        "decisions": stakeholder_services.decision_record(
            project=project,
            by=manager,
            title="Go with AWS",
            decided_by="Steering committee",
            date=project.start_date,
        ),
        "action-items": stakeholder_services.action_item_create(
            project=project,
            by=manager,
            title="Send minutes",
            owner=manager,
            due_date=project.start_date,
        ),
        "closure": closure_start(project=project, by=manager),
    }


def test_attachable_kinds_are_the_records_of_the_issue():
    """Tasks, deliverables, requirements, change requests, risks, issues, meetings, decisions,
    action items and the closure review carry attachments."""
    assert set(attachable_kinds()) == {
        "tasks",
        "deliverables",
        "requirements",
        "change-requests",
        "risks",
        "issues",
        "meetings",
        "decisions",
        "action-items",
        "closure",
    }


def test_deleting_a_record_deletes_its_attachments_and_files(
    media, project, manager, django_capture_on_commit_callbacks
):
    """A task deleted through its service takes its attachments' rows and stored files along;
    another task's attachment stays."""
    build = scheduling_services.task_create(project=project, by=manager, name="Build")
    test = scheduling_services.task_create(project=project, by=manager, name="Test")
    attachment_add(project=project, record=build, by=manager, upload=upload(name="spec.pdf"))
    kept = attachment_add(project=project, record=test, by=manager, upload=upload(name="plan.pdf"))
    assert len(stored(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        scheduling_services.task_delete(task=build, by=manager)
    assert list(Attachment.objects.all()) == [kept]
    assert stored(media) == [pathlib.Path(media, kept.file.name)]


def test_deleting_a_project_deletes_every_attachment_file(
    media, project, manager, django_capture_on_commit_callbacks
):
    """Deleting the project deletes the files of all its records' attachments."""
    for record in _records(project, manager).values():
        attachment_add(project=project, record=record, by=manager, upload=upload())
    assert len(stored(media)) == 10
    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.get(pk=project.pk).delete()
    assert not Attachment.objects.exists()
    assert stored(media) == []


def test_clean_name_keeps_what_a_person_reads():
    """Paths, control characters and over-long names are cleaned; the suffix is kept."""
    assert clean_name("C:\\Users\\ana\\Invoice 7.pdf") == "Invoice 7.pdf"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("min\x00ut\re\ns.txt") == "minutes.txt"
    assert clean_name("") == "attachment"
    long = clean_name("a" * 300 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


# --- the API -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource",
    [
        "tasks",
        "deliverables",
        "requirements",
        "change-requests",
        "risks",
        "issues",
        "meetings",
        "decisions",
        "action-items",
    ],
)
def test_api_upload_list_download_delete_on_every_record_kind(
    resource, media, api_for, project, manager, member
):
    """Upload → 201 with the sniffed type, listed, downloaded byte for byte, deleted → 204."""
    record = _records(project, manager)[resource]
    url = api_url(project, record, resource)
    client = api_for(member)
    created = client.post(url, {"file": upload()}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["media_type"], body["size"]) == (
        "acceptance.pdf",
        "application/pdf",
        len(PDF),
    )
    assert body["uploaded_by"] == member.pk
    assert body["download_url"].endswith(f"{url}{body['id']}/download/")
    assert [row["id"] for row in client.get(url).json()["results"]] == [body["id"]]
    download = client.get(f"{url}{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert client.delete(f"{url}{body['id']}/").status_code == 204
    assert client.get(url).json()["count"] == 0


def test_api_closure_review_takes_evidence(media, api_for, project, manager, viewer):
    """The closure review (no id in its URL) takes attachments once the closure has started."""
    url = f"/api/v1/projects/{project.pk}/closure/attachments/"
    client = api_for(manager)
    assert client.get(url).json()["results"] == []
    missing = client.post(url, {"file": upload(name="invoice.pdf")}, format="multipart")
    assert missing.status_code == 404
    assert "no closure" in missing.json()["detail"]
    closure_start(project=project, by=manager)
    created = client.post(url, {"file": upload(name="invoice.pdf")}, format="multipart")
    assert created.status_code == 201, created.content
    listed = api_for(viewer).get(url).json()["results"]
    assert [row["name"] for row in listed] == ["invoice.pdf"]


def test_api_download_headers(media, api_for, project, member, viewer, deliverable):
    """A download is an attachment (RFC 6266 name, UTF-8 too), of the sniffed type, nosniff,
    sandboxed and not cached by shared caches; a viewer may download."""
    url = api_url(project, deliverable)
    name = "Abnahme «Pilot» ü.pdf"
    pk = api_for(member).post(url, {"file": upload(name=name)}, format="multipart").json()["id"]
    response = api_for(viewer).get(f"{url}{pk}/download/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Abnahme _Pilot_ _.pdf\"; filename*=UTF-8''"
        "Abnahme%20%C2%ABPilot%C2%BB%20%C3%BC.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(len(PDF))
    assert "no-store" in response["Cache-Control"]


def test_api_refuses_a_file_over_the_limit_with_413(media, settings, api_for, project, member):
    """Over ATTACHMENT_MAX_BYTES: 413 with the reason on ``file``; no row, no stored file."""
    settings.ATTACHMENT_MAX_BYTES = 100
    deliverable = services.deliverable_create(
        project=project, by=member, name="Pilot", criteria=["x"]
    )
    response = api_for(member).post(
        api_url(project, deliverable), {"file": upload(PDF + b"x" * 100)}, format="multipart"
    )
    assert response.status_code == 413
    assert "attach files of at most" in response.json()["file"][0]
    assert not Attachment.objects.exists()
    assert stored(media) == []


def test_api_refuses_a_body_over_the_limit_before_reading_it(
    media, settings, api_for, project, member, deliverable
):
    """A request whose Content-Length is well over the limit is refused before its body is
    read (413), so even a 1 GB upload costs nothing."""
    settings.ATTACHMENT_MAX_BYTES = 100
    response = api_for(member).post(
        api_url(project, deliverable),
        {"file": upload(PDF + b"x" * 200_000)},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["file"][0].endswith("KB; attach files of at most 100 bytes.")
    assert stored(media) == []


def test_api_spoofed_content_type_is_refused_or_stored_as_what_it_is(
    media, api_for, project, member, deliverable
):
    """report.pdf sent as application/pdf: an .exe or an HTML page is refused (400, with the
    reason); plain text is kept as text/plain, and served as that."""
    url = api_url(project, deliverable)
    client = api_for(member)
    for data, says in (
        (EXE, "EXE"),
        (b"<html><body><script>alert(document.cookie)</script></body></html>", "HTML"),
    ):
        response = client.post(url, {"file": upload(data, "report.pdf")}, format="multipart")
        assert response.status_code == 400
        assert says in response.json()["file"][0]
    assert stored(media) == []
    text = client.post(url, {"file": upload(b"Just notes.", "report.pdf")}, format="multipart")
    assert text.status_code == 201
    assert text.json()["media_type"] == "text/plain"
    download = client.get(f"{url}{text.json()['id']}/download/")
    assert download["Content-Type"] == "text/plain"


def test_api_missing_and_empty_files_are_400(media, api_for, project, member, deliverable):
    """No file, or an empty one: 400 with a message on ``file``."""
    url = api_url(project, deliverable)
    assert "file" in api_for(member).post(url, {}, format="multipart").json()
    empty = api_for(member).post(url, {"file": upload(b"")}, format="multipart")
    assert empty.status_code == 400 and "file" in empty.json()


def test_api_non_member_gets_404_everywhere(media, api_for, project, member, outsider, deliverable):
    """A non-member's list, upload, download and delete are 404, and change nothing."""
    url = api_url(project, deliverable)
    pk = api_for(member).post(url, {"file": upload()}, format="multipart").json()["id"]
    client = api_for(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"file": upload()}, format="multipart").status_code == 404
    assert client.get(f"{url}{pk}/download/").status_code == 404
    assert client.delete(f"{url}{pk}/").status_code == 404
    assert Attachment.objects.count() == 1 and len(stored(media)) == 1


def test_api_foreign_ids_are_404(media, api_for, project, manager, member, outsider):
    """Another project's record or attachment id under this project's URL is 404."""
    other = project_with(manager=manager, member=outsider)
    theirs = services.deliverable_create(project=other, by=manager, name="Theirs", criteria=["x"])
    mine = services.deliverable_create(project=project, by=manager, name="Mine", criteria=["x"])
    client = api_for(manager)
    their_file = client.post(api_url(other, theirs), {"file": upload()}, format="multipart")
    # Their record under my project's URL, and their attachment under my record.
    assert client.get(api_url(project, theirs)).status_code == 404
    assert client.post(api_url(project, theirs), {"file": upload()}).status_code == 404
    stray = f"{api_url(project, mine)}{their_file.json()['id']}/"
    assert client.get(f"{stray}download/").status_code == 404
    assert client.delete(stray).status_code == 404
    assert Attachment.objects.count() == 1


def test_api_roles(media, api_for, project, manager, member, viewer, deliverable):
    """Viewers download but do not upload or delete (403); a member deletes only their own."""
    url = api_url(project, deliverable)
    managers = api_for(manager).post(url, {"file": upload()}, format="multipart").json()["id"]
    assert api_for(viewer).post(url, {"file": upload()}, format="multipart").status_code == 403
    assert api_for(viewer).delete(f"{url}{managers}/").status_code == 403
    refused = api_for(member).delete(f"{url}{managers}/")
    assert refused.status_code == 403
    assert "manager" in refused.json()["detail"]
    own = api_for(member).post(url, {"file": upload()}, format="multipart").json()["id"]
    assert api_for(member).delete(f"{url}{own}/").status_code == 204
    assert api_for(manager).delete(f"{url}{managers}/").status_code == 204


def test_api_closed_project_is_read_only(media, api_for, project, manager, deliverable):
    """On a closed project files are listed and downloaded, never added or deleted."""
    url = api_url(project, deliverable)
    pk = api_for(manager).post(url, {"file": upload()}, format="multipart").json()["id"]
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    client = api_for(manager)
    assert client.get(f"{url}{pk}/download/").status_code == 200
    assert client.post(url, {"file": upload()}, format="multipart").status_code == 403
    assert client.delete(f"{url}{pk}/").status_code == 403
    assert len(stored(media)) == 1


def test_api_list_query_count_does_not_grow(media, api_for, project, manager, deliverable):
    """Listing a record's attachments costs the same queries for 1 file as for 5."""
    url = api_url(project, deliverable)
    client = api_for(manager)
    client.post(url, {"file": upload()}, format="multipart")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(4):
        client.post(url, {"file": upload()}, format="multipart")
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).json()["count"] == 5
    assert len(five) == len(one) <= 8


# --- the pages -----------------------------------------------------------------------------------


def page(project, deliverable) -> str:
    return f"/projects/{project.pk}/deliverables/{deliverable.pk}/"


def test_page_shows_the_panel_and_uploads_without_javascript(
    media, client_for, project, member, deliverable
):
    """The deliverable page has the upload form; posting a file comes back to the page, where
    the file is listed with its download link."""
    client = client_for(member)
    html = client.get(page(project, deliverable)).content.decode()
    assert 'id="attachments"' in html and 'enctype="multipart/form-data"' in html
    response = client.post(
        f"/projects/{project.pk}/attachments/deliverables/{deliverable.pk}/",
        {"file": upload(name="evidence.pdf"), "next": page(project, deliverable)},
    )
    assert response.status_code == 302
    assert response["Location"] == page(project, deliverable) + "#attachments"
    html = client.get(page(project, deliverable)).content.decode()
    attachment = Attachment.objects.get()
    assert "Attached “evidence.pdf” to the deliverable." in html
    assert f"/projects/{project.pk}/attachments/{attachment.pk}/download/" in html


def test_page_refusal_says_why_and_writes_nothing(
    media, settings, client_for, project, member, deliverable
):
    """An oversized file posted from the page comes back with the reason; nothing is stored."""
    settings.ATTACHMENT_MAX_BYTES = 10
    client = client_for(member)
    response = client.post(
        f"/projects/{project.pk}/attachments/deliverables/{deliverable.pk}/",
        {"file": upload(), "next": page(project, deliverable)},
        follow=True,
    )
    assert "The file was not attached. The file is 59 bytes; attach files of at most 10" in (
        response.content.decode()
    )
    assert stored(media) == [] and not Attachment.objects.exists()


def test_page_viewer_downloads_but_sees_no_upload_form(
    media, client_for, project, member, viewer, deliverable
):
    """A viewer sees the files and downloads them; no upload form, no delete button."""
    attachment_add(project=project, record=deliverable, by=member, upload=upload())
    client = client_for(viewer)
    html = client.get(page(project, deliverable)).content.decode()
    assert "acceptance.pdf" in html
    assert 'enctype="multipart/form-data"' not in html
    assert "Delete acceptance.pdf" not in html
    response = client.get(
        f"/projects/{project.pk}/attachments/{Attachment.objects.get().pk}/download/"
    )
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


def test_download_of_a_file_missing_from_storage_is_404(
    media, api_for, project, member, deliverable
):
    """A file removed from the storage behind Charter's back answers 404 with the reason."""
    attachment = attachment_add(project=project, record=deliverable, by=member, upload=upload())
    (media / attachment.file.name).unlink()
    response = api_for(member).get(f"{api_url(project, deliverable)}{attachment.pk}/download/")
    assert response.status_code == 404
    assert "missing from the storage" in response.json()["detail"]


def test_page_non_member_download_is_404(media, client_for, project, member, outsider, deliverable):
    """Someone outside the project gets 404 for the download page."""
    attachment = attachment_add(project=project, record=deliverable, by=member, upload=upload())
    url = f"/projects/{project.pk}/attachments/{attachment.pk}/download/"
    assert client_for(outsider).get(url).status_code == 404


def test_page_delete_comes_back_to_the_record(
    media, client_for, project, member, deliverable, django_capture_on_commit_callbacks
):
    """The uploader deletes from the panel; the row and the stored file are gone."""
    attachment = attachment_add(project=project, record=deliverable, by=member, upload=upload())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            f"/projects/{project.pk}/attachments/{attachment.pk}/delete/",
            {"next": page(project, deliverable)},
        )
    assert response.status_code == 302
    assert response["Location"].endswith("#attachments")
    assert not Attachment.objects.exists() and stored(media) == []


def test_page_next_outside_the_project_is_ignored(media, client_for, project, member, deliverable):
    """``next`` pointing off the project (or off the site) goes to the project's overview."""
    response = client_for(member).post(
        f"/projects/{project.pk}/attachments/deliverables/{deliverable.pk}/",
        {"file": upload(), "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/projects/{project.pk}/#attachments"


@pytest.mark.parametrize(
    ("path", "record"),
    [
        ("/projects/{p}/schedule/tasks/{r}/", "tasks"),
        ("/projects/{p}/changes/{r}/", "change-requests"),
        ("/projects/{p}/risks/{r}/", "risks"),
        ("/projects/{p}/meetings/{r}/", "meetings"),
        ("/projects/{p}/closure/", "closure"),
    ],
)
def test_record_pages_show_the_panel(media, client_for, project, manager, path, record):
    """Tasks, change requests, risks, meetings and the closure page carry the panel."""
    target = _records(project, manager)[record]
    attachment_add(project=project, record=target, by=manager, upload=upload(name="minutes.pdf"))
    response = client_for(manager).get(path.format(p=project.pk, r=target.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="attachments"' in html and "minutes.pdf" in html


@pytest.mark.parametrize("resource", ["requirements", "issues", "decisions", "action-items"])
def test_records_without_a_page_carry_the_panel_on_their_comments_page(
    media, client_for, project, manager, resource
):
    """Requirements, issues, decisions and action items have no page of their own: their
    comments page carries the panel, and an upload from it comes back to it."""
    record = _records(project, manager)[resource]
    page_url = f"/projects/{project.pk}/comments/{resource}/{record.pk}/"
    client = client_for(manager)
    response = client.post(
        f"/projects/{project.pk}/attachments/{resource}/{record.pk}/",
        {"file": upload(name="minutes.pdf"), "next": page_url},
    )
    assert response["Location"] == f"{page_url}#attachments"
    html = client.get(page_url).content.decode()
    assert 'id="attachments"' in html and "minutes.pdf" in html
    assert 'enctype="multipart/form-data"' in html
