"""The admin: every Charter model registered there opens (list and add pages) for a superuser."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

CHARTER_APPS = {"projects", "scheduling", "stakeholders", "budgets", "risks", "reports"}


def registered():
    return sorted(
        (model._meta.app_label, model._meta.model_name)
        for model in admin.site._registry
        if model._meta.app_label in CHARTER_APPS
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model"), registered())
def test_admin_pages_open_for_every_charter_model(client, app, model):
    """The change list and (where adding is allowed there) the add form render without error."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200
    # Some records are made only through their services (RACI rows, approvals): their admin
    # refuses "add" on purpose, and says so with 403.
    model_admin = admin.site._registry[apps.get_model(app, model)]
    can_add = model_admin.has_add_permission(response.wsgi_request)
    response = client.get(reverse(f"admin:{app}_{model}_add"))
    assert response.status_code == (200 if can_add else 403)


def test_admin_registers_the_project_templates():
    """Templates are data a manager edits in the admin."""
    assert ("projects", "projecttemplate") in registered()
