"""A project's priority (1–1000, default 500), which ranks projects that share people when
levelling across projects: set on the settings page and through the API, by managers only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects import services
from projects.models import Project
from tests.factories import project_with
from tests.projects.test_views import _edit_data

pytestmark = pytest.mark.django_db


def detail(project: Project) -> str:
    return f"/api/v1/projects/{project.pk}/"


def test_project_priority_defaults_to_500(manager):
    """A new project ranks in the middle of the scale, as in MS Project."""
    project = services.project_create(
        by=manager, name="ERP", key="ERP", start_date="2026-01-05", target_finish="2026-06-30"
    )
    assert project.priority == 500


def test_project_priority_outside_1_to_1000_is_refused(manager, project):
    """0 and 1001 are refused with the field named; nothing is saved."""
    for value in (0, 1001):
        with pytest.raises(ValidationError) as refusal:
            services.project_update(project=project, by=manager, version=None, priority=value)
        assert "priority" in refusal.value.message_dict
    project.refresh_from_db()
    assert project.priority == 500


def test_project_priority_is_edited_on_the_settings_page(client_for, manager, project):
    """The manager's settings form shows the priority and saves a new one."""
    url = reverse("projects:edit", args=[project.pk])
    client = client_for(manager)
    assert 'name="priority"' in client.get(url).content.decode()
    response = client.post(url, _edit_data(project, priority=800))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.priority, project.version) == (800, 2)


def test_project_priority_left_out_of_a_post_keeps_the_current_one(client_for, manager, project):
    """A settings form posted without the field (a page opened before it existed) keeps the
    priority and changes only what it names."""
    Project.objects.filter(pk=project.pk).update(priority=700)
    project.refresh_from_db()
    url = reverse("projects:edit", args=[project.pk])
    response = client_for(manager).post(url, _edit_data(project, name="Renamed"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.priority) == ("Renamed", 700)


def test_project_priority_through_the_api_is_the_managers(api_for, manager, member, project):
    """PATCH priority: a manager sets it (read back in the project), a member gets 403, a value
    off the scale 400 naming the field."""
    assert api_for(member).patch(detail(project), {"priority": 900}).status_code == 403
    bad = api_for(manager).patch(detail(project), {"priority": 1001})
    assert bad.status_code == 400 and "priority" in bad.json()
    done = api_for(manager).patch(detail(project), {"priority": 900})
    assert done.status_code == 200
    assert done.json()["priority"] == 900
    project.refresh_from_db()
    assert project.priority == 900


def test_project_priority_of_another_project_is_404(api_for, outsider, project):
    """A non-member cannot see, let alone set, another project's priority."""
    assert api_for(outsider).patch(detail(project), {"priority": 900}).status_code == 404


def test_project_priority_is_set_on_create_through_the_api(api_for, manager):
    """POST /projects/ takes a priority; a project elsewhere keeps its own."""
    other = project_with(manager=manager)
    response = api_for(manager).post(
        "/api/v1/projects/",
        {
            "key": "SOC2",
            "name": "SOC 2",
            "start_date": "2026-02-02",
            "target_finish": "2026-09-30",
            "priority": 300,
        },
    )
    assert response.status_code == 201, response.json()
    assert Project.objects.get(key="SOC2").priority == 300
    other.refresh_from_db()
    assert other.priority == 500
