"""The stakeholders API: register and quadrants, RACI rows under the one-A rule, the
communication plan, meetings with their iCalendar file, approvals decided by their approver only."""

import csv
import datetime
import io

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services as project_services
from projects.models import Deliverable
from stakeholders import services
from stakeholders.models import Approval, RaciEntry
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db


def url(project, resource: str = "") -> str:
    return f"/api/v1/projects/{project.pk}/{resource}"


@pytest.fixture
def design(project, manager):
    return project_services.work_package_add(project=project, by=manager, name="Design")


@pytest.fixture
def sponsor(project, manager):
    return services.stakeholder_create(
        project=project, by=manager, name="Sam Sponsor", email="sam@client.example", power=5
    )


@pytest.fixture
def people(project, manager):
    """One stakeholder per quadrant, each at its edge (power/interest 2 or 3)."""
    spec = {
        "Sam Sponsor": (3, 3),
        "Cora CISO": (3, 2),
        "Ian Interested": (2, 3),
        "Mona Monitor": (2, 2),
    }
    return {
        name: services.stakeholder_create(
            project=project, by=manager, name=name, power=power, interest=interest
        )
        for name, (power, interest) in spec.items()
    }


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


# --- register -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("power", "interest", "quadrant"),
    [
        (3, 3, "manage_closely"),
        (5, 2, "keep_satisfied"),
        (2, 3, "keep_informed"),
        (2, 2, "monitor"),
        (1, 5, "keep_informed"),
    ],
)
def test_stakeholders_api_derives_the_quadrant(api_for, member, project, power, interest, quadrant):
    """Power and interest of 3 or more count as high; the quadrant and its strategy follow."""
    response = api_for(member).post(
        url(project, "stakeholders/"),
        {"name": "Pat", "email": "pat@x.example", "power": power, "interest": interest},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["quadrant"] == quadrant
    assert body["strategy"]


def test_stakeholders_api_filters_by_quadrant_and_searches(api_for, viewer, people, project):
    """?quadrant= keeps one quadrant; ?search= looks at names and organisations."""
    client = api_for(viewer)
    names = [
        s["name"]
        for s in client.get(url(project, "stakeholders/?quadrant=monitor")).json()["results"]
    ]
    assert names == ["Mona Monitor"]
    found = client.get(url(project, "stakeholders/?search=cora")).json()["results"]
    assert [s["name"] for s in found] == ["Cora CISO"]


def test_stakeholders_api_refuses_power_outside_1_to_5(api_for, member, project):
    """Power 6 is a 400 on the field."""
    response = api_for(member).post(url(project, "stakeholders/"), {"name": "X", "power": 6})
    assert response.status_code == 400
    assert "power" in response.json()


def test_stakeholders_api_viewer_reads_but_cannot_write(api_for, viewer, sponsor, project):
    """Viewers read the register; their writes are 403 and change nothing."""
    client = api_for(viewer)
    assert client.get(url(project, "stakeholders/")).status_code == 200
    assert client.post(url(project, "stakeholders/"), {"name": "Eve"}).status_code == 403
    assert (
        client.patch(url(project, f"stakeholders/{sponsor.pk}/"), {"power": 1}).status_code == 403
    )
    sponsor.refresh_from_db()
    assert sponsor.power == 5


def test_stakeholders_api_stale_version_is_409(api_for, member, sponsor, project):
    """An edit based on an old version is refused with 409."""
    client = api_for(member)
    path = url(project, f"stakeholders/{sponsor.pk}/")
    assert client.patch(path, {"power": 4, "version": 1}).status_code == 200
    assert client.patch(path, {"power": 2, "version": 1}).status_code == 409


def test_stakeholders_api_links_only_members(api_for, member, outsider, project):
    """A user id from outside the project "is not a member", whoever it is."""
    response = api_for(member).post(
        url(project, "stakeholders/"), {"name": "Oscar", "user": outsider.pk}
    )
    assert response.status_code == 400
    assert "not a member" in response.json()["user"][0]


def test_stakeholders_api_list_query_count_is_constant(api_for, viewer, manager, project):
    """The register costs the same queries for 2 stakeholders as for 8."""
    client = api_for(viewer)
    for name in ("A", "B"):
        services.stakeholder_create(project=project, by=manager, name=name)
    few = count_queries(client, url(project, "stakeholders/"))
    for name in "CDEFGH":
        services.stakeholder_create(project=project, by=manager, name=name)
    assert count_queries(client, url(project, "stakeholders/")) == few


# --- RACI -----------------------------------------------------------------------------------------


def test_raci_api_put_row_with_two_as_is_refused_naming_the_row(
    api_for, member, manager, design, sponsor, project
):
    """Two A's in a row: 400 whose message names the row and both people; nothing saved."""
    response = api_for(member).put(
        url(project, f"raci/rows/work_package-{design.pk}/"),
        {
            "cells": [
                {"user": manager.pk, "role": "A"},
                {"stakeholder": sponsor.pk, "role": "A"},
                {"user": member.pk, "role": "R"},
            ]
        },
    )
    assert response.status_code == 400
    message = response.json()["role"][0]
    assert "“1 Design”" in message and "has 2" in message and "Sam Sponsor" in message
    assert not RaciEntry.objects.filter(work_package=design).exists()


def test_raci_api_put_row_with_one_a_and_one_r_is_saved(
    api_for, member, manager, design, sponsor, project
):
    """One A and one R: 200 with the row, and the cells are listed as entries."""
    client = api_for(member)
    response = client.put(
        url(project, f"raci/rows/work_package-{design.pk}/"),
        {
            "cells": [
                {"stakeholder": sponsor.pk, "role": "A"},
                {"user": member.pk, "role": "R"},
                {"user": manager.pk, "role": "I"},
            ]
        },
    )
    assert response.status_code == 200, response.json()
    row = response.json()
    assert row["label"] == "1 Design" and row["problem"] == ""
    assert [(c["name"], c["role"]) for c in row["cells"]] == [
        ("Mo Member", "R"),
        ("Sam Sponsor", "A"),
        ("Maria Manager", "I"),
    ]
    entries = client.get(url(project, f"raci/?work_package={design.pk}")).json()["results"]
    assert sorted(e["role"] for e in entries) == ["A", "I", "R"]
    assert {e["row"] for e in entries} == {f"work_package-{design.pk}"}


def test_raci_api_edit_that_removes_the_a_is_refused(
    api_for, member, manager, design, sponsor, project
):
    """PATCHing the only A to C leaves no A: refused, the row keeps its A."""
    services.raci_set_row(
        project=project, by=manager, row=design, cells={sponsor: "A", member: "R"}
    )
    response = api_for(member).patch(
        url(project, f"raci/rows/work_package-{design.pk}/"),
        {"cells": [{"stakeholder": sponsor.pk, "role": "C"}]},
    )
    assert response.status_code == 400
    assert "“1 Design” needs exactly one A" in response.json()["role"][0]
    assert RaciEntry.objects.get(work_package=design, stakeholder=sponsor).role == "A"


def test_raci_api_deleting_the_only_r_is_refused_but_clearing_the_row_is_not(
    api_for, member, manager, design, sponsor, project
):
    """DELETE of the row's only R cell is a 400; DELETE of the whole row empties it."""
    services.raci_set_row(
        project=project, by=manager, row=design, cells={sponsor: "A", member: "R"}
    )
    client = api_for(member)
    only_r = RaciEntry.objects.get(work_package=design, role="R")
    response = client.delete(url(project, f"raci/{only_r.pk}/"))
    assert response.status_code == 400
    assert "at least one R" in str(response.json())
    assert client.delete(url(project, f"raci/rows/work_package-{design.pk}/")).status_code == 204
    assert not RaciEntry.objects.filter(work_package=design).exists()


def test_raci_api_refuses_foreign_ids(api_for, member, manager, outsider, design, project):
    """A stakeholder or row of another project: 400 on the cell, 404 on the row."""
    other = outsider.memberships.get().project
    stranger = services.stakeholder_create(project=other, by=outsider, name="Theirs")
    their_row = project_services.work_package_add(project=other, by=outsider, name="Theirs")
    client = api_for(member)
    response = client.put(
        url(project, f"raci/rows/work_package-{design.pk}/"),
        {"cells": [{"stakeholder": stranger.pk, "role": "A"}, {"user": member.pk, "role": "R"}]},
    )
    assert response.status_code == 400
    assert "does not exist" in str(response.json())
    response = client.put(
        url(project, f"raci/rows/work_package-{their_row.pk}/"),
        {"cells": [{"user": manager.pk, "role": "A"}, {"user": member.pk, "role": "R"}]},
    )
    assert response.status_code == 404
    assert not RaciEntry.objects.exists()


def test_raci_api_viewer_cannot_write_a_row(api_for, viewer, manager, member, design, project):
    """A viewer's PUT is 403."""
    response = api_for(viewer).put(
        url(project, f"raci/rows/work_package-{design.pk}/"),
        {"cells": [{"user": manager.pk, "role": "A"}, {"user": member.pk, "role": "R"}]},
    )
    assert response.status_code == 403


def test_raci_api_export_is_csv_and_formula_safe(api_for, viewer, manager, member, design, project):
    """The CSV has a column per party; a name that looks like a formula is quoted."""
    evil = services.stakeholder_create(project=project, by=manager, name='=HYPERLINK("x")')
    services.raci_set_row(project=project, by=manager, row=design, cells={evil: "A", member: "R"})
    response = api_for(viewer).get(url(project, "raci/export/"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert '\'=HYPERLINK("x")' in header
    assert not any(cell.startswith("=") for row in rows for cell in row)
    design_line = next(row for row in rows if row[2] == "Design")
    assert design_line[header.index('\'=HYPERLINK("x")')] == "A"


def test_raci_api_rows_list_query_count_is_constant(api_for, viewer, manager, member, project):
    """The matrix costs the same queries for 2 rows as for 6."""
    client = api_for(viewer)

    def add_rows(n: int) -> None:
        for i in range(n):
            row = project_services.work_package_add(project=project, by=manager, name=f"WP{i}")
            services.raci_set_row(
                project=project, by=manager, row=row, cells={manager: "A", member: "R"}
            )

    add_rows(2)
    few = count_queries(client, url(project, "raci/rows/"))
    add_rows(4)
    assert count_queries(client, url(project, "raci/rows/")) == few
    assert count_queries(client, url(project, "raci/")) == count_queries(
        client, url(project, "raci/?role=A")
    )


# --- communication plan ---------------------------------------------------------------------------


def test_communication_api_audience_must_be_the_projects(
    api_for, member, people, outsider, project
):
    """The weekly report's audience takes this project's stakeholders only."""
    other = outsider.memberships.get().project
    stranger = services.stakeholder_create(project=other, by=outsider, name="Theirs")
    client = api_for(member)
    body = {"kind": "weekly_status_report", "title": "Weekly", "owner": member.pk}
    refused = client.post(url(project, "communication-plan/"), {**body, "audience": [stranger.pk]})
    assert refused.status_code == 400 and "audience" in refused.json()
    ids = [people["Sam Sponsor"].pk, people["Cora CISO"].pk]
    created = client.post(url(project, "communication-plan/"), {**body, "audience": ids})
    assert created.status_code == 201, created.json()
    assert sorted(created.json()["audience"]) == sorted(ids)


# --- meetings, decisions, actions -----------------------------------------------------------------


def test_meetings_api_ics_parses_with_attendees_and_time_zone(
    api_for, manager, member, viewer, sponsor, project
):
    """The .ics download parses; it has the attendees and the project's time zone."""
    client = api_for(member)
    created = client.post(
        url(project, "meetings/"),
        {
            "kind": "steering_committee",
            "title": "Steering committee",
            "starts_at": "2026-03-02T10:00:00Z",
            "ends_at": "2026-03-02T11:00:00Z",
            "attendees": [manager.pk, member.pk],
            "stakeholders": [sponsor.pk],
        },
    )
    assert created.status_code == 201, created.json()
    response = api_for(viewer).get(url(project, f"meetings/{created.json()['id']}/ics/"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    event = next(iter(calendar.walk("VEVENT")))
    attendees = {str(a).lower() for a in event.get("attendee")}
    assert attendees == {
        f"mailto:{manager.email}",
        f"mailto:{member.email}",
        "mailto:sam@client.example",
    }
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == project.time_zone
    assert start == datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
    assert calendar.walk("VTIMEZONE")


def test_meetings_api_refuses_an_end_before_the_start(api_for, member, project):
    """A meeting that ends before it starts is a 400 on ends_at."""
    response = api_for(member).post(
        url(project, "meetings/"),
        {"title": "Oops", "starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T09:00:00Z"},
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()


def test_meetings_api_refuses_times_near_the_ends_of_the_calendar(api_for, member, project):
    """A meeting on 31 Dec 9999 is a 400: shown east of UTC it would overflow into 10000."""
    response = api_for(member).post(
        url(project, "meetings/"),
        {"title": "Last", "starts_at": "9999-12-31T22:00:00Z", "ends_at": "9999-12-31T23:00:00Z"},
    )
    assert response.status_code == 400
    assert response.json()["starts_at"] == ["Give a time between the years 1900 and 2200."]
    assert not project.meetings.exists()


def test_action_items_api_marks_done_and_owner_must_be_a_member(api_for, member, outsider, project):
    """An outsider cannot own an action; PATCH status=done records when."""
    client = api_for(member)
    body = {"title": "Send minutes", "due_date": "2026-02-01"}
    assert (
        client.post(url(project, "action-items/"), {**body, "owner": outsider.pk}).status_code
        == 400
    )
    created = client.post(url(project, "action-items/"), {**body, "owner": member.pk}).json()
    assert created["is_overdue"] is True
    done = client.patch(url(project, f"action-items/{created['id']}/"), {"status": "done"})
    assert done.status_code == 200
    assert done.json()["done_at"] and done.json()["is_overdue"] is False
    mine = client.get("/api/v1/action-items/mine/").json()["results"]
    assert mine == []


def test_decisions_api_meeting_must_be_the_projects(api_for, member, outsider, project):
    """A decision linked to another project's meeting is refused."""
    other = outsider.memberships.get().project
    start = datetime.datetime(2026, 2, 2, 9, 0, tzinfo=datetime.UTC)
    theirs = services.meeting_create(
        project=other,
        by=outsider,
        title="T",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    response = api_for(member).post(
        url(project, "decisions/"),
        {"title": "Go", "decided_by": "SteerCo", "date": "2026-02-02", "meeting": theirs.pk},
    )
    assert response.status_code == 400 and "meeting" in response.json()


# --- approvals ------------------------------------------------------------------------------------


@pytest.fixture
def submitted(project, manager):
    deliverable = project_services.deliverable_create(project=project, by=manager, name="Pilot")
    project_services.deliverable_set_criteria(
        deliverable=deliverable, by=manager, criteria=[{"text": "Signed off", "met": True}]
    )
    project_services.deliverable_transition(
        deliverable=deliverable, by=manager, to=Deliverable.Status.IN_PROGRESS
    )
    return project_services.deliverable_transition(
        deliverable=deliverable, by=manager, to=Deliverable.Status.SUBMITTED
    )


def test_approvals_api_only_managers_ask(api_for, manager, member, viewer, submitted, project):
    """A member asking is 403; a manager's request is addressed to the viewer."""
    body = {"kind": "deliverable_acceptance", "subject_id": submitted.pk, "approver": viewer.pk}
    assert api_for(member).post(url(project, "approvals/"), body).status_code == 403
    response = api_for(manager).post(url(project, "approvals/"), body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["decision"] == "pending" and data["approver"] == viewer.pk
    assert data["subject_label"] == "deliverable “Pilot”"
    assert data["url"].endswith(f"/projects/{project.pk}/approvals/{data['id']}/")


def test_approvals_api_refuses_a_subject_of_another_project(
    api_for, manager, viewer, outsider, project
):
    """subject_id of another project's deliverable is a 400."""
    other = outsider.memberships.get().project
    theirs = project_services.deliverable_create(project=other, by=outsider, name="Theirs")
    response = api_for(manager).post(
        url(project, "approvals/"),
        {"kind": "deliverable_acceptance", "subject_id": theirs.pk, "approver": viewer.pk},
    )
    assert response.status_code == 400 and "subject_id" in response.json()


def test_approvals_api_decided_only_by_the_approver_and_only_once(
    api_for, manager, member, viewer, submitted, project
):
    """The manager and a member get 403; the approver decides; a second decision is a 400."""
    approval = services.approval_request(
        project=project, by=manager, subject=submitted, approver=viewer
    )
    path = url(project, f"approvals/{approval.pk}/decide/")
    for someone in (manager, member):
        response = api_for(someone).post(path, {"decision": "approved"})
        assert response.status_code == 403
        assert "Only Vic Viewer can decide" in response.json()["detail"]
    approval.refresh_from_db()
    assert approval.is_pending
    decided = api_for(viewer).post(path, {"decision": "approved", "comment": "Looks good"})
    assert decided.status_code == 200, decided.json()
    assert decided.json()["decision"] == "approved"
    again = api_for(viewer).post(path, {"decision": "rejected", "comment": "Changed my mind"})
    assert again.status_code == 400
    assert "already approved" in again.json()["decision"][0]
    assert Approval.objects.get(pk=approval.pk).decision == "approved"


def test_approvals_api_rejection_needs_a_comment(api_for, manager, viewer, submitted, project):
    """Rejecting without saying why is a 400 on comment."""
    approval = services.approval_request(
        project=project, by=manager, subject=submitted, approver=viewer
    )
    response = api_for(viewer).post(
        url(project, f"approvals/{approval.pk}/decide/"), {"decision": "rejected"}
    )
    assert response.status_code == 400 and "comment" in response.json()


def test_approvals_api_waiting_lists_mine_across_projects(
    api_for, manager, viewer, submitted, project
):
    """/approvals/waiting/ lists what waits for me in every project, and nothing else."""
    services.approval_request(project=project, by=manager, subject=submitted, approver=viewer)
    boss = UserFactory(username="boss")
    second = project_with(manager=boss, viewer=viewer)
    services.approval_request(project=second, by=boss, subject=second, approver=viewer)
    services.approval_request(project=second, by=boss, subject=second, approver=boss)
    waiting = api_for(viewer).get("/api/v1/approvals/waiting/").json()["results"]
    assert sorted(a["project_key"] for a in waiting) == sorted([project.key, second.key])
    assert api_for(manager).get("/api/v1/approvals/waiting/").json()["results"] == []


def test_approvals_api_withdraw_by_requester(api_for, manager, viewer, member, submitted, project):
    """The requester withdraws a pending request; a member who did not ask gets 403."""
    approval = services.approval_request(
        project=project, by=manager, subject=submitted, approver=viewer
    )
    path = url(project, f"approvals/{approval.pk}/withdraw/")
    assert api_for(member).post(path).status_code == 403
    response = api_for(manager).post(path)
    assert response.status_code == 200 and response.json()["decision"] == "withdrawn"


def test_approvals_api_list_query_count_is_constant(api_for, manager, viewer, member, project):
    """The approvals list costs the same queries for 1 request as for 4 (of two kinds)."""
    client = api_for(viewer)
    services.approval_request(project=project, by=manager, subject=project, approver=viewer)
    few = count_queries(client, url(project, "approvals/"))
    services.approval_request(project=project, by=manager, subject=project, approver=member)
    for name in ("A", "B"):
        d = project_services.deliverable_create(project=project, by=manager, name=name)
        d = project_services.deliverable_transition(deliverable=d, by=manager, to="in_progress")
        d = project_services.deliverable_transition(deliverable=d, by=manager, to="submitted")
        services.approval_request(project=project, by=manager, subject=d, approver=viewer)
    # One more query at most: the deliverables' own prefetch (one per kind of subject).
    assert count_queries(client, url(project, "approvals/")) <= few + 1
