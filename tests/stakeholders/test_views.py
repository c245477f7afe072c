"""Stakeholder pages: the door (404 for outsiders, 403 for viewers' writes), the register and its
grid, the RACI matrix refusing a row without exactly one A (in place with htmx and without), the
approval page only its approver can use, "my work", downloads and constant query counts."""

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services as project_services
from stakeholders import services
from stakeholders.models import Approval, RaciEntry

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def meeting(project, manager, people):
    start = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
    return services.meeting_create(
        project=project,
        by=manager,
        title="Steering committee",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        stakeholders=[people["Sam Sponsor"]],
        attendees=[manager],
    )


@pytest.fixture
def approval(project, manager, viewer):
    return services.approval_request(project=project, by=manager, subject=project, approver=viewer)


def page_urls(project, wbs, people, meeting, approval, manager) -> list[str]:
    action = services.action_item_create(
        project=project, by=manager, title="Minutes", owner=manager, due_date=project.start_date
    )
    decision = services.decision_record(
        project=project, by=manager, title="Go", decided_by="SteerCo", date=project.start_date
    )
    item = services.communication_item_create(project=project, by=manager, title="Weekly")
    pk, s = project.pk, people["Sam Sponsor"].pk
    names = [
        ("register", {}),
        ("stakeholder_new", {}),
        ("grid", {}),
        ("engagement", {}),
        ("stakeholder_edit", {"stakeholder_pk": s}),
        ("stakeholder_delete", {"stakeholder_pk": s}),
        ("communication", {}),
        ("communication_edit", {"item_pk": item.pk}),
        ("communication_delete", {"item_pk": item.pk}),
        ("raci", {}),
        ("raci_export", {}),
        ("raci_row", {"row": f"work_package-{wbs['Design'].pk}"}),
        ("meetings", {}),
        ("meeting_new", {}),
        ("meeting", {"meeting_pk": meeting.pk}),
        ("meeting_edit", {"meeting_pk": meeting.pk}),
        ("meeting_ics", {"meeting_pk": meeting.pk}),
        ("decisions", {}),
        ("decision_edit", {"decision_pk": decision.pk}),
        ("actions", {}),
        ("action_edit", {"action_pk": action.pk}),
        ("action_status", {"action_pk": action.pk}),
        ("approvals", {}),
        ("approval", {"approval_pk": approval.pk}),
        ("approval_withdraw", {"approval_pk": approval.pk}),
    ]
    return [reverse(f"stakeholders:{name}", kwargs={"pk": pk, **kw}) for name, kw in names]


def test_views_outsider_gets_404_everywhere(
    client_for, outsider, project, wbs, people, meeting, approval, manager
):
    """Every stakeholder page of a project is 404 for a non-member, whatever the method."""
    client = client_for(outsider)
    before = (RaciEntry.objects.count(), Approval.objects.filter(decision="pending").count())
    for url in page_urls(project, wbs, people, meeting, approval, manager):
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"status": "done", "decision": "approved"})
            assert response.status_code == 404, f"{method.upper()} {url}"
    assert (
        RaciEntry.objects.count(),
        Approval.objects.filter(decision="pending").count(),
    ) == before


def test_views_viewer_reads_every_page_but_cannot_write(
    client_for, viewer, project, wbs, people, meeting, approval, manager
):
    """A viewer reads every page; POSTs to the write pages are 403."""
    client = client_for(viewer)
    writes = {
        "stakeholders/new/",
        "/edit/",
        "/delete/",
        "communication/",
        "raci/work_package",
        "meetings/new/",
        "decisions/",
        "actions/",
        "approvals/",
    }
    for url in page_urls(project, wbs, people, meeting, approval, manager):
        form_page = url.endswith(("/new/", "/edit/")) or "/raci/work_package" in url
        posting_only = url.endswith(("/delete/", "/status/", "/withdraw/"))
        if not form_page and not posting_only:
            assert client.get(url).status_code == 200, url
        if any(w in url for w in writes) and not url.endswith(f"/approvals/{approval.pk}/"):
            assert client.post(url, {}).status_code == 403, f"POST {url}"


# --- register, grid, engagement -------------------------------------------------------------------


def test_register_filters_by_quadrant(client_for, viewer, project, people):
    """?quadrant=keep_satisfied shows only Cora; the quadrant is named in each row."""
    response = client_for(viewer).get(
        reverse("stakeholders:register", args=[project.pk]), {"quadrant": "keep_satisfied"}
    )
    assert [s.name for s in response.context["stakeholders"]] == ["Cora CISO"]
    assert "Keep satisfied" in response.content.decode()


def test_register_htmx_filter_returns_the_table_only(client_for, viewer, project, people):
    """An htmx filter answers with the table region, not the whole page."""
    response = client_for(viewer).get(
        reverse("stakeholders:register", args=[project.pk]),
        {"q": "mona"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="stakeholder-table",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="stakeholder-table"')
    assert "Mona Monitor" in body and "Sam Sponsor" not in body


def test_stakeholder_new_adds_to_the_register(client_for, member, project):
    """A member adds a stakeholder; the message names the quadrant."""
    response = client_for(member).post(
        reverse("stakeholders:stakeholder_new", args=[project.pk]),
        {
            "name": "Carla CFO",
            "kind": "internal",
            "power": 5,
            "interest": 2,
            "engagement_current": "neutral",
            "engagement_desired": "supportive",
        },
        follow=True,
    )
    assert "Carla CFO added to the register (keep satisfied)." in response.content.decode()


def test_grid_draws_a_labelled_dot_per_stakeholder_and_strategies(
    client_for, viewer, project, people
):
    """The SVG has a labelled dot for each stakeholder and the four strategies; a table too."""
    body = client_for(viewer).get(reverse("stakeholders:grid", args=[project.pk])).content.decode()
    assert body.count("<circle") == 4
    for name in people:
        assert f">{name}</text>" in body
    assert "Key player" in body and "Watch for changes" in body
    assert "The grid as a table" in body


def test_engagement_matrix_highlights_gaps(client_for, viewer, manager, project):
    """A resistant stakeholder who should lead is a gap of 3 steps; one on target is not."""
    services.stakeholder_create(
        project=project,
        by=manager,
        name="Rex",
        engagement_current="resistant",
        engagement_desired="leading",
    )
    services.stakeholder_create(
        project=project,
        by=manager,
        name="Ona",
        engagement_current="supportive",
        engagement_desired="supportive",
    )
    response = client_for(viewer).get(reverse("stakeholders:engagement", args=[project.pk]))
    rows = {r["stakeholder"].name: r for r in response.context["rows"]}
    assert rows["Rex"]["gap"] == 3 and rows["Ona"]["gap"] == 0
    body = response.content.decode()
    assert "Raise 3 steps" in body and "On target" in body and 'class="has-gap"' in body


# --- RACI -----------------------------------------------------------------------------------------


def _row_post(row_key: str, cells: dict) -> dict:
    return {f"{row_key}-{party}": role for party, role in cells.items()}


def test_raci_row_with_two_as_is_refused_naming_the_row(
    client_for, manager, member, project, wbs, people
):
    """Two A's: the page answers with the row in edit mode and a message naming the row."""
    row = f"work_package-{wbs['Design'].pk}"
    sam = people["Sam Sponsor"]
    data = _row_post(row, {f"s-{sam.pk}": "A", f"u-{manager.pk}": "A", f"u-{member.pk}": "R"})
    url = reverse("stakeholders:raci_row", args=[project.pk, row])
    response = client_for(manager).post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Row “1 Design” needs exactly one A (accountable) and has 2" in body
    assert 'class="raci-editing has-error"' in body
    assert not RaciEntry.objects.exists()


def test_raci_row_htmx_refusal_and_save_swap_the_row(
    client_for, manager, member, project, wbs, people
):
    """With htmx the answer is just the row: refused first, then saved with one A and one R."""
    client = client_for(manager)
    row = f"work_package-{wbs['Build'].pk}"
    url = reverse("stakeholders:raci_row", args=[project.pk, row])
    sam = people["Sam Sponsor"]
    refused = client.post(url, _row_post(row, {f"s-{sam.pk}": "C"}), **HTMX)
    body = refused.content.decode()
    assert body.lstrip().startswith(f'<tr id="row-{row}"')
    assert "Row “2 Build” needs exactly one A (accountable) and has none" in body
    saved = client.post(url, _row_post(row, {f"s-{sam.pk}": "A", f"u-{member.pk}": "R"}), **HTMX)
    body = saved.content.decode()
    assert body.lstrip().startswith(f'<tr id="row-{row}"') and "Saved." in body
    roles = {(e.stakeholder_id, e.user_id, e.role) for e in RaciEntry.objects.all()}
    assert roles == {(sam.pk, None, "A"), (None, member.pk, "R")}


def test_raci_row_plain_post_redirects_with_a_message(client_for, manager, member, project, wbs):
    """Without htmx a saved row redirects to the matrix with a message."""
    row = f"work_package-{wbs['Test'].pk}"
    url = reverse("stakeholders:raci_row", args=[project.pk, row])
    data = _row_post(row, {f"u-{manager.pk}": "A", f"u-{member.pk}": "R"})
    response = client_for(manager).post(url, data, follow=True)
    assert "RACI for “3 Test” saved." in response.content.decode()


def test_raci_clearing_the_only_a_is_refused(client_for, manager, member, project, wbs):
    """Editing a saved row so it loses its A is refused and the row keeps its A."""
    services.raci_set_row(
        project=project, by=manager, row=wbs["Design"], cells={manager: "A", member: "R"}
    )
    row = f"work_package-{wbs['Design'].pk}"
    url = reverse("stakeholders:raci_row", args=[project.pk, row])
    response = client_for(manager).post(url, _row_post(row, {f"u-{member.pk}": "R"}))
    assert "needs exactly one A" in response.content.decode()
    assert RaciEntry.objects.get(user=manager).role == "A"


def test_raci_row_of_another_project_is_404(client_for, manager, outsider, project):
    """A row id from another project is 404 under this project's URL."""
    other = outsider.memberships.get().project
    theirs = project_services.work_package_add(project=other, by=outsider, name="Theirs")
    url = reverse("stakeholders:raci_row", args=[project.pk, f"work_package-{theirs.pk}"])
    assert client_for(manager).get(url).status_code == 404


def test_raci_export_is_formula_safe(client_for, viewer, manager, member, project, wbs):
    """The page's CSV quotes a name that a spreadsheet would run."""
    evil = services.stakeholder_create(project=project, by=manager, name="@SUM(1+1)")
    services.raci_set_row(
        project=project, by=manager, row=wbs["Design"], cells={evil: "A", member: "R"}
    )
    response = client_for(viewer).get(reverse("stakeholders:raci_export", args=[project.pk]))
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'@SUM(1+1)" in text and ",@SUM" not in text


# --- meetings, actions, my work -------------------------------------------------------------------


def test_meeting_invitation_parses(client_for, viewer, project, meeting):
    """The .ics download parses and invites the attendees, in the project's time zone."""
    response = client_for(viewer).get(
        reverse("stakeholders:meeting_ics", args=[project.pk, meeting.pk])
    )
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert "mailto:sam@client.example" in {str(a) for a in event.get("attendee")}
    assert str(event.decoded("dtstart").tzinfo) == project.time_zone


def test_my_work_lists_overdue_actions_and_waiting_approvals(
    client_for, viewer, manager, project, approval
):
    """My work shows my overdue action as overdue and the approval waiting for me."""
    services.action_item_create(
        project=project,
        by=manager,
        title="Read the pack",
        owner=viewer,
        due_date=datetime.date(2020, 1, 1),
    )
    response = client_for(viewer).get(reverse("stakeholders:my_work"))
    body = response.content.decode()
    assert [a.title for a in response.context["overdue"]] == ["Read the pack"]
    assert "Overdue" in body and f"closure of {project.key}" in body


def test_action_owner_who_is_a_viewer_can_mark_it_done(client_for, viewer, manager, project):
    """The owner closes their action from "my work" even as a viewer."""
    action = services.action_item_create(
        project=project, by=manager, title="Read", owner=viewer, due_date=project.start_date
    )
    url = reverse("stakeholders:action_status", args=[project.pk, action.pk])
    response = client_for(viewer).post(url, {"status": "done", "next": "/my-work/"})
    assert response.status_code == 302 and response["Location"] == "/my-work/"
    action.refresh_from_db()
    assert action.status == "done"


# --- approvals ------------------------------------------------------------------------------------


def test_approval_page_only_the_approver_decides_and_only_once(
    client_for, manager, viewer, project, approval
):
    """The manager's POST is 403; the viewer approves; a second decision is refused."""
    url = reverse("stakeholders:approval", kwargs={"pk": project.pk, "approval_pk": approval.pk})
    assert client_for(manager).post(url, {"decision": "approved"}).status_code == 403
    approval.refresh_from_db()
    assert approval.is_pending
    client = client_for(viewer)
    page = client.get(url).content.decode()
    assert "Record my decision" in page
    response = client.post(url, {"decision": "rejected", "comment": "Not yet"}, follow=True)
    assert "You rejected closure of" in response.content.decode()
    again = client.post(url, {"decision": "approved"})
    assert "a decision is final" in again.content.decode()
    assert Approval.objects.get(pk=approval.pk).decision == "rejected"


def test_approval_page_of_an_automatic_withdrawal_names_who_rejected(
    client_for, manager, member, viewer, project
):
    """A request withdrawn because another approver rejected says so, in good grammar."""
    first = services.approval_request(project=project, by=manager, subject=project, approver=viewer)
    second = services.approval_request(
        project=project, by=manager, subject=project, approver=member
    )
    services.approval_decide(approval=first, by=viewer, decision="rejected", comment="Not yet")
    url = reverse("stakeholders:approval", kwargs={"pk": project.pk, "approval_pk": second.pk})
    page = client_for(member).get(url).content.decode()
    assert "withdrawn automatically after Vic Viewer rejected" in page
    assert "Mo Member withdrawn it" not in page


def test_approval_e_mail_link_is_the_approval_page(approval, project):
    """The e-mail's link is this page's URL."""
    assert services.approval_url(approval).endswith(
        f"/projects/{project.pk}/approvals/{approval.pk}/"
    )


def test_approval_request_from_the_page(client_for, manager, viewer, project):
    """A manager asks for the project's closure from the approvals page."""
    response = client_for(manager).post(
        reverse("stakeholders:approvals", args=[project.pk]),
        {"subject": "project", "approver": viewer.pk, "note": "Check the lessons"},
        follow=True,
    )
    assert "Vic Viewer was asked to approve closure of" in response.content.decode()
    assert Approval.objects.get().approver == viewer


# --- query counts ---------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_query_counts_are_constant(client_for, manager, member, viewer, project, wbs):
    """Register, grid, engagement, RACI, meetings, actions, approvals and my work cost the same
    queries with twice the records."""
    client = client_for(viewer)
    urls = [
        reverse(f"stakeholders:{name}", args=[project.pk])
        for name in (
            "register",
            "grid",
            "engagement",
            "raci",
            "communication",
            "meetings",
            "decisions",
            "actions",
            "approvals",
        )
    ] + [reverse("stakeholders:my_work")]

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            s = services.stakeholder_create(
                project=project, by=manager, name=f"S{i}", email=f"s{i}@x.example"
            )
            start = datetime.datetime(2026, 3, 2 + i, 10, tzinfo=datetime.UTC)
            m = services.meeting_create(
                project=project,
                by=manager,
                title=f"M{i}",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                stakeholders=[s],
                attendees=[viewer],
            )
            services.action_item_create(
                project=project,
                by=manager,
                title=f"A{i}",
                owner=viewer,
                due_date=datetime.date(2026, 1, 1),
                meeting=m,
            )
            services.decision_record(
                project=project,
                by=manager,
                title=f"D{i}",
                decided_by="X",
                date=start.date(),
                meeting=m,
            )
            item = services.communication_item_create(
                project=project, by=manager, title=f"C{i}", kind="weekly_status_report"
            )
            services.communication_item_update(item=item, by=manager, version=None, audience=[s])
            row = project_services.work_package_add(project=project, by=manager, name=f"W{i}")
            services.raci_set_row(project=project, by=manager, row=row, cells={s: "A", member: "R"})

    add(2, 0)
    services.approval_request(project=project, by=manager, subject=project, approver=viewer)
    few = [_queries(client, url) for url in urls]
    add(2, 2)
    services.approval_request(project=project, by=manager, subject=project, approver=member)
    assert [_queries(client, url) for url in urls] == few
