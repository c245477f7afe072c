"""Project templates: /api/v1/project-templates/, starting a project from one, saving one."""

from projects import services
from projects.models import Project, ProjectTemplate, WorkPackage
from tests.factories import UserFactory

LIST = "/api/v1/project-templates/"


def new_project(**overrides) -> dict:
    body = {
        "key": "SEC",
        "name": "Zero trust",
        "start_date": "2026-02-02",
        "target_finish": "2026-09-30",
    }
    body.update(overrides)
    return body


def test_templates_list_for_any_signed_in_user(api_for, db):
    """Someone in no project at all reads the published templates, with their section counts."""
    response = api_for(UserFactory()).get(LIST)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == ProjectTemplate.objects.count() >= 4
    software = next(row for row in rows if row["name"] == "Software release")
    template = ProjectTemplate.objects.get(name="Software release")
    assert (software["type"], software["methodology"]) == ("software", "scrum")
    assert (
        software["objective_count"],
        software["work_package_count"],
        software["deliverable_count"],
    ) == (
        template.count("objectives"),
        template.count("work_packages"),
        template.count("deliverables"),
    )


def test_templates_list_needs_authentication(api_client):
    """Anonymous callers are refused."""
    assert api_client.get(LIST).status_code in (401, 403)


def test_templates_list_filters_by_type(api_for, manager):
    """type filters the list."""
    rows = api_for(manager).get(LIST, {"type": "infrastructure"}).json()["results"]
    assert [row["type"] for row in rows] == ["infrastructure"] * len(rows) and rows


def test_templates_list_query_count_is_constant(api_for, manager, django_assert_max_num_queries):
    """The list costs two queries (count, page), however many templates there are."""
    for i in range(20):
        ProjectTemplate.objects.create(
            name=f"T{i}", type="other", content={"objectives": []}, is_published=True
        )
    with django_assert_max_num_queries(2):
        response = api_for(manager).get(LIST)
    assert response.json()["count"] >= 24


def test_templates_create_project_from_template_prefills_scope(api_for, manager):
    """POST /projects/ with a template id creates the project with its WBS and deliverables."""
    template = ProjectTemplate.objects.get(name="Software release")
    response = api_for(manager).post("/api/v1/projects/", new_project(template=template.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["type"], body["methodology"], body["my_role"]) == ("software", "scrum", "manager")
    assert "template" not in body
    project = Project.objects.get(pk=body["id"])
    assert project.work_packages.count() == template.count("work_packages")
    assert project.deliverables.count() == template.count("deliverables")
    assert project.objectives.count() == template.count("objectives")
    assert WorkPackage.objects.filter(project=project, code="1").exists()


def test_templates_given_type_wins_over_the_templates(api_for, manager):
    """A type sent with the template is kept; the template fills only what was not given."""
    template = ProjectTemplate.objects.get(name="Software release")
    body = new_project(template=template.pk, type="other", methodology="hybrid")
    response = api_for(manager).post("/api/v1/projects/", body)
    assert (response.json()["type"], response.json()["methodology"]) == ("other", "hybrid")


def test_templates_unknown_template_is_400(api_for, manager):
    """A template id that does not exist is a 400 on `template`; no project is created."""
    response = api_for(manager).post("/api/v1/projects/", new_project(template=999999))
    assert response.status_code == 400
    assert "template" in response.json()
    assert not Project.objects.filter(key="SEC").exists()


def test_templates_cannot_be_applied_on_edit(api_for, manager, project):
    """template on a project edit is a 400: it applies only at creation."""
    template = ProjectTemplate.objects.first()
    response = api_for(manager).patch(f"/api/v1/projects/{project.pk}/", {"template": template.pk})
    assert response.status_code == 400
    assert "only when a project is created" in response.json()["template"][0]
    assert not project.work_packages.exists()


def test_templates_save_project_as_template(api_for, manager, project):
    """A manager saves the project's WBS and deliverables as a new template."""
    design = services.work_package_add(project=project, by=manager, name="Design")
    services.work_package_add(project=project, by=manager, name="UX", parent=design)
    services.deliverable_create(project=project, by=manager, name="Pilot", criteria=["Signed"])
    response = api_for(manager).post(
        f"/api/v1/projects/{project.pk}/save-as-template/", {"name": "Our way"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["work_package_count"], body["deliverable_count"]) == (
        "Our way",
        2,
        1,
    )
    assert project.key in body["description"]
    assert ProjectTemplate.objects.get(name="Our way").created_by == manager


def test_templates_save_as_template_is_for_managers(api_for, member, viewer, project):
    """Members and viewers get 403 and no template is saved."""
    before = ProjectTemplate.objects.count()
    for user in (member, viewer):
        response = api_for(user).post(
            f"/api/v1/projects/{project.pk}/save-as-template/", {"name": "Mine"}
        )
        assert response.status_code == 403
    assert ProjectTemplate.objects.count() == before


def test_templates_save_as_template_name_must_be_unique(api_for, manager, project):
    """A name already taken is a 400 on `name`."""
    response = api_for(manager).post(
        f"/api/v1/projects/{project.pk}/save-as-template/", {"name": "Software release"}
    )
    assert response.status_code == 400
    assert "name" in response.json()
