"""Free float is capped at total float (DESIGN §4, MS Project's rule), and both the OpenAPI
help of ``free_float`` and the task page's tooltip say so."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from scheduling import services as schedule_services


def test_openapi_free_float_help_says_it_never_exceeds_total_float():
    """Every schema component with a ``free_float`` field explains the cap."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    helps = [
        component["properties"]["free_float"].get("description", "")
        for component in schema["components"]["schemas"].values()
        if "free_float" in component.get("properties", {})
    ]
    assert helps
    assert all("never more than `total_float`" in text for text in helps), helps


@pytest.mark.django_db
def test_task_page_tooltip_says_free_float_never_exceeds_total_float(project, manager, client_for):
    """The task page's free-float fact carries the cap in its tooltip, as does the task table."""
    task = schedule_services.task_create(project=project, by=manager, name="Build", duration=3)
    client = client_for(manager)
    detail = client.get(reverse("scheduling:task_detail", args=[project.pk, task.pk]))
    assert "never more than its total float" in detail.content.decode()
    table = client.get(reverse("scheduling:tasks", args=[project.pk]))
    assert "never more than its total float" in table.content.decode()
