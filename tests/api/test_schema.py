"""The OpenAPI schema and the interactive docs."""

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from config.api_schema import forget_schema


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


def _schema(client) -> dict:
    return json.loads(client.get("/api/schema/", {"format": "json"}).content)


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_docs_load_nothing_from_another_host(client_for, manager, settings, tmp_path):
    """/api/docs/ names no other host (it works offline), and Swagger UI's scripts, style sheet
    and start-up script answer 200 from Charter itself once static files are collected (as in
    production: hashed names, served by WhiteNoise)."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    client = client_for(manager)

    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html), html
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("swagger-ui-bundle" in a for a in assets) and any("?script" in a for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, asset
        if "?script" in asset:
            assert response["Content-Type"].startswith("application/javascript")
            assert not re.search(rb"https?://", body), body


def test_schema_is_built_once_per_process(client, monkeypatch):
    """The second request for /api/schema/ reuses the schema the first one built (building it
    takes seconds), and both answer the same document."""
    forget_schema()
    builds = []
    build = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        builds.append(1)
        return build(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)

    first = client.get("/api/schema/")
    second = client.get("/api/schema/")
    as_json = client.get("/api/schema/", {"format": "json"})

    assert first.status_code == second.status_code == as_json.status_code == 200
    assert first.content == second.content
    assert json.loads(as_json.content)["openapi"].startswith("3")
    assert len(builds) == 1


def test_schema_documents_the_errors_of_every_operation(client):
    """Every operation documents 401, 403, 404 and 429 with an error body; every write and
    every operation with a body or query parameters also 400; every write 409."""
    schema = _schema(client)
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        expected = {"401", "403", "404", "429"}
        if method in {"post", "put", "patch", "delete"}:
            expected |= {"400", "409"}
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected.add("400")
        assert expected <= codes, (method, path, sorted(codes))
        for code in expected:
            assert "application/json" in operation["responses"][code]["content"], (path, code)
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_schema_declares_money_and_decimals_as_strings(client):
    """Money and other decimals are decimal strings in the schema, as the API sends them
    (DESIGN §5): an amount, a rate, hours; no property of the answers is a bare number where
    the API sends a decimal string."""
    components = _schema(client)["components"]["schemas"]
    for name, prop in [
        ("CostEntry", "amount"),
        ("CostEntryRequest", "amount"),
        ("Resource", "rate"),
        ("Resource", "capacity_hours"),
        ("BudgetLine", "planned_amount"),
        ("Commitment", "amount"),
        ("TimeEntry", "hours"),
        ("Assignment", "quantity"),
        ("EarnedValue", "bac"),
    ]:
        declared = components[name]["properties"][prop]
        assert (declared["type"], declared.get("format")) == ("string", "decimal"), (name, prop)
    assert components["EarnedValue"]["properties"]["spi"]["nullable"] is True


def test_schema_declares_the_forecast_and_backlog_reorder_shapes(client):
    """GET …/forecast/ answers one object (latest and pending run, with typed results), and
    POST …/backlog-items/reorder/ takes the ids in order and answers the whole backlog as a
    plain list, not a page."""
    schema = _schema(client)
    paths, components = schema["paths"], schema["components"]["schemas"]

    def answer(path, method, code="200"):
        return paths[path][method]["responses"][code]["content"]["application/json"]["schema"]

    forecast = answer("/api/v1/projects/{project_pk}/forecast/", "get")
    assert forecast == {"$ref": "#/components/schemas/Forecast"}
    assert set(components["Forecast"]["properties"]) == {
        "latest",
        "pending",
        "estimates",
        "default_uncertainty",
        "warning",
        "p_target_finish",
        "p_budget",
    }
    assert components["Forecast"]["properties"]["p_target_finish"]["nullable"] is True
    results = components["ForecastRun"]["properties"]["results"]
    assert results["nullable"] is True
    assert {"finish", "cost", "criticality", "drivers"} <= set(results["properties"])
    assert results["properties"]["cost_mean"]["type"] == "string"

    reorder = "/api/v1/projects/{project_pk}/backlog-items/reorder/"
    body = paths[reorder]["post"]["requestBody"]["content"]["application/json"]["schema"]
    request = components[body["$ref"].rsplit("/", 1)[-1]]
    assert request["properties"]["items"] == {
        "type": "array",
        "items": {"type": "integer"},
        "description": request["properties"]["items"]["description"],
    }
    assert answer(reorder, "post") == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/BacklogItem"},
    }


def test_schema_unknown_api_url_answers_json_404(client_for, manager, project):
    """A URL under /api/ that no route matches (an id with a slash, a misspelt resource) answers
    the documented JSON error, not the HTML page."""
    client = client_for(manager)

    for url in (
        f"/api/v1/projects/{project.pk}/no-such-resource/",
        f"/api/v1/projects/{project.pk}/phases/1.5/gate-reviews/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {"detail": "Not found."}
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]


def test_schema_documents_list_shaped_and_operation_specific_400s(client):
    """A 400 may be a list of messages (DRF's search refuses a null character that way), and an
    operation's own 400 body (the cost import's row errors) may also be a validation error."""
    schema = _schema(client)
    variants = schema["components"]["schemas"]["ValidationError"]["oneOf"]
    assert {v["type"] for v in variants} == {"object", "array"}
    imports = schema["paths"]["/api/v1/projects/{project_pk}/cost-entries/import/"]["post"]
    bad = imports["responses"]["400"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/ValidationError"} in bad["anyOf"]
