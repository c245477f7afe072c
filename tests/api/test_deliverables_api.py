"""Scope through the API, part two: deliverables and their acceptance, requirements and the
traceability matrix."""

import pytest

from projects import services
from projects.models import Deliverable, Requirement
from tests.factories import ProjectFactory, UserFactory


def url(project, resource: str, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/projects/{project.pk}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{verb}/" if verb else "")


def deliverable(project, by, name="Pilot", criteria=("Users trained", "Data migrated"), **kw):
    return services.deliverable_create(
        project=project, by=by, name=name, criteria=list(criteria), **kw
    )


def submitted(project, by, **kw) -> Deliverable:
    item = deliverable(project, by, **kw)
    services.deliverable_transition(deliverable=item, by=by, to="in_progress")
    return services.deliverable_transition(deliverable=item, by=by, to="submitted")


def foreign_project():
    return ProjectFactory(), UserFactory()


# --- deliverables: reading and writing ------------------------------------------------------------


def test_deliverables_create_with_criteria(api_for, member, project):
    """A member adds a deliverable with criteria texts; they come back unmet, with ids."""
    package = services.work_package_add(project=project, by=member, name="Roll-out")
    body = {
        "name": "Pilot",
        "owner": member.pk,
        "work_package": package.pk,
        "due_date": "2026-04-30",
        "acceptance_criteria": [{"text": "Users trained"}, {"text": "Data migrated"}],
    }
    response = api_for(member).post(url(project, "deliverables"), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert [(c["text"], c["met"]) for c in row["acceptance_criteria"]] == [
        ("Users trained", False),
        ("Data migrated", False),
    ]
    assert all(isinstance(c["id"], int) for c in row["acceptance_criteria"])
    assert (row["status"], row["work_package"], row["requirements"]) == ("planned", package.pk, [])
    assert set(row) == {
        "id",
        "name",
        "description",
        "owner",
        "due_date",
        "work_package",
        "status",
        "acceptance_criteria",
        "requirements",
        "decided_by",
        "decided_at",
        "rejection_reason",
        "version",
    }


def test_deliverables_create_refuses_met_criteria(api_for, member, project):
    """New criteria start unmet: a body marking one met is a 400 on acceptance_criteria."""
    body = {"name": "Pilot", "acceptance_criteria": [{"text": "Done", "met": True}]}
    response = api_for(member).post(url(project, "deliverables"), body)
    assert response.status_code == 400
    assert "acceptance_criteria" in response.json()
    assert not Deliverable.objects.exists()


def test_deliverables_status_is_read_only_in_crud(api_for, member, project):
    """status in a create or edit body is ignored: only /transition/ changes it."""
    response = api_for(member).post(
        url(project, "deliverables"), {"name": "X", "status": "accepted"}
    )
    assert response.json()["status"] == "planned"
    pk = response.json()["id"]
    patched = api_for(member).patch(url(project, "deliverables", pk), {"status": "accepted"})
    assert patched.json()["status"] == "planned"


def test_deliverables_set_criteria_replaces_the_list(api_for, member, project):
    """PATCH acceptance_criteria keeps items by id (updating them), adds new, removes the rest."""
    item = deliverable(project, member)
    trained, migrated = item.criteria.order_by("position")
    body = {
        "acceptance_criteria": [
            {"id": migrated.pk, "text": "Data migrated", "met": True},
            {"text": "Runbook written"},
        ]
    }
    response = api_for(member).patch(url(project, "deliverables", item.pk), body)
    assert response.status_code == 200, response.json()
    assert [(c["id"], c["text"], c["met"]) for c in response.json()["acceptance_criteria"]] == [
        (migrated.pk, "Data migrated", True),
        (response.json()["acceptance_criteria"][1]["id"], "Runbook written", False),
    ]
    assert not item.criteria.filter(pk=trained.pk).exists()


def test_deliverables_criterion_of_another_deliverable_is_refused(api_for, member, project):
    """A criterion id that is not this deliverable's is a 400; nothing changes."""
    item = deliverable(project, member)
    other = deliverable(project, member, name="Other")
    stolen = other.criteria.first()
    response = api_for(member).patch(
        url(project, "deliverables", item.pk),
        {"acceptance_criteria": [{"id": stolen.pk, "text": "Mine now", "met": True}]},
    )
    assert response.status_code == 400
    assert "acceptance_criteria" in response.json()
    stolen.refresh_from_db()
    assert (stolen.deliverable_id, stolen.text, stolen.met) == (other.pk, stolen.text, False)
    assert item.criteria.count() == 2


def test_deliverables_foreign_work_package_is_refused(api_for, member, project):
    """Another project's work package id is a 400 on `work_package`; nothing is written."""
    other, stranger = foreign_project()
    foreign = services.work_package_add(project=other, by=stranger, name="Foreign")
    item = deliverable(project, member)
    client = api_for(member)
    created = client.post(url(project, "deliverables"), {"name": "X", "work_package": foreign.pk})
    patched = client.patch(url(project, "deliverables", item.pk), {"work_package": foreign.pk})
    for response in (created, patched):
        assert response.status_code == 400
        assert "does not exist" in response.json()["work_package"][0]
    assert Deliverable.objects.filter(project=project).count() == 1
    assert not foreign.deliverables.exists()


def test_deliverables_owner_must_be_a_member(api_for, member, project, outsider):
    """A non-member owner is a 400 on `owner`."""
    response = api_for(member).post(
        url(project, "deliverables"), {"name": "X", "owner": outsider.pk}
    )
    assert response.status_code == 400
    assert "not a member" in response.json()["owner"][0]


def test_deliverables_stale_version_is_409(api_for, member, manager, project):
    """An edit from an old version is 409; the newer name stays."""
    item = deliverable(project, member)
    services.deliverable_update(deliverable=item, by=manager, version=1, name="Newer")
    response = api_for(member).patch(
        url(project, "deliverables", item.pk), {"name": "Old", "version": 1}
    )
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.name == "Newer"


def test_deliverables_viewer_cannot_write(api_for, viewer, member, project):
    """A viewer's create, edit and transition are 403."""
    item = deliverable(project, member)
    client = api_for(viewer)
    assert client.post(url(project, "deliverables"), {"name": "X"}).status_code == 403
    assert client.patch(url(project, "deliverables", item.pk), {"name": "X"}).status_code == 403
    moved = client.post(url(project, "deliverables", item.pk, "transition"), {"to": "in_progress"})
    assert moved.status_code == 403
    item.refresh_from_db()
    assert (item.name, item.status) == ("Pilot", "planned")


def test_deliverables_list_filters_and_searches(api_for, viewer, member, project):
    """status, owner and work_package filter; search finds names."""
    package = services.work_package_add(project=project, by=member, name="Roll-out")
    deliverable(project, member, name="Pilot", owner=member, work_package=package)
    submitted(project, member, name="Training")
    client = api_for(viewer)
    names = lambda r: sorted(row["name"] for row in r.json()["results"])  # noqa: E731
    assert names(client.get(url(project, "deliverables"), {"status": "submitted"})) == ["Training"]
    assert names(client.get(url(project, "deliverables"), {"owner": member.pk})) == ["Pilot"]
    by_package = client.get(url(project, "deliverables"), {"work_package": package.pk})
    assert names(by_package) == ["Pilot"]
    assert names(client.get(url(project, "deliverables"), {"search": "train"})) == ["Training"]


def test_deliverables_list_query_count_is_constant(
    api_for, viewer, member, project, django_assert_max_num_queries
):
    """The list costs five queries (door, count, page, criteria, requirements) for any length."""
    for i in range(25):
        item = deliverable(project, member, name=f"D{i}", owner=member)
        services.requirement_create(project=project, by=member, text=f"R{i}", deliverables=[item])
    with django_assert_max_num_queries(5):
        response = api_for(viewer).get(url(project, "deliverables"))
    rows = response.json()["results"]
    assert len(rows) == 25 and all(len(r["acceptance_criteria"]) == 2 for r in rows)
    assert all(len(r["requirements"]) == 1 for r in rows)


# --- deliverables: acceptance ---------------------------------------------------------------------


def transition(client, project, item, to, reason=None):
    body = {"to": to} if reason is None else {"to": to, "reason": reason}
    return client.post(url(project, "deliverables", item.pk, "transition"), body)


def test_deliverables_transition_walks_to_acceptance(api_for, member, manager, project):
    """Member starts and submits; once every criterion is met the manager accepts it."""
    item = deliverable(project, member)
    client = api_for(member)
    assert transition(client, project, item, "in_progress").json()["status"] == "in_progress"
    assert transition(client, project, item, "submitted").json()["status"] == "submitted"
    item.criteria.update(met=True)
    response = transition(api_for(manager), project, item, "accepted")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["decided_by"]) == ("accepted", manager.pk)
    assert body["decided_at"] is not None


def test_deliverables_accept_names_the_unmet_criteria(api_for, member, manager, project):
    """Accepting with unmet criteria is a 400 that names each unmet one; it stays submitted."""
    item = submitted(project, member)
    item.criteria.filter(text="Users trained").update(met=True)
    response = transition(api_for(manager), project, item, "accepted")
    assert response.status_code == 400
    message = response.json()["status"][0]
    assert "Data migrated" in message and "Users trained" not in message
    item.refresh_from_db()
    assert item.status == "submitted"


def test_deliverables_accept_needs_some_criteria(api_for, member, manager, project):
    """A deliverable without criteria cannot be accepted."""
    item = submitted(project, member, criteria=())
    response = transition(api_for(manager), project, item, "accepted")
    assert response.status_code == 400
    assert "acceptance criteria" in response.json()["status"][0]


@pytest.mark.parametrize("to", ["accepted", "rejected"])
def test_deliverables_member_cannot_decide(api_for, member, project, to):
    """Accepting and rejecting are managers' decisions: a member gets 403 and nothing changes."""
    item = submitted(project, member)
    item.criteria.update(met=True)
    response = transition(api_for(member), project, item, to, reason="Because")
    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.status, item.decided_by) == ("submitted", None)


def test_deliverables_reject_needs_a_reason(api_for, member, manager, project):
    """Rejecting without a reason is a 400 on `reason`; with one it is recorded."""
    item = submitted(project, member)
    client = api_for(manager)
    for body in ({"to": "rejected"}, {"to": "rejected", "reason": "  "}):
        response = client.post(url(project, "deliverables", item.pk, "transition"), body)
        assert response.status_code == 400
        assert "reason" in response.json()
    response = transition(client, project, item, "rejected", reason="Training incomplete")
    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "Training incomplete"
    assert response.json()["status"] == "rejected"


def test_deliverables_transition_refuses_a_skip(api_for, member, project):
    """planned → submitted skips in progress: a 400 on status, and it stays planned."""
    item = deliverable(project, member)
    response = transition(api_for(member), project, item, "submitted")
    assert response.status_code == 400
    assert "cannot become submitted" in response.json()["status"][0]
    item.refresh_from_db()
    assert item.status == "planned"


def test_deliverables_accepted_is_final(api_for, member, manager, project):
    """An accepted deliverable cannot be edited, nor its criteria changed (400)."""
    item = submitted(project, member)
    item.criteria.update(met=True)
    services.deliverable_transition(deliverable=item, by=manager, to="accepted")
    client = api_for(manager)
    assert client.patch(url(project, "deliverables", item.pk), {"name": "X"}).status_code == 400
    criteria = {"acceptance_criteria": [{"text": "New"}]}
    assert client.patch(url(project, "deliverables", item.pk), criteria).status_code == 400
    assert item.criteria.count() == 2


# --- requirements ---------------------------------------------------------------------------------


def test_requirements_create_numbers_refs(api_for, member, project):
    """Without a ref the next REQ-nnn is given; a given ref is kept in capitals."""
    client = api_for(member)
    first = client.post(url(project, "requirements"), {"text": "SSO login", "priority": "must"})
    assert first.status_code == 201, first.json()
    assert (first.json()["ref"], first.json()["priority"]) == ("REQ-001", "must")
    second = client.post(url(project, "requirements"), {"text": "Audit log", "ref": "sec-7"})
    assert second.json()["ref"] == "SEC-7"
    assert set(first.json()) == {
        "id",
        "ref",
        "text",
        "category",
        "priority",
        "source",
        "status",
        "deliverables",
        "version",
    }


def test_requirements_duplicate_ref_is_400(api_for, member, project):
    """A ref already used in the project is refused; another project may use it."""
    services.requirement_create(project=project, by=member, text="SSO", ref="REQ-001")
    client = api_for(member)
    response = client.post(url(project, "requirements"), {"text": "Dup", "ref": "req-001"})
    assert response.status_code == 400
    assert "references are unique" in response.json()["ref"][0]
    other = services.requirement_create(project=project, by=member, text="Other")
    renamed = client.patch(url(project, "requirements", other.pk), {"ref": "REQ-001"})
    assert renamed.status_code == 400
    assert Requirement.objects.filter(project=project, ref="REQ-001").count() == 1


def test_requirements_unknown_priority_is_400(api_for, member, project):
    """priority is must, should, could or wont."""
    response = api_for(member).post(url(project, "requirements"), {"text": "x", "priority": "high"})
    assert response.status_code == 400
    assert "priority" in response.json()


def test_requirements_trace_to_own_deliverables(api_for, member, project):
    """deliverables takes ids of the project's deliverables; the whole list is replaced on edit."""
    pilot, training = deliverable(project, member), deliverable(project, member, name="Training")
    client = api_for(member)
    created = client.post(url(project, "requirements"), {"text": "SSO", "deliverables": [pilot.pk]})
    assert created.json()["deliverables"] == [pilot.pk]
    pk = created.json()["id"]
    both = client.patch(url(project, "requirements", pk), {"deliverables": [training.pk, pilot.pk]})
    assert sorted(both.json()["deliverables"]) == sorted([pilot.pk, training.pk])
    assert client.get(url(project, "deliverables", pilot.pk)).json()["requirements"] == [pk]


def test_requirements_foreign_deliverable_is_refused_and_nothing_linked(api_for, member, project):
    """Another project's deliverable id is a 400 on `deliverables`; no requirement, no link."""
    other, stranger = foreign_project()
    foreign = services.deliverable_create(project=other, by=stranger, name="Foreign")
    own = deliverable(project, member)
    existing = services.requirement_create(
        project=project, by=member, text="Kept", deliverables=[own]
    )
    client = api_for(member)
    created = client.post(
        url(project, "requirements"), {"text": "SSO", "deliverables": [own.pk, foreign.pk]}
    )
    patched = client.patch(
        url(project, "requirements", existing.pk), {"deliverables": [foreign.pk], "text": "Moved"}
    )
    for response in (created, patched):
        assert response.status_code == 400
        assert "does not exist" in response.json()["deliverables"][0]
    assert list(Requirement.objects.filter(project=project)) == [existing]
    existing.refresh_from_db()
    assert (existing.text, list(existing.deliverables.all())) == ("Kept", [own])
    assert not foreign.requirements.exists()


def test_requirements_stale_version_is_409(api_for, member, manager, project):
    """An edit from an old version is 409."""
    item = services.requirement_create(project=project, by=member, text="SSO")
    services.requirement_update(requirement=item, by=manager, version=1, text="SSO via Entra")
    response = api_for(member).patch(
        url(project, "requirements", item.pk), {"text": "Old", "version": 1}
    )
    assert response.status_code == 409


def test_requirements_viewer_cannot_write(api_for, viewer, project):
    """A viewer's create is 403."""
    assert api_for(viewer).post(url(project, "requirements"), {"text": "x"}).status_code == 403
    assert not Requirement.objects.exists()


def test_requirements_list_filters_searches_and_orders(api_for, viewer, member, project):
    """priority, status and category filter; search looks in ref and text; ordering by ref."""
    services.requirement_create(
        project=project, by=member, text="SSO login", priority="must", category="Security"
    )
    services.requirement_create(
        project=project, by=member, text="Dark mode", priority="could", status="approved"
    )
    client = api_for(viewer)
    refs = lambda r: [row["ref"] for row in r.json()["results"]]  # noqa: E731
    assert refs(client.get(url(project, "requirements"))) == ["REQ-001", "REQ-002"]
    assert refs(client.get(url(project, "requirements"), {"priority": "could"})) == ["REQ-002"]
    assert refs(client.get(url(project, "requirements"), {"status": "approved"})) == ["REQ-002"]
    security = client.get(url(project, "requirements"), {"category": "Security"})
    assert refs(security) == ["REQ-001"]
    assert refs(client.get(url(project, "requirements"), {"search": "dark"})) == ["REQ-002"]
    assert refs(client.get(url(project, "requirements"), {"search": "req-001"})) == ["REQ-001"]
    descending = client.get(url(project, "requirements"), {"ordering": "-ref"})
    assert refs(descending) == ["REQ-002", "REQ-001"]


def test_requirements_list_query_count_is_constant(
    api_for, viewer, member, project, django_assert_max_num_queries
):
    """The list costs four queries (door, count, page, deliverables) for any length."""
    items = [deliverable(project, member, name=f"D{i}", criteria=()) for i in range(3)]
    for i in range(30):
        services.requirement_create(project=project, by=member, text=f"R{i}", deliverables=items)
    with django_assert_max_num_queries(4):
        response = api_for(viewer).get(url(project, "requirements"))
    assert all(len(row["deliverables"]) == 3 for row in response.json()["results"])


# --- traceability ---------------------------------------------------------------------------------


def test_traceability_matrix_shows_links_and_gaps(api_for, viewer, member, project):
    """Rows are requirements, columns deliverables; untraced ones on both sides are listed."""
    pilot = deliverable(project, member, name="Pilot", due_date="2026-03-01")
    lonely = deliverable(project, member, name="Lonely", due_date="2026-04-01")
    traced = services.requirement_create(
        project=project, by=member, text="SSO", deliverables=[pilot]
    )
    untraced = services.requirement_create(project=project, by=member, text="Audit log")
    services.requirement_create(project=project, by=member, text="Fax", status="dropped")
    response = api_for(viewer).get(url(project, "traceability"))
    assert response.status_code == 200
    body = response.json()
    assert [(d["id"], d["name"]) for d in body["deliverables"]] == [
        (pilot.pk, "Pilot"),
        (lonely.pk, "Lonely"),
    ]
    rows = {row["ref"]: row for row in body["requirements"]}
    assert rows["REQ-001"]["cells"] == [True, False]
    assert rows["REQ-001"]["deliverables"] == [pilot.pk]
    assert (rows["REQ-002"]["cells"], rows["REQ-002"]["untraced"]) == ([False, False], True)
    assert rows["REQ-003"]["untraced"] is False  # dropped requirements need no deliverable
    assert body["untraced_requirements"] == [untraced.pk]
    assert body["deliverables_without_requirements"] == [lonely.pk]
    assert traced.pk == rows["REQ-001"]["id"]


def test_traceability_query_count_is_constant(
    api_for, viewer, member, project, django_assert_max_num_queries
):
    """The matrix costs four queries (door, requirements, their links, deliverables)."""
    items = [deliverable(project, member, name=f"D{i}", criteria=()) for i in range(10)]
    for i in range(20):
        services.requirement_create(project=project, by=member, text=f"R{i}", deliverables=items)
    with django_assert_max_num_queries(4):
        response = api_for(viewer).get(url(project, "traceability"))
    assert len(response.json()["requirements"]) == 20


def test_traceability_is_read_only(api_for, manager, project):
    """The matrix offers GET only: a write is 405."""
    assert api_for(manager).put(url(project, "traceability"), {}).status_code == 405
