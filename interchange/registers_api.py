"""The registers as files over the API: ``GET /api/v1/projects/{id}/<register>/export/`` and
``POST /api/v1/projects/{id}/<register>/import/`` for tasks, risks, issues, stakeholders,
requirements, deliverables, budget lines and time entries (``interchange.registers``).

Routed by ``config/api_router.py`` under the registers' own prefixes, before their viewsets (so
``risks/export/`` is not read as the risk with id "export"), through the project door: any
member exports, members and managers import, everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from interchange import registers, sheets
from projects.api.base import ProjectScopedViewSet
from projects.models import Project

TAGS = ["interchange"]
# The URL's register names, for the router's prefix and the schema.
REGISTER_PATTERN = "|".join(registers.REGISTERS)

REGISTER = OpenApiParameter(
    "register",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(registers.REGISTERS),
    description="The register: " + ", ".join(registers.REGISTERS) + ".",
)


class _FileRenderer(BaseRenderer):
    """Lets ``?format=csv`` / ``?format=xlsx`` through DRF's content negotiation (which reads
    ``format`` as a renderer choice); the export answers with the file itself, and errors are
    rendered as JSON (``RegisterFileViewSet.handle_exception``)."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return data


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = sheets.XLSX_TYPE
    format = "xlsx"


class RegisterImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"CSV (UTF-8; comma, semicolon or tab separated) or Excel (.xlsx), told apart "
        f"by content, with a header row; at most {sheets.MAX_BYTES // 1024 // 1024} MB and "
        f"{sheets.MAX_ROWS:,} rows. Columns are matched by header, whatever the case and spacing; "
        "the template (export with `template=1`) lists them."
    )


class RegisterImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Rows imported.")
    ignored_columns = serializers.ListField(
        child=serializers.CharField(), help_text="Headers the register does not know, skipped."
    )


class RegisterRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="The row in the file (the header is 1); null: the whole file."
    )
    field = serializers.CharField(help_text="The column's field name, or file / header / row.")
    message = serializers.CharField()


class RegisterImportErrorsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RegisterRowErrorSerializer(many=True)
    ignored_columns = serializers.ListField(child=serializers.CharField())


def import_answer(result: registers.ImportResult) -> tuple[dict[str, Any], int]:
    """The answer to an import, and its status: 201 with the count, or 400 with every error."""
    if result.ok:
        return (
            {"created": result.created, "ignored_columns": result.ignored_columns},
            status.HTTP_201_CREATED,
        )
    problems = len(result.errors)
    return (
        {
            "detail": f"Nothing was imported: the file has {problems} "
            f"problem{'s' if problems != 1 else ''}. Fix them and import it again.",
            "errors": [
                {"row": e.row, "field": e.field, "message": e.message} for e in result.errors
            ],
            "ignored_columns": result.ignored_columns,
        },
        status.HTTP_400_BAD_REQUEST,
    )


def export_response(
    project: Project, register: registers.Register, format: str, template: bool
) -> HttpResponse:
    exported = registers.register_export(
        register=register, project=project, format=format, template=template
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@extend_schema(tags=TAGS, parameters=[REGISTER])
class RegisterFileViewSet(ProjectScopedViewSet):
    """A register as a CSV or Excel file, out and in."""

    queryset = Project.objects.none()
    serializer_class = RegisterImportSerializer

    @property
    def register(self) -> registers.Register:
        return registers.REGISTERS[self.kwargs["register"]]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # An unknown ?format= falls back to JSON, so the export can say what is wrong (400)
        # rather than DRF's bare 404.
        return super().perform_content_negotiation(request, force=True)

    def handle_exception(self, exc: Exception) -> Response:
        # An error is JSON, whatever ?format= asked the file in.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        summary="The register as a CSV or Excel file (members)",
        description="A header row and a row per record, in the register's order; every text "
        "cell that a spreadsheet would run as a formula starts with a quote. With `template=1`: "
        "the columns an import reads, with one example row.",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "xlsx"], default="csv"),
            OpenApiParameter(
                "template", OpenApiTypes.BOOL, description="Headers and an example row only."
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, sheets.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        renderer_classes=[JSONRenderer, CsvRenderer, XlsxRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def export(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        format = request.query_params.get("format", "csv") or "csv"
        if format not in ("csv", "xlsx"):
            raise serializers.ValidationError({"format": "Export as csv or xlsx."})
        template = request.query_params.get("template", "") in ("1", "true", "yes")
        return export_response(self.project, self.register, format, template)

    @extend_schema(
        summary="Import rows from a CSV or Excel file: all rows or none (members)",
        description="Every row is checked through the same rules as typing it; if any is bad, "
        "nothing is imported and the answer lists every problem by row and column.",
        request={"multipart/form-data": RegisterImportSerializer},
        responses={201: RegisterImportResultSerializer, 400: RegisterImportErrorsSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_rows(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = RegisterImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = registers.register_import_upload(
            register=self.register,
            project=self.project,
            by=request.user,
            upload=body.validated_data["file"],
        )
        data, code = import_answer(result)
        return Response(data, status=code)
