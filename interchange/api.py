"""Imports (``/api/v1/imports/``), the exports of a project (MS Project XML; the Gantt as PDF or
PNG, the risk register and the RACI matrix as PDF), and my calendar feed
(``/api/v1/calendar-feed/``).

An import is the uploader's alone: anyone else's is a 404. Uploading answers 202 at once; the
plan is read by a Celery task (in-process on the embedded default) and ``status`` moves from
``pending`` to ``preview`` (or ``failed`` with ``errors``); ``confirm`` writes it, all or
nothing, and answers with the project.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interchange import printing, services
from interchange.models import CalendarFeed, Import
from interchange.printing_views import printable_response
from interchange.selectors import calendar_feed_of, imports_for
from projects.api.base import NoBodySerializer, ProjectSingletonViewSet
from projects.api.projects import ProjectSerializer
from projects.models import Role
from projects.pdf import PdfUnavailable
from projects.selectors import get_project_for

TAGS = ["interchange"]


class ImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Import
        fields = (
            "id",
            "filename",
            "format",
            "status",
            "project",
            "name",
            "key",
            "preview",
            "errors",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "`pending` (being read), `preview`, `done` or `failed`."},
            "preview": {
                "help_text": "What the import would do: `tasks`, `dependencies`, `work_packages`, "
                "`resources`, `assignments`, `skipped` and `converted` (item and reason), "
                "`file_finish` (MS Project's) and `computed_finish` (Charter's), and "
                "`differences`: the tasks whose dates differ, with the reasons."
            },
            "errors": {"help_text": "Why the file could not be read (status `failed`)."},
            "format": {
                "help_text": "What the file is, told from its bytes: `mspdi` is read as it is; "
                "`mpp`, `mpx`, `xer`, `p6xml` and `mpxj` are first turned into MS Project XML "
                "by MPXJ."
            },
        }


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A plan: MS Project XML (MSPDI), or MS Project .mpp, .mpx, Primavera .xer or "
        "P6 XML (read through MPXJ, which needs Java on the server); up to 50 MB, 20,000 tasks."
    )
    project = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="An empty project you manage to import into; left out: a new project.",
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="New project's name."
    )
    key = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="New project's key."
    )


@extend_schema_view(
    list=extend_schema(summary="My plan imports"),
    retrieve=extend_schema(summary="One of my plan imports: its status and preview"),
    create=extend_schema(
        summary="Upload a plan (MS Project XML or .mpp, .mpx, .xer, P6 XML); it is read in the "
        "background",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={202: ImportSerializer},
    ),
    confirm=extend_schema(
        summary="Import a previewed plan, all or nothing; answers with the project",
        request=NoBodySerializer,
        responses={201: ProjectSerializer},
    ),
)
@extend_schema(tags=TAGS)
class ImportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ImportSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    queryset = Import.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Import.objects.none()
        return imports_for(self.request.user).defer("data")

    def get_serializer_class(self):
        if self.action == "create":
            return ImportCreateSerializer
        if self.action == "confirm":
            return NoBodySerializer
        return ImportSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ImportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        project = None
        if data.get("project") is not None:
            # The door: a project I am not in does not exist; importing needs a manager.
            project = get_project_for(request.user, data["project"], need=Role.MANAGER)
        upload = services.import_create(
            by=request.user,
            file=data["file"],
            project=project,
            name=data.get("name", ""),
            key=data.get("key", ""),
        )
        upload = self.get_queryset().get(pk=upload.pk)
        return Response(ImportSerializer(upload).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        upload = self.get_object()
        if upload.project_id is not None:
            get_project_for(request.user, upload.project_id, need=Role.MANAGER)
        project = services.import_confirm(upload=upload, by=request.user)
        project = get_project_for(request.user, project.pk)
        return Response(
            ProjectSerializer(project, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    retrieve=extend_schema(
        summary="The project as MS Project XML (MSPDI)",
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="An MSPDI file MS Project opens."
            )
        },
    )
)
@extend_schema(tags=TAGS)
class MspdiExportViewSet(ProjectSingletonViewSet):
    """``GET /api/v1/projects/{id}/export/mspdi/``: any member may export what they can read."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        data = services.project_export_mspdi(project=self.project)
        response = HttpResponse(data, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.project.key}.xml"'
        return response


class _FileRenderer(BaseRenderer):
    """Lets ``?format=pdf`` / ``?format=png`` through DRF's content negotiation (which reads
    ``format`` as a renderer choice); the export answers with the file itself, and errors are
    JSON (``PrintableExportViewSet.handle_exception``)."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return data


class PdfRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class PngRenderer(_FileRenderer):
    media_type = "image/png"
    format = "png"


PAPER = OpenApiParameter(
    "paper",
    OpenApiTypes.STR,
    enum=list(printing.PAPERS),
    default=printing.DEFAULT_PAPER,
    description="The paper, landscape.",
)


class PrintJobSerializer(serializers.Serializer):
    """The answer while a worker prints a big plan (202)."""

    status = serializers.CharField()
    pages = serializers.IntegerField()
    job = serializers.CharField()
    url = serializers.URLField()
    detail = serializers.CharField()


class PrintableExportViewSet(ProjectSingletonViewSet):
    """A printable of the project (``interchange.printing``): any member may download it, on a
    closed project too. A bad parameter is a 400 naming it; errors are JSON whatever
    ``?format=`` asked for."""

    formats: tuple[str, ...] = ("pdf",)
    kind = ""
    renderer_classes = [JSONRenderer, PdfRenderer, PngRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # An unknown ?format= falls back to JSON, so the export can say what is wrong (400)
        # rather than DRF's bare 404.
        return super().perform_content_negotiation(request, force=True)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def make(self, format: str) -> bytes:
        raise NotImplementedError

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        format = request.query_params.get("format") or self.formats[0]
        if format not in self.formats:
            raise serializers.ValidationError(
                {"format": [f"Export as {' or '.join(self.formats)}."]}
            )
        try:
            return printable_response(
                self.project, self.kind, lambda: self.make(format), extension=format
            )
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        except PdfUnavailable as error:
            return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


@extend_schema_view(
    retrieve=extend_schema(
        summary="The Gantt chart as a PDF (the whole plan) or a PNG (one page)",
        description="Landscape A4 or A3; the time scale fitted to the page's width, the rows "
        "split into pages, each with the header, the legend and its number. Baseline bars, the "
        "critical path (red, hatched), milestones as diamonds, today's line.",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["pdf", "png"], default="pdf"),
            PAPER,
            OpenApiParameter(
                "baseline",
                OpenApiTypes.STR,
                description="A baseline's id, or `none`; by default the performance baseline, "
                "else the latest.",
            ),
            OpenApiParameter(
                "page", OpenApiTypes.INT, description="PNG: the page, from 1 (default 1)."
            ),
            OpenApiParameter(
                "job",
                OpenApiTypes.STR,
                description="PDF: the print job a 202 answer named (its `url` carries it).",
            ),
            OpenApiParameter(
                "dpi",
                OpenApiTypes.INT,
                description=f"PNG: dots per inch, {printing.DPI_RANGE[0]}–{printing.DPI_RANGE[1]} "
                f"(default {printing.DEFAULT_DPI}).",
            ),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            (202, "application/json"): OpenApiResponse(
                PrintJobSerializer,
                description="A PDF of more than "
                f"{printing.SYNC_PAGES} pages is printed by a worker: fetch `url` (also in "
                "`Location`) until it answers 200 with the PDF.",
            ),
        },
    )
)
@extend_schema(tags=TAGS)
class GanttExportViewSet(PrintableExportViewSet):
    """``GET /api/v1/projects/{id}/export/gantt/?format=pdf|png&paper=A4|A3``."""

    formats = ("pdf", "png")
    kind = "gantt"

    def make(self, format: str) -> bytes:
        options = printing.GanttOptions.of(self.request.query_params)
        if format == "png":
            return printing.gantt_png(self.project, options)
        return printing.gantt_pdf(self.project, options)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """A plan of more than ``printing.SYNC_PAGES`` pages is printed by a worker, as on the
        page: the answer is 202 with the job's URL (``?job=<token>``, also in ``Location``),
        which answers 202 while printing and the PDF once it is ready."""
        if (request.query_params.get("format") or "pdf") != "pdf":
            return super().retrieve(request, *args, **kwargs)
        if "job" in request.query_params:
            return self._job(request, request.query_params["job"])
        try:
            options = printing.GanttOptions.of(request.query_params)
            pages = printing.gantt_page_count(self.project, options.paper)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        if pages <= printing.SYNC_PAGES:
            return super().retrieve(request, *args, **kwargs)
        token = printing.gantt_job_start(self.project, request.user, request.query_params, pages)
        return self._printing(request, token, pages)

    def _printing(self, request: Request, token: str, pages: int) -> Response:
        params = {key: value for key, value in request.query_params.items() if key != "job"}
        url = request.build_absolute_uri(f"{request.path}?{urlencode({**params, 'job': token})}")
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return Response(
            {
                "status": "printing",
                "pages": pages,
                "job": token,
                "url": url,
                "detail": f"The plan prints on {pages} pages: a worker is printing it. "
                "Fetch the url for the PDF (202 until it is ready).",
            },
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url, "Retry-After": "5"},
        )

    def _job(self, request: Request, token: str) -> HttpResponse:
        job = printing.gantt_job(self.project, request.user, token)
        if job is None:
            raise NotFound("This print job has expired or is not yours: ask for the PDF again.")
        if job["error"]:
            raise serializers.ValidationError({"job": [job["error"]]})
        if job["pdf"] is None:
            return self._printing(request, token, job["pages"])
        return printable_response(self.project, self.kind, lambda: job["pdf"], extension="pdf")


@extend_schema_view(
    retrieve=extend_schema(
        summary="The risk register as a PDF",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["pdf"]), PAPER],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
)
@extend_schema(tags=TAGS)
class RiskRegisterExportViewSet(PrintableExportViewSet):
    """``GET /api/v1/projects/{id}/export/risk-register/?format=pdf&paper=A4|A3``."""

    kind = "risk-register"

    def make(self, format: str) -> bytes:
        paper = printing.paper_of(self.request.query_params.get("paper"))
        return printing.risk_register_pdf(self.project, paper)


@extend_schema_view(
    retrieve=extend_schema(
        summary="The RACI matrix as a PDF",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["pdf"]), PAPER],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
)
@extend_schema(tags=TAGS)
class RaciExportViewSet(PrintableExportViewSet):
    """``GET /api/v1/projects/{id}/export/raci/?format=pdf&paper=A4|A3``."""

    kind = "raci"

    def make(self, format: str) -> bytes:
        paper = printing.paper_of(self.request.query_params.get("paper"))
        return printing.raci_pdf(self.project, paper)


class CalendarFeedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="The feed's address (the secret is in it): only in the answer to the POST "
        "that made it, null afterwards."
    )
    project_url = serializers.SerializerMethodField(
        help_text="One project's milestones and gates: replace `{project_id}`. Only with `url`."
    )

    class Meta:
        model = CalendarFeed
        fields = ("url", "project_url", "created_at", "last_used_at")
        read_only_fields = fields

    def _url(self, name: str, *args: Any) -> str | None:
        token = self.context.get("token")
        if not token:
            return None
        return self.context["request"].build_absolute_uri(reverse(name, args=[token, *args]))

    def get_url(self, feed: CalendarFeed) -> str | None:
        return self._url("interchange:calendar_feed")

    def get_project_url(self, feed: CalendarFeed) -> str | None:
        url = self._url("interchange:project_calendar_feed", 0)
        return url and url.replace("/projects/0/", "/projects/{project_id}/")


@extend_schema(tags=TAGS)
class CalendarFeedView(APIView):
    """My calendar feed (iCalendar, for Outlook, Google or Apple Calendar): ``GET`` says whether
    I have one, ``POST`` makes one (or resets it: the old address stops) and answers with its
    address, the only time it is shown; ``DELETE`` revokes it."""

    permission_classes = [IsAuthenticated]
    serializer_class = CalendarFeedSerializer

    def _mine(self, request: Request) -> CalendarFeed:
        feed = calendar_feed_of(request.user)
        if feed is None:
            raise NotFound("You have no calendar feed.")
        return feed

    @extend_schema(summary="My calendar feed (its address is shown only when made)")
    def get(self, request: Request) -> Response:
        return Response(CalendarFeedSerializer(self._mine(request)).data)

    @extend_schema(
        summary="Make my calendar feed, or reset it (the old address stops)",
        request=None,
        responses={201: CalendarFeedSerializer},
    )
    def post(self, request: Request) -> Response:
        feed, token = services.calendar_feed_create(user=request.user)
        body = CalendarFeedSerializer(feed, context={"request": request, "token": token})
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke my calendar feed", request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        self._mine(request)
        services.calendar_feed_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
