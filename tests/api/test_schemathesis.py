"""Schemathesis over the whole API: every operation, as the manager of a seeded demo project.

Each operation gets a few generated requests (valid by its schema); every answer must be no 5xx,
a status code the operation documents, a documented content type and a body that matches the
documented schema. Each request runs in a savepoint that is rolled back, so every request sees the
seeded project as it was (a DELETE of the project, or of the token the run authenticates with,
does not spoil the requests after it).

Bounded for CI: ``EXAMPLES`` requests per operation (no shrinking) and a total ``BUDGET``; a run
that cannot reach every operation within it fails and names what it did not reach.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from projects.models import Project

pytestmark = [pytest.mark.xdist_group("schemathesis"), pytest.mark.django_db]

EXAMPLES = 5
# Seconds for the whole run; SCHEMATHESIS_BUDGET raises it on a slow machine, and
# SCHEMATHESIS_OPERATIONS (a regular expression on "METHOD /path") narrows a run while fixing.
BUDGET = float(os.environ.get("SCHEMATHESIS_BUDGET", 300))
ONLY = re.compile(os.environ.get("SCHEMATHESIS_OPERATIONS", ""))
# Valid requests by default; SCHEMATHESIS_MODES=positive,negative adds as many invalid ones.
MODES = [
    GenerationMode(mode.strip())
    for mode in os.environ.get("SCHEMATHESIS_MODES", "positive").split(",")
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations left out, each with the reason. Keep this short: an operation here is untested.
EXCLUDED: dict[str, str] = {}


@contextmanager
def in_test_transaction():
    """Call Django's WSGI handler inside the test's transaction, then roll back what it wrote.

    Django closes "old" connections when a request starts and finishes; inside a test that
    would close the connection holding the test's transaction, so (as Django's test client
    does) the handler is disconnected around each request. The savepoint gives every request
    the seeded data as it was.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            try:
                yield
            finally:
                transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _first(client: Client, token: str, list_path: str, key: str):
    """``key`` of the first record a list endpoint answers with, or None when it has none."""
    response = client.get(list_path, HTTP_AUTHORIZATION=f"Token {token}")
    if response.status_code != 200:
        return None
    body = response.json()
    rows = body.get("results", []) if isinstance(body, dict) else body
    first = rows[0] if rows else None
    return first.get(key) if isinstance(first, dict) else None


def _path_parameters(client: Client, token: str, path: str, project: Project) -> dict:
    """Real values for a path's parameters: the seeded project, and a record of it."""
    values: dict = {}
    if "{project_pk}" in path:
        values["project_pk"] = project.pk
    if path.startswith("/api/v1/projects/{id}/"):
        values["id"] = project.pk
    for name, key in (("id", "id"), ("row", "row")):
        if f"{{{name}}}" in path and name not in values:
            list_path = path.split(f"{{{name}}}")[0].replace("{project_pk}", str(project.pk))
            value = _first(client, token, list_path, key)
            if value is not None:
                values[name] = value
    if "{token_key}" in path:
        values["token_key"] = token[:15]
    return values


def test_schemathesis_finds_no_server_error_and_no_schema_violation():
    """Generated requests to every operation, as a project's manager, answer no 5xx and only
    what the schema documents (status code, content type, body)."""
    started = time.monotonic()
    call_command("seed_demo", verbosity=0)
    project = Project.objects.get(key="PORTAL")
    manager = project.memberships.get(role="manager").user
    _, token = AuthToken.objects.create(manager)
    client = Client(HTTP_HOST="localhost")
    document = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = WSGIHandler()
    headers = {"Authorization": f"Token {token}"}

    failures: dict[str, str] = {}
    not_reached: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures[f"schema error {len(failures)}"] = str(result.err())
            continue
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in EXCLUDED or not ONLY.search(label):
            continue
        if time.monotonic() - started > BUDGET:
            not_reached.append(label)
            continue
        path_parameters = _path_parameters(client, token, operation.path, project)

        @settings(
            max_examples=EXAMPLES * len(MODES),
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=st.one_of(
                *(
                    operation.as_strategy(mode, path_parameters=path_parameters or None)
                    for mode in MODES
                )
            )
        )
        def probe(case):
            with in_test_transaction():
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            probe()
        except (Exception, BaseExceptionGroup) as error:  # each operation's failures are kept
            failures[label] = re.sub(r"\n{3,}", "\n\n", str(error))[:3000]
        tested += 1

    elapsed = time.monotonic() - started
    report = "\n\n".join(f"=== {label}\n{text}" for label, text in failures.items())
    assert not failures and not not_reached, (
        f"{len(failures)} of {tested} operations failed in {elapsed:.0f} s"
        + (f"; the {BUDGET:.0f} s budget ran out before {not_reached}" if not_reached else "")
        + f":\n{report}"
    )
    if not ONLY.pattern:
        assert tested > 200
