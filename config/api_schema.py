"""The OpenAPI schema at /api/schema/: built once per process, with every operation's errors.

Building the schema walks every viewset and serializer of the API: 3.6–4.8 s per request when it
was rebuilt each time (and 0.9 s more to render it as YAML). It depends only on the code and the
settings, which do not change while a process runs (a deploy or the development autoreloader
starts new processes), so each process builds it once, on the first request, and keeps the
rendered bytes. No process relies on another's copy: each one builds its own.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

# (api version, language) -> schema; (api version, language, media type) -> rendered bytes.
_SCHEMAS: dict[tuple, dict] = {}
_RENDERED: dict[tuple, bytes] = {}

UNSAFE_METHODS = {"post", "put", "patch", "delete"}

ERROR_COMPONENTS = {
    "Error": {
        "type": "object",
        "description": "An error with one message, e.g. not found, not allowed, throttled.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "description": (
            "What was wrong with the request: a list of messages per field "
            '(`{"name": ["This field is required."]}`, `non_field_errors` for the whole body), '
            "one `detail` message (e.g. a body that is not valid JSON), or a list of messages "
            "about the query (e.g. a search with a null character)."
        ),
        "oneOf": [
            {"type": "object", "additionalProperties": {}},
            {"type": "array", "items": {"type": "string"}},
        ],
    },
}

ERRORS = {
    "400": ("ValidationError", "The request is invalid: the body names what is wrong."),
    "401": ("Error", "Not authenticated: no valid session or token."),
    "403": ("Error", "Authenticated, but your role in the project does not allow this."),
    "404": (
        "Error",
        "Not found, or a project you are not a member of (it does not exist for you), "
        "or a page past the end of a list.",
    ),
    "409": ("Error", "Conflict: the record changed since `version` was read."),
    "429": ("Error", "Too many requests: wait and retry (see the `Retry-After` header)."),
}


def _codes_for(method: str, operation: dict[str, Any]) -> list[str]:
    codes = ["401", "403", "404", "429"]
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if method in UNSAFE_METHODS or has_query or "requestBody" in operation:
        codes.append("400")
    if method in UNSAFE_METHODS:
        codes.append("409")
    return sorted(codes)


def document_errors(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: give every operation the error answers it can give.

    Every endpoint needs authentication (401), may be refused for a role (403), answers 404 for a
    project the user is not a member of (and for a page past the end), and is throttled (429);
    those with a body or query parameters answer 400 for invalid input, and writes 409 for a
    stale ``version``. A code an operation already documents keeps its description and gains
    the error body where it declared none; a 400 body of its own may also be a validation error.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(ERROR_COMPONENTS)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _codes_for(method, operation):
                component, description = ERRORS[code]
                error = {"$ref": f"#/components/schemas/{component}"}
                response = responses.setdefault(code, {"description": description})
                content = response.setdefault("content", {"application/json": {"schema": error}})
                declared = content.get("application/json", {}).get("schema")
                if code == "400" and declared not in (None, error):
                    # An operation's own 400 (e.g. a CSV import's row errors) comes on top of
                    # the request validation every operation does.
                    content["application/json"]["schema"] = {"anyOf": [declared, error]}
    return result


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, building and rendering the schema once per process."""

    def _get_schema_response(self, request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        self._cache_key = (version, translation.get_language())
        schema = _SCHEMAS.get(self._cache_key)
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = generator.get_schema(request=request, public=self.serve_public)
            _SCHEMAS[self._cache_key] = schema
        return Response(
            data=schema,
            headers={
                "Content-Disposition": (
                    f'inline; filename="{self._get_filename(request, version)}"'
                )
            },
        )

    def finalize_response(self, request, response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_cache_key", None)
        media_type = getattr(response, "accepted_media_type", None)
        if response.status_code == 200 and key is not None and media_type:
            rendered_key = (*key, media_type)
            content = _RENDERED.get(rendered_key)
            if content is None:
                response.render()
                _RENDERED[rendered_key] = response.content
            else:
                # Setting the content marks the response rendered: the renderer is skipped.
                response.content = content
        return response


def forget_schema() -> None:
    """Drop this process's built schema (for tests that change what the schema describes)."""
    _SCHEMAS.clear()
    _RENDERED.clear()
