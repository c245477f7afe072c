"""Change control through the API: /api/v1/projects/{project_pk}/change-requests/."""

import pytest

from projects import services
from projects.models import ChangeRequest
from stakeholders.services import approval_request


def url(project, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/projects/{project.pk}/change-requests/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{verb}/" if verb else "")


def change(project, by, **fields) -> ChangeRequest:
    fields.setdefault("title", "Add Safari support")
    return services.change_request_create(project=project, by=by, **fields)


def submitted(project, by, **fields) -> ChangeRequest:
    return services.change_request_transition(
        change_request=change(project, by, **fields), by=by, to="submitted"
    )


def test_change_requests_create_as_draft(api_for, member, project):
    """A member raises a change: numbered CR-001, a draft, created by them."""
    body = {
        "title": "Add Safari support",
        "reason": "Sales need it",
        "schedule_impact": 5,
        "cost_impact": "12000.50",
    }
    response = api_for(member).post(url(project), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["ref"], row["number"], row["status"]) == ("CR-001", 1, "draft")
    assert (row["created_by"], row["requested_by"]) == (member.pk, "Mo Member")
    assert (row["schedule_impact"], row["cost_impact"]) == (5, "12000.50")
    assert set(row) == {
        "id",
        "ref",
        "number",
        "title",
        "description",
        "reason",
        "requested_by",
        "scope_impact",
        "schedule_impact",
        "cost_impact",
        "risk_impact",
        "status",
        "created_by",
        "created_at",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_reason",
        "implemented_at",
        "version",
    }


def test_change_requests_read_only_fields_are_ignored(api_for, member, project):
    """status, number and decision fields in a body do not set them."""
    body = {"title": "X", "status": "approved", "number": 42, "decision_reason": "Sure"}
    row = api_for(member).post(url(project), body).json()
    assert (row["status"], row["number"], row["decision_reason"]) == ("draft", 1, "")


def test_change_requests_full_flow_records_the_decision(api_for, member, manager, project):
    """Member submits, manager approves with a reason, member implements; each is stamped."""
    item = change(project, member)
    submitted_body = api_for(member).post(url(project, item.pk, "submit")).json()
    assert (submitted_body["status"], bool(submitted_body["submitted_at"])) == ("submitted", True)
    approved = api_for(manager).post(url(project, item.pk, "approve"), {"reason": "Worth it"})
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert (body["status"], body["decided_by"], body["decision_reason"]) == (
        "approved",
        manager.pk,
        "Worth it",
    )
    implemented = api_for(member).post(url(project, item.pk, "implement")).json()
    assert implemented["status"] == "implemented" and implemented["implemented_at"]


def test_change_requests_reject_with_reason(api_for, member, manager, project):
    """A manager rejects a submitted change, saying why; a rejected change is final."""
    item = submitted(project, member)
    response = api_for(manager).post(url(project, item.pk, "reject"), {"reason": "Too costly"})
    assert (response.json()["status"], response.json()["decision_reason"]) == (
        "rejected",
        "Too costly",
    )
    again = api_for(member).post(url(project, item.pk, "implement"))
    assert again.status_code == 400
    assert "it is final" in again.json()["status"][0]


def test_change_requests_reject_takes_effect_while_an_approval_is_pending(
    api_for, member, manager, viewer, project
):
    """The manager's reject with its reason takes effect though an approval is pending (it is
    withdrawn); approving meanwhile is a 400 that says whom the change waits for."""
    item = submitted(project, member)
    approval = approval_request(project=project, by=manager, subject=item, approver=viewer)
    client = api_for(manager)
    held = client.post(url(project, item.pk, "approve"), {"reason": "Fine"})
    assert held.status_code == 400
    assert "waiting for approval by Vic Viewer" in held.json()["status"][0]
    response = client.post(url(project, item.pk, "reject"), {"reason": "Too costly"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["decision_reason"]) == (
        "rejected",
        "Too costly",
    )
    approval.refresh_from_db()
    assert approval.decision == "withdrawn"


@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_change_requests_decision_needs_a_reason(api_for, member, manager, project, verb):
    """Approving or rejecting without a reason (missing or blank) is a 400 on `reason`."""
    item = submitted(project, member)
    client = api_for(manager)
    missing = client.post(url(project, item.pk, verb), {})
    blank = client.post(url(project, item.pk, verb), {"reason": "   "})
    for response in (missing, blank):
        assert response.status_code == 400
        assert "reason" in response.json()
    assert "Record why" in blank.json()["reason"][0]
    item.refresh_from_db()
    assert (item.status, item.decided_by) == ("submitted", None)


@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_change_requests_member_cannot_decide(api_for, member, project, verb):
    """Approving and rejecting are managers' decisions: 403 for a member, nothing changes."""
    item = submitted(project, member)
    response = api_for(member).post(url(project, item.pk, verb), {"reason": "I say so"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "submitted"


@pytest.mark.parametrize(
    ("setup", "verb", "message"),
    [
        ([], "implement", "CR-001 is draft and cannot become implemented"),
        ([], "approve", "next it can only be submitted"),
        (["submitted"], "submit", "cannot become submitted"),
        (["submitted"], "implement", "next it can only be approved or rejected"),
    ],
)
def test_change_requests_no_status_is_skipped(api_for, manager, project, setup, verb, message):
    """A transition that skips a status (or repeats one) is a 400 with the service's sentence."""
    item = change(project, manager)
    for to in setup:
        item = services.change_request_transition(change_request=item, by=manager, to=to)
    response = api_for(manager).post(url(project, item.pk, verb), {"reason": "Because"})
    assert response.status_code == 400
    assert message in response.json()["status"][0]
    assert ChangeRequest.objects.get(pk=item.pk).status == item.status


def test_change_requests_only_drafts_can_be_edited(api_for, member, project):
    """A draft is edited; once submitted an edit is a 400 that says so."""
    item = change(project, member)
    client = api_for(member)
    edited = client.patch(url(project, item.pk), {"schedule_impact": 3, "version": 1})
    assert (edited.status_code, edited.json()["schedule_impact"]) == (200, 3)
    client.post(url(project, item.pk, "submit"))
    refused = client.patch(url(project, item.pk), {"schedule_impact": 30})
    assert refused.status_code == 400
    assert "only drafts can be edited" in refused.json()["non_field_errors"][0]
    item.refresh_from_db()
    assert item.schedule_impact == 3


def test_change_requests_stale_version_is_409(api_for, member, manager, project):
    """Editing a draft from an old version is 409."""
    item = change(project, member)
    services.change_request_update(change_request=item, by=manager, version=1, title="Newer")
    response = api_for(member).patch(url(project, item.pk), {"title": "Old", "version": 1})
    assert response.status_code == 409


def test_change_requests_viewer_cannot_write(api_for, viewer, member, project):
    """A viewer's create, edit and submit are 403."""
    item = change(project, member)
    client = api_for(viewer)
    assert client.post(url(project), {"title": "X"}).status_code == 403
    assert client.patch(url(project, item.pk), {"title": "X"}).status_code == 403
    assert client.post(url(project, item.pk, "submit")).status_code == 403
    assert ChangeRequest.objects.count() == 1


def test_change_requests_totals_add_up_approved_impact(api_for, viewer, manager, project):
    """totals sums schedule and cost of approved and implemented changes only."""
    for days, cost, outcome in [
        (5, "1000.00", "approved"),
        (2, "250.50", "approved"),
        (9, "9", ""),
    ]:
        item = submitted(project, manager, schedule_impact=days, cost_impact=cost)
        if outcome:
            services.change_request_transition(
                change_request=item, by=manager, to=outcome, reason="ok"
            )
    change(project, manager, schedule_impact=100)
    response = api_for(viewer).get(url(project, verb="totals"))
    assert response.status_code == 200
    assert response.json() == {
        "approved_schedule_impact": 7,
        "approved_cost_impact": "1250.50",
        "pending": 1,
        "approved": 2,
        "total": 4,
    }


def test_change_requests_list_filters_and_orders(api_for, viewer, manager, project):
    """Newest first; status filters; search finds titles; ordering by number."""
    submitted(project, manager, title="Safari")
    change(project, manager, title="Dark mode")
    client = api_for(viewer)
    refs = lambda r: [row["ref"] for row in r.json()["results"]]  # noqa: E731
    assert refs(client.get(url(project))) == ["CR-002", "CR-001"]
    assert refs(client.get(url(project), {"status": "submitted"})) == ["CR-001"]
    assert refs(client.get(url(project), {"search": "dark"})) == ["CR-002"]
    assert refs(client.get(url(project), {"ordering": "number"})) == ["CR-001", "CR-002"]


def test_change_requests_list_query_count_is_constant(
    api_for, viewer, manager, project, django_assert_max_num_queries
):
    """The change log costs three queries (door, count, page); the totals two."""
    for i in range(30):
        submitted(project, manager, title=f"Change {i}")
    client = api_for(viewer)
    with django_assert_max_num_queries(3):
        assert client.get(url(project)).json()["count"] == 30
    with django_assert_max_num_queries(2):
        assert client.get(url(project, verb="totals")).json()["pending"] == 30
