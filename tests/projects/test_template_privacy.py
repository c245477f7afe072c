"""Project templates are private to the user who saved them unless an administrator publishes
them: the API, the new-project page and starting a project from one all agree."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from projects import services
from projects.models import Project, ProjectTemplate
from projects.template_library import BUILTIN_TEMPLATES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/project-templates/"


@pytest.fixture
def saved(project, manager):
    """Maria saves her project, with a confidential work package, as a template."""
    services.work_package_add(project=project, by=manager, name="Confidential: acquire Acme")
    return services.template_from_project(project=project, by=manager, name="Maria's way")


def new_project_body(**overrides) -> dict:
    body = {
        "key": "SEC",
        "name": "Zero trust",
        "start_date": "2026-02-02",
        "target_finish": "2026-09-30",
    }
    body.update(overrides)
    return body


def test_template_saved_from_a_project_is_private_to_its_creator(saved):
    """A template saved from a project starts unpublished."""
    assert saved.is_published is False


def test_template_private_one_is_404_to_another_user_in_the_api(api_for, outsider, saved):
    """Oscar neither lists nor reads Maria's saved template; he still reads the built-in ones."""
    client = api_for(outsider)
    assert client.get(f"{LIST}{saved.pk}/").status_code == 404
    names = {row["name"] for row in client.get(LIST).json()["results"]}
    assert "Maria's way" not in names
    assert {spec["name"] for spec in BUILTIN_TEMPLATES} <= names


def test_template_private_one_is_readable_by_its_creator(api_for, manager, saved):
    """Maria lists and reads her own template, marked unpublished."""
    client = api_for(manager)
    body = client.get(f"{LIST}{saved.pk}/").json()
    assert (body["name"], body["is_published"]) == ("Maria's way", False)
    assert saved.pk in {row["id"] for row in client.get(LIST).json()["results"]}


def test_template_private_one_cannot_start_another_users_project(api_for, outsider, saved):
    """Oscar cannot create a project from Maria's template: 400 on `template`, nothing copied."""
    response = api_for(outsider).post("/api/v1/projects/", new_project_body(template=saved.pk))
    assert response.status_code == 400
    assert "template" in response.json()
    assert not Project.objects.filter(key="SEC").exists()


def test_template_published_one_is_offered_to_everyone(api_for, outsider, saved):
    """Once an administrator publishes it, Oscar reads it and starts a project from it."""
    ProjectTemplate.objects.filter(pk=saved.pk).update(is_published=True)
    client = api_for(outsider)
    assert client.get(f"{LIST}{saved.pk}/").status_code == 200
    response = client.post("/api/v1/projects/", new_project_body(template=saved.pk))
    assert response.status_code == 201, response.json()
    assert Project.objects.get(key="SEC").work_packages.filter(name__startswith="Conf").exists()


def test_template_superuser_sees_every_template(api_for, saved):
    """A superuser sees private templates too (DESIGN §3: superusers see everything)."""
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert api_for(admin).get(f"{LIST}{saved.pk}/").status_code == 200


def test_template_new_project_page_offers_only_published_and_own(client_for, outsider, saved):
    """The new-project page does not offer Maria's template to Oscar and refuses it when posted."""
    client = client_for(outsider)
    html = client.get(reverse("projects:create")).content.decode()
    assert "Maria&#x27;s way" not in html and "Maria's way" not in html
    assert "Software release" in html
    response = client.post(
        reverse("projects:create"),
        {
            "name": "Zero trust",
            "key": "SEC",
            "type": Project.Type.SOFTWARE,
            "methodology": Project.Methodology.SCRUM,
            "stage": Project.Stage.PLANNING,
            "start_date": "2026-02-02",
            "target_finish": "2026-09-30",
            "currency": "EUR",
            "time_zone": "Europe/Berlin",
            "report_weekday": 5,
            "report_hour": 9,
            "template": saved.pk,
        },
    )
    assert response.status_code == 200
    assert "template" in response.context["form"].errors
    assert not Project.objects.filter(key="SEC").exists()


def test_template_new_project_page_offers_the_creator_their_own(client_for, manager, saved):
    """Maria's own template is in her new-project page's list."""
    html = client_for(manager).get(reverse("projects:create")).content.decode()
    assert "Maria&#x27;s way" in html


def test_template_migration_publishes_only_the_builtin_templates(manager):
    """The migration publishes the built-in templates and leaves a saved one private."""
    migration = importlib.import_module("projects.migrations.0005_project_template_published")
    ProjectTemplate.objects.update(is_published=False)
    saved = ProjectTemplate.objects.create(
        name="Saved earlier", type="other", content={}, created_by=manager
    )
    migration.publish_builtin_templates(apps, None)
    published = set(
        ProjectTemplate.objects.filter(is_published=True).values_list("name", flat=True)
    )
    assert published == {spec["name"] for spec in BUILTIN_TEMPLATES}
    saved.refresh_from_db()
    assert saved.is_published is False
