"""The OpenAPI schema and the interactive docs."""

import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings


def test_schema_command_validates_without_warnings(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` succeeds: no errors, no warnings."""
    out = tmp_path / "schema.yml"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(out),
        ],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert "/api/v1/projects/{id}/" in paths
    assert "/api/v1/projects/{project_pk}/members/{id}/" in paths
    assert {
        "/api/v1/project-templates/",
        "/api/v1/projects/{id}/save-as-template/",
        "/api/v1/projects/{project_pk}/charter/",
        "/api/v1/projects/{project_pk}/objectives/{id}/",
        "/api/v1/projects/{project_pk}/work-packages/{id}/move/",
        "/api/v1/projects/{project_pk}/work-packages/{id}/shift/",
        "/api/v1/projects/{project_pk}/deliverables/{id}/transition/",
        "/api/v1/projects/{project_pk}/requirements/{id}/",
        "/api/v1/projects/{project_pk}/traceability/",
        "/api/v1/projects/{project_pk}/change-requests/{id}/approve/",
        "/api/v1/projects/{project_pk}/change-requests/totals/",
    } <= set(paths)
    assert set(paths["/api/v1/projects/{project_pk}/charter/"]) == {"get", "put", "patch"}
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    members = paths["/api/v1/projects/{project_pk}/members/"]["get"]
    project_pk = next(p for p in members["parameters"] if p["name"] == "project_pk")
    assert project_pk["schema"]["type"] == "integer"
    assert "knoxApiToken" in schema["components"]["securitySchemes"]


def test_schema_endpoint_serves_the_schema(client_for, manager):
    """/api/schema/ answers with the OpenAPI document."""
    response = client_for(manager).get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content


def test_schema_docs_render_for_a_signed_in_user(client_for, manager):
    """/api/docs/ renders the interactive documentation page."""
    response = client_for(manager).get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
