"""Scope through the API, part one: the charter, objectives and the WBS (work packages)."""

import pytest

from projects import services
from projects.models import Charter, Objective, Project, WorkPackage
from tests.factories import ProjectFactory, UserFactory


def url(project, resource: str, pk: int | None = None, verb: str = "") -> str:
    path = f"/api/v1/projects/{project.pk}/{resource}/"
    if pk is not None:
        path += f"{pk}/"
    return path + (f"{verb}/" if verb else "")


def tree(project) -> list[str]:
    return [
        f"{code} {name}"
        for code, name in WorkPackage.objects.filter(project=project)
        .order_by("sort_key")
        .values_list("code", "name")
    ]


@pytest.fixture
def wbs(project, manager):
    """1 Design (1.1 UX, 1.2 API) · 2 Build · 3 Test."""
    design = services.work_package_add(project=project, by=manager, name="Design")
    services.work_package_add(project=project, by=manager, name="UX", parent=design)
    services.work_package_add(project=project, by=manager, name="API", parent=design)
    services.work_package_add(project=project, by=manager, name="Build")
    services.work_package_add(project=project, by=manager, name="Test")
    return {wp.name: wp for wp in WorkPackage.objects.filter(project=project)}


def foreign_package() -> WorkPackage:
    """A work package of a project nobody in these tests is a member of."""
    other = ProjectFactory()
    return services.work_package_add(project=other, by=UserFactory(), name="Foreign")


# --- charter --------------------------------------------------------------------------------------


def test_charter_read_before_it_is_written_is_empty_and_writes_nothing(api_for, viewer, project):
    """A viewer reads an empty charter of a new project; reading does not create it."""
    response = api_for(viewer).get(url(project, "charter"))
    assert response.status_code == 200
    body = response.json()
    assert body["business_case"] == "" and body["version"] == 1
    assert set(body) == {
        "business_case",
        "in_scope",
        "out_of_scope",
        "assumptions",
        "constraints",
        "success_criteria",
        "version",
        "updated_at",
    }
    assert not Charter.objects.filter(project=project).exists()


def test_charter_member_writes_sections_and_version_advances(api_for, member, project):
    """PUT and PATCH write sections through charter_update; each write advances the version."""
    client = api_for(member)
    response = client.put(url(project, "charter"), {"business_case": "Cut cost", "version": 1})
    assert response.status_code == 200, response.json()
    assert (response.json()["business_case"], response.json()["version"]) == ("Cut cost", 2)
    response = client.patch(url(project, "charter"), {"in_scope": "Finance"})
    assert response.json()["business_case"] == "Cut cost"
    assert response.json()["in_scope"] == "Finance"
    assert Charter.objects.get(project=project).version == 3


def test_charter_stale_version_is_409_and_keeps_the_newer_text(api_for, member, manager, project):
    """Writing from an old version is refused with 409; the other person's text stays."""
    services.charter_update(project=project, by=manager, version=None, business_case="Newer")
    response = api_for(member).patch(
        url(project, "charter"), {"business_case": "Old", "version": 1}
    )
    assert response.status_code == 409
    assert Charter.objects.get(project=project).business_case == "Newer"


def test_charter_viewer_cannot_write(api_for, viewer, project):
    """A viewer's write is 403 and nothing is stored."""
    response = api_for(viewer).patch(url(project, "charter"), {"business_case": "Mine"})
    assert response.status_code == 403
    assert not Charter.objects.filter(project=project).exists()


def test_charter_of_a_closed_project_is_read_only(api_for, manager, project):
    """Closed projects are read-only (DESIGN §3): even a manager's write is 403."""
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    client = api_for(manager)
    assert client.get(url(project, "charter")).status_code == 200
    assert client.patch(url(project, "charter"), {"business_case": "x"}).status_code == 403


def test_charter_read_costs_two_queries(api_for, viewer, project, django_assert_max_num_queries):
    """Reading the charter: the door and the charter."""
    with django_assert_max_num_queries(2):
        assert api_for(viewer).get(url(project, "charter")).status_code == 200


# --- objectives -----------------------------------------------------------------------------------


def objective(project, by, **fields) -> Objective:
    fields.setdefault("description", "Fewer password resets")
    fields.setdefault("measure", "resets per month")
    return services.objective_create(project=project, by=by, **fields)


def test_objectives_create_keeps_decimals_as_strings(api_for, member, project):
    """A member adds a SMART objective; values come back as decimal strings, placed last."""
    objective(project, member)
    body = {
        "description": "MFA for every login",
        "measure": "share of logins with MFA",
        "unit": "%",
        "baseline_value": "12.5",
        "target_value": "100",
        "due_date": "2026-06-30",
    }
    response = api_for(member).post(url(project, "objectives"), body)
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["baseline_value"], row["target_value"], row["achieved_value"]) == (
        "12.50",
        "100.00",
        None,
    )
    assert (row["status"], row["position"], row["version"]) == ("on_track", 2, 1)
    assert set(row) == {
        "id",
        "description",
        "measure",
        "unit",
        "baseline_value",
        "target_value",
        "achieved_value",
        "due_date",
        "status",
        "position",
        "version",
    }


def test_objectives_update_is_versioned(api_for, member, project):
    """PATCH with the current version edits; the same old version again is 409."""
    target = objective(project, member)
    client = api_for(member)
    first = client.patch(
        url(project, "objectives", target.pk), {"achieved_value": "3", "version": 1}
    )
    assert first.status_code == 200
    assert (first.json()["achieved_value"], first.json()["version"]) == ("3.00", 2)
    stale = client.patch(url(project, "objectives", target.pk), {"status": "missed", "version": 1})
    assert stale.status_code == 409
    target.refresh_from_db()
    assert target.status == Objective.Status.ON_TRACK


def test_objectives_invalid_status_names_the_field(api_for, member, project):
    """A status that does not exist is a 400 on `status`."""
    target = objective(project, member)
    response = api_for(member).patch(url(project, "objectives", target.pk), {"status": "done"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_objectives_member_deletes_viewer_cannot(api_for, member, viewer, project):
    """Members remove objectives; a viewer's delete or create is 403."""
    target = objective(project, member)
    assert api_for(viewer).delete(url(project, "objectives", target.pk)).status_code == 403
    assert api_for(viewer).post(url(project, "objectives"), {"description": "x"}).status_code == 403
    assert api_for(member).delete(url(project, "objectives", target.pk)).status_code == 204
    assert not Objective.objects.filter(pk=target.pk).exists()


def test_objectives_list_filters_and_orders(api_for, viewer, member, project):
    """status filters, search looks in description and measure, ordering sorts."""
    objective(project, member, description="Uptime", measure="%", status="at_risk")
    objective(project, member, description="Cost", measure="EUR")
    client = api_for(viewer)
    names = lambda r: [row["description"] for row in r.json()["results"]]  # noqa: E731
    assert names(client.get(url(project, "objectives"))) == ["Uptime", "Cost"]
    assert names(client.get(url(project, "objectives"), {"status": "at_risk"})) == ["Uptime"]
    assert names(client.get(url(project, "objectives"), {"search": "eur"})) == ["Cost"]
    ordered = client.get(url(project, "objectives"), {"ordering": "description"})
    assert names(ordered) == ["Cost", "Uptime"]


def test_objectives_list_query_count_is_constant(
    api_for, viewer, member, project, django_assert_max_num_queries
):
    """The objectives list costs three queries (door, count, page), however many there are."""
    for i in range(30):
        objective(project, member, description=f"Objective {i}")
    with django_assert_max_num_queries(3):
        response = api_for(viewer).get(url(project, "objectives"))
    assert response.json()["count"] == 30


# --- WBS: reading ---------------------------------------------------------------------------------


def test_work_packages_list_in_tree_order_with_codes(api_for, viewer, project, wbs):
    """The WBS lists in reading order, each row with its code, parent and depth."""
    rows = api_for(viewer).get(url(project, "work-packages")).json()["results"]
    assert [(r["code"], r["name"], r["depth"]) for r in rows] == [
        ("1", "Design", 0),
        ("1.1", "UX", 1),
        ("1.2", "API", 1),
        ("2", "Build", 0),
        ("3", "Test", 0),
    ]
    assert rows[1]["parent"] == wbs["Design"].pk and rows[0]["parent"] is None
    assert set(rows[0]) == {
        "id",
        "code",
        "parent",
        "position",
        "name",
        "description",
        "owner",
        "depth",
        "version",
    }


def test_work_packages_list_filters_by_parent_and_searches(api_for, viewer, project, wbs):
    """parent and parent__isnull filter; search finds names."""
    client = api_for(viewer)
    names = lambda r: [row["name"] for row in r.json()["results"]]  # noqa: E731
    assert names(client.get(url(project, "work-packages"), {"parent": wbs["Design"].pk})) == [
        "UX",
        "API",
    ]
    top = client.get(url(project, "work-packages"), {"parent__isnull": "true"})
    assert names(top) == ["Design", "Build", "Test"]
    assert names(client.get(url(project, "work-packages"), {"search": "bui"})) == ["Build"]


def _bulk_wbs(project, roots: int, children: int) -> None:
    """A WBS of roots × (1 + children) packages, written in bulk and numbered once."""
    top = WorkPackage.objects.bulk_create(
        WorkPackage(project=project, name=f"Phase {i}", position=i) for i in range(1, roots + 1)
    )
    WorkPackage.objects.bulk_create(
        WorkPackage(project=project, parent=parent, name=f"Task {j}", position=j)
        for parent in top
        for j in range(1, children + 1)
    )
    services.wbs_renumber(project)


@pytest.mark.parametrize(("roots", "children"), [(5, 0), (50, 9)], ids=["5-nodes", "500-nodes"])
def test_work_packages_list_query_count_does_not_grow_with_the_tree(
    api_for, viewer, project, roots, children, django_assert_max_num_queries
):
    """The whole WBS in one page costs three queries (door, count, page) at 5 or 500 packages."""
    _bulk_wbs(project, roots, children)
    with django_assert_max_num_queries(3):
        response = api_for(viewer).get(url(project, "work-packages"), {"page_size": 500})
    body = response.json()
    assert body["count"] == roots * (1 + children) == len(body["results"])
    assert body["results"][-1]["code"] == (f"{roots}.{children}" if children else f"{roots}")


# --- WBS: writing ---------------------------------------------------------------------------------


def test_work_packages_create_at_a_position_renumbers_siblings(api_for, member, project, wbs):
    """Adding under Design at position 1 makes it 1.1 and pushes UX and API to 1.2 and 1.3."""
    body = {"name": "Research", "parent": wbs["Design"].pk, "position": 1, "owner": member.pk}
    response = api_for(member).post(url(project, "work-packages"), body)
    assert response.status_code == 201, response.json()
    assert (response.json()["code"], response.json()["depth"]) == ("1.1", 1)
    assert response.json()["owner"] == member.pk
    assert tree(project)[:4] == ["1 Design", "1.1 Research", "1.2 UX", "1.3 API"]


def test_work_packages_create_without_parent_goes_last(api_for, member, project, wbs):
    """A new top-level package without a position is numbered after the last one."""
    response = api_for(member).post(url(project, "work-packages"), {"name": "Deploy"})
    assert response.json()["code"] == "4"


def test_work_packages_owner_must_be_a_member(api_for, member, project, wbs, outsider):
    """An owner who is not in the project is a 400 on `owner` that does not name them."""
    response = api_for(member).post(
        url(project, "work-packages"), {"name": "Deploy", "owner": outsider.pk}
    )
    assert response.status_code == 400
    assert "not a member" in response.json()["owner"][0]
    assert "oscar" not in str(response.json())
    assert not WorkPackage.objects.filter(name="Deploy").exists()


@pytest.mark.parametrize(
    ("name", "direction", "code", "expected"),
    [
        ("Build", "up", "1", ["1 Build", "2 Design", "2.1 UX", "2.2 API", "3 Test"]),
        ("Design", "down", "2", ["1 Build", "2 Design", "2.1 UX", "2.2 API", "3 Test"]),
        ("Build", "indent", "1.3", ["1 Design", "1.1 UX", "1.2 API", "1.3 Build", "2 Test"]),
        ("API", "outdent", "2", ["1 Design", "1.1 UX", "2 API", "3 Build", "4 Test"]),
    ],
)
def test_work_packages_shift_returns_the_renumbered_package(
    api_for, member, project, wbs, name, direction, code, expected
):
    """Each shift answers with the moved package's new code, and the whole tree renumbers."""
    response = api_for(member).post(
        url(project, "work-packages", wbs[name].pk, "shift"), {"direction": direction}
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["code"]) == (name, code)
    assert tree(project) == expected
    listed = api_for(member).get(url(project, "work-packages")).json()["results"]
    assert [f"{r['code']} {r['name']}" for r in listed] == expected


def test_work_packages_shift_impossible_says_why(api_for, member, project, wbs):
    """Shifting the first package up is a 400 with the service's sentence; nothing moves."""
    before = tree(project)
    response = api_for(member).post(
        url(project, "work-packages", wbs["Design"].pk, "shift"), {"direction": "up"}
    )
    assert response.status_code == 400
    assert "already first" in response.json()["non_field_errors"][0]
    assert tree(project) == before


def test_work_packages_shift_unknown_direction_is_400(api_for, member, project, wbs):
    """A direction that is not up, down, indent or outdent is a 400 on `direction`."""
    response = api_for(member).post(
        url(project, "work-packages", wbs["Build"].pk, "shift"), {"direction": "sideways"}
    )
    assert response.status_code == 400
    assert "direction" in response.json()


def test_work_packages_move_under_another_parent(api_for, member, project, wbs):
    """move puts Test under Design at position 2 with its new code; later codes renumber."""
    response = api_for(member).post(
        url(project, "work-packages", wbs["Test"].pk, "move"),
        {"parent": wbs["Design"].pk, "position": 2},
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["code"], response.json()["parent"]) == ("1.2", wbs["Design"].pk)
    assert tree(project) == ["1 Design", "1.1 UX", "1.2 Test", "1.3 API", "2 Build"]


def test_work_packages_move_to_top_level_goes_last_without_position(api_for, member, project, wbs):
    """Moving to parent null without a position makes it the last top-level package."""
    response = api_for(member).post(
        url(project, "work-packages", wbs["UX"].pk, "move"), {"parent": None}
    )
    assert response.json()["code"] == "4"
    assert tree(project) == ["1 Design", "1.1 API", "2 Build", "3 Test", "4 UX"]


def test_work_packages_move_under_its_own_child_is_refused(api_for, member, project, wbs):
    """Moving a package under its own subtree is a 400 on `parent`; the tree is unchanged."""
    before = tree(project)
    response = api_for(member).post(
        url(project, "work-packages", wbs["Design"].pk, "move"), {"parent": wbs["UX"].pk}
    )
    assert response.status_code == 400
    assert "under itself" in response.json()["parent"][0]
    assert tree(project) == before


def test_work_packages_patch_parent_and_position_moves_it(api_for, member, project, wbs):
    """PATCHing parent (and name) moves the package and renames it in one request."""
    response = api_for(member).patch(
        url(project, "work-packages", wbs["Build"].pk),
        {"parent": wbs["Design"].pk, "position": 1, "name": "Construction", "version": 1},
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["code"], response.json()["name"]) == ("1.1", "Construction")
    assert tree(project) == ["1 Design", "1.1 Construction", "1.2 UX", "1.3 API", "2 Test"]


def test_work_packages_patch_position_reorders_siblings(api_for, member, project, wbs):
    """PATCHing only position moves it among its siblings."""
    response = api_for(member).patch(url(project, "work-packages", wbs["Test"].pk), {"position": 1})
    assert response.json()["code"] == "1"
    assert tree(project)[:2] == ["1 Test", "2 Design"]


def test_work_packages_stale_version_is_409(api_for, member, manager, project, wbs):
    """A rename (or move) from an old version is 409 and changes nothing."""
    services.work_package_update(work_package=wbs["Build"], by=manager, version=1, name="Make")
    client = api_for(member)
    detail = url(project, "work-packages", wbs["Build"].pk)
    assert client.patch(detail, {"name": "Old", "version": 1}).status_code == 409
    assert client.patch(detail, {"position": 1, "version": 1}).status_code == 409
    assert tree(project)[3] == "2 Make"


def test_work_packages_foreign_parent_is_refused_everywhere(api_for, member, project, wbs):
    """Another project's package id as `parent` is a 400 on create, PATCH and move; no writes."""
    foreign = foreign_package()
    before = (tree(project), WorkPackage.objects.count(), foreign.children.count())
    client = api_for(member)
    responses = [
        client.post(url(project, "work-packages"), {"name": "X", "parent": foreign.pk}),
        client.patch(url(project, "work-packages", wbs["Build"].pk), {"parent": foreign.pk}),
        client.post(url(project, "work-packages", wbs["Build"].pk, "move"), {"parent": foreign.pk}),
    ]
    for response in responses:
        assert response.status_code == 400
        assert "does not exist" in response.json()["parent"][0]
    assert (tree(project), WorkPackage.objects.count(), foreign.children.count()) == before


def test_work_packages_of_another_project_are_404_by_id(api_for, member, project, wbs):
    """A foreign package id in the URL is 404 (it is not in this project), and is untouched."""
    foreign = foreign_package()
    client = api_for(member)
    assert client.get(url(project, "work-packages", foreign.pk)).status_code == 404
    assert client.delete(url(project, "work-packages", foreign.pk)).status_code == 404
    assert client.post(url(project, "work-packages", foreign.pk, "shift"), {}).status_code == 404
    assert WorkPackage.objects.filter(pk=foreign.pk).exists()


def test_work_packages_delete_refuses_parents_and_renumbers(api_for, member, project, wbs):
    """Deleting a package with children is a 400 saying so; deleting a leaf closes the gap."""
    client = api_for(member)
    refused = client.delete(url(project, "work-packages", wbs["Design"].pk))
    assert refused.status_code == 400
    assert "move or delete them first" in refused.json()["non_field_errors"][0]
    assert client.delete(url(project, "work-packages", wbs["UX"].pk)).status_code == 204
    assert tree(project) == ["1 Design", "1.1 API", "2 Build", "3 Test"]


def test_work_packages_viewer_cannot_write(api_for, viewer, project, wbs):
    """A viewer's create, edit, move, shift and delete are all 403; the tree is unchanged."""
    before = tree(project)
    client = api_for(viewer)
    build = wbs["Build"].pk
    assert client.post(url(project, "work-packages"), {"name": "X"}).status_code == 403
    assert client.patch(url(project, "work-packages", build), {"name": "X"}).status_code == 403
    assert client.post(url(project, "work-packages", build, "move"), {}).status_code == 403
    shift = client.post(url(project, "work-packages", build, "shift"), {"direction": "up"})
    assert shift.status_code == 403
    assert client.delete(url(project, "work-packages", build)).status_code == 403
    assert tree(project) == before
