"""The status reports API: build this week's report, edit its summary, send it once per
recipient, and read the archive with every delivery attempt (DESIGN §5)."""

import pytest

from projects import clock
from projects.models import Project
from reports.models import StatusReport, StatusReportDelivery
from reports.services.delivery import NO_AUDIENCE
from reports.services.status import week_start_for
from stakeholders import services as stakeholder_services
from stakeholders.models import CommunicationPlanItem

pytestmark = pytest.mark.django_db


def reports_url(project, *rest) -> str:
    tail = "".join(f"{part}/" for part in rest)
    return f"/api/v1/projects/{project.pk}/status-reports/{tail}"


@pytest.fixture
def audience(project, manager):
    """Sam and Fay receive the weekly report; Carl is on another plan item."""
    people = [
        stakeholder_services.stakeholder_create(project=project, by=manager, name=name, email=email)
        for name, email in (("Sam Sponsor", "sam@example.com"), ("Fay Finance", "fay@example.com"))
    ]
    stakeholder_services.communication_item_create(
        project=project,
        by=manager,
        title="Weekly status report",
        kind=CommunicationPlanItem.Kind.WEEKLY_STATUS_REPORT,
        audience=people,
    )
    carl = stakeholder_services.stakeholder_create(
        project=project, by=manager, name="Carl CIO", email="carl@example.com"
    )
    stakeholder_services.communication_item_create(
        project=project, by=manager, title="Steering pack", audience=[carl]
    )
    return people


@pytest.fixture
def built(api_for, manager, project):
    """This week's report, built through the API: its JSON."""
    response = api_for(manager).post(reports_url(project))
    assert response.status_code == 201, response.content
    return response.json()


def test_status_reports_create_builds_this_week_once(api_for, manager, project):
    """The first POST builds this week's report (201); the second returns the same one (200)."""
    client = api_for(manager)

    first = client.post(reports_url(project))
    second = client.post(reports_url(project))

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    body = second.json()
    assert body["week_start"] == week_start_for(project, clock.now()).isoformat()
    assert (body["status"], body["built_by"], body["built_by_name"]) == (
        "draft",
        manager.pk,
        "Maria Manager",
    )
    assert body["content"]["project"]["key"] == project.key
    assert body["deliveries"] == []
    assert StatusReport.objects.filter(project=project).count() == 1


def test_status_reports_list_and_retrieve_for_a_viewer(
    api_for, viewer, project, built, django_assert_num_queries
):
    """A viewer reads the archive (no figures in the list) and one report with its figures."""
    client = api_for(viewer)
    client.get(reports_url(project))  # warm up anything cached per process

    # The access door, the count, the page.
    with django_assert_num_queries(3):
        listing = client.get(reports_url(project))

    assert listing.status_code == 200
    (row,) = listing.json()["results"]
    assert row["id"] == built["id"] and "content" not in row
    assert (row["recipients"], row["delivered"]) == (0, 0)
    detail = client.get(reports_url(project, built["id"]))
    assert detail.status_code == 200
    assert detail.json()["content"] == built["content"]


def test_status_reports_are_a_managers_to_build_edit_and_send(
    api_for, member, viewer, project, built, audience
):
    """Members and viewers read reports but cannot build, edit or send them (403)."""
    for user in (member, viewer):
        client = api_for(user)
        assert client.post(reports_url(project)).status_code == 403
        assert client.patch(reports_url(project, built["id"]), {"summary": "Hi"}).status_code == 403
        assert client.post(reports_url(project, built["id"], "send")).status_code == 403
    assert not StatusReportDelivery.objects.exists()
    assert StatusReport.objects.get().summary == ""


def test_status_reports_are_not_found_for_outsiders(api_for, outsider, project, built):
    """A non-member hears 404 for the list, a report and its send."""
    client = api_for(outsider)
    assert client.get(reports_url(project)).status_code == 404
    assert client.get(reports_url(project, built["id"])).status_code == 404
    assert client.post(reports_url(project, built["id"], "send")).status_code == 404
    assert not StatusReportDelivery.objects.exists()


def test_status_reports_summary_edit_with_version(api_for, manager, project, built):
    """The summary is saved with the version read; a stale version is refused with 409."""
    client = api_for(manager)
    url = reports_url(project, built["id"])

    saved = client.patch(url, {"summary": "Build is half done.", "version": built["version"]})
    stale = client.patch(url, {"summary": "Overwrite", "version": built["version"]})

    assert saved.status_code == 200, saved.content
    assert (saved.json()["summary"], saved.json()["version"]) == (
        "Build is half done.",
        built["version"] + 1,
    )
    assert stale.status_code == 409
    assert "changed this record" in stale.json()["detail"]
    assert StatusReport.objects.get().summary == "Build is half done."


def test_status_reports_send_returns_the_deliveries_once(
    api_for,
    manager,
    project,
    built,
    audience,
    smtp_server,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    """Send mails the plan's audience and returns each delivery with its attempt log; sending
    again mails nobody twice."""
    client = api_for(manager)
    url = reports_url(project, built["id"], "send")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 200, response.content
    pending = response.json()
    assert [(d["email"], d["name"], d["status"]) for d in pending] == [
        ("fay@example.com", "Fay Finance", "pending"),  # queued: sent once the request commits
        ("sam@example.com", "Sam Sponsor", "pending"),
    ]
    assert sorted(r for recipients, _ in smtp_server.messages for r in recipients) == [
        "fay@example.com",
        "sam@example.com",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url)

    assert again.status_code == 200
    assert [(d["email"], d["status"], d["attempts"]) for d in again.json()] == [
        ("fay@example.com", "sent", 1),
        ("sam@example.com", "sent", 1),
    ]
    delivery = again.json()[0]
    assert delivery["sent_at"] and delivery["last_error"] == ""
    assert [(a["number"], a["succeeded"], a["error"]) for a in delivery["attempt_log"]] == [
        (1, True, "")
    ]
    assert len(smtp_server.messages) == 2
    report = client.get(reports_url(project, built["id"])).json()
    assert (report["status"], report["sent_by"], report["recipients"], report["delivered"]) == (
        "sent",
        manager.pk,
        2,
        2,
    )


def test_status_reports_deliveries_show_attempts_to_a_viewer(
    api_for, manager, viewer, project, built, audience, django_capture_on_commit_callbacks
):
    """A viewer sees who the report went to and how each try went."""
    with django_capture_on_commit_callbacks(execute=False):
        assert api_for(manager).post(reports_url(project, built["id"], "send")).status_code == 200
    StatusReportDelivery.objects.filter(email="sam@example.com").update(
        status="retrying", attempts=1, last_error="SMTPDataError: 451 4.3.0 Try again later"
    )

    response = api_for(viewer).get(reports_url(project, built["id"], "deliveries"))

    assert response.status_code == 200
    assert [(d["email"], d["status"], d["last_error"]) for d in response.json()] == [
        ("fay@example.com", "pending", ""),
        ("sam@example.com", "retrying", "SMTPDataError: 451 4.3.0 Try again later"),
    ]


def test_status_reports_send_without_audience_is_a_400(api_for, manager, project, built):
    """A plan that names nobody for the weekly report: 400 with the reason, nothing sent."""
    response = api_for(manager).post(reports_url(project, built["id"], "send"))

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [NO_AUDIENCE]}
    assert StatusReport.objects.get().status == "draft"


def test_status_reports_summary_of_a_sent_report_is_frozen(
    api_for, manager, project, built, audience, django_capture_on_commit_callbacks
):
    """Once sent, the summary cannot change: 400 with a message on the field."""
    client = api_for(manager)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reports_url(project, built["id"], "send"))

    response = client.patch(reports_url(project, built["id"]), {"summary": "Too late"})

    assert response.status_code == 400
    assert "has been sent" in response.json()["summary"][0]


def test_status_reports_of_a_closed_project_are_read_only(api_for, manager, project, built):
    """A closed project's archive is readable, but nothing is built or sent any more."""
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    client = api_for(manager)

    assert client.get(reports_url(project, built["id"])).status_code == 200
    assert client.post(reports_url(project)).status_code == 403
    assert client.post(reports_url(project, built["id"], "send")).status_code == 403
