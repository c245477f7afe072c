"""Attachments under a record: ``/api/v1/projects/{id}/<resource>/{pk}/attachments/`` (and
``…/closure/attachments/`` for the project's closure review, which has no id).

List, upload (multipart ``file``) → 201, ``{attachment_pk}/`` to read or delete, and
``{attachment_pk}/download/`` for the file itself, streamed through the access door as an
attachment with ``nosniff``. Writes go through ``projects.services.attachments`` as the pages'
do; who may do what is in ``projects.attachments``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from projects import attachments
from projects.api.base import ProjectScopedViewSet
from projects.models import Attachment
from projects.services.attachments import (
    attachment_add,
    attachment_delete,
    max_bytes,
    too_large_message,
)
from projects.views.attachments import download_response

TAGS = ["attachments"]
# A multipart body carries its boundaries and headers beside the file: a request this much
# over the limit may still hold a file within it.
MULTIPART_SLACK = 64 * 1024


def resource_pattern() -> str:
    """The path segments of the kinds with an id that take attachments, as a regex group."""
    kinds = [k.resource for k in attachments.attachable_kinds().values() if not k.singleton]
    return "|".join(sorted(kinds))


RESOURCE = OpenApiParameter(
    "resource",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The kind of record: tasks, deliverables, requirements, change-requests, risks, "
    "issues, meetings, decisions or action-items.",
)
RECORD_PK = OpenApiParameter(
    "record_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The record's id."
)


class AttachmentSerializer(serializers.ModelSerializer):
    media_type = serializers.CharField(
        read_only=True, help_text="What the file's bytes are (sniffed), not what the client said."
    )
    size = serializers.IntegerField(read_only=True, help_text="In bytes.")
    uploaded_by_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "name",
            "media_type",
            "size",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "download_url",
        )
        read_only_fields = fields

    def get_uploaded_by_name(self, attachment: Attachment) -> str:
        user = attachment.uploaded_by
        return (user.get_full_name() or user.get_username()) if user else ""

    def get_download_url(self, attachment: Attachment) -> str:
        kwargs = dict(self.context["view"].kwargs)
        kwargs["pk"] = attachment.pk
        name = self.context["view"].basename + "-download"
        url = reverse(f"api:{name}", kwargs=kwargs)
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The file (multipart). At most ATTACHMENT_MAX_BYTES (25 MB by default); PDF, "
        "Office and OpenDocument files, images, archives, audio and video, plain text and CSV, "
        "told from the bytes. HTML, SVG, XML and programs are refused."
    )


@extend_schema_view(
    list=extend_schema(summary="The record's attachments, oldest first"),
    retrieve=extend_schema(summary="One attachment"),
    destroy=extend_schema(
        summary="Delete an attachment (its uploader or a manager)",
        responses={204: OpenApiResponse(description="Deleted, with its stored file.")},
    ),
    download=extend_schema(
        summary="The file itself, as an attachment",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    ),
)
@extend_schema(tags=TAGS)
class AttachmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Files kept with a record (evidence for acceptance, minutes, invoices). Any member reads
    and downloads; members and managers upload; the uploader or a manager deletes. A file's type
    is told from its bytes; downloads are always attachments with ``nosniff``."""

    queryset = Attachment.objects.select_related("uploaded_by")
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    search_fields = ("name",)
    ordering_fields = ("uploaded_at", "name", "size")
    ordering = ("uploaded_at", "id")
    # The kind of record, where the URL does not name it (the closure's attachments).
    resource: str = ""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # the door: 404 for a non-member
        resource = self.kwargs.get("resource", self.resource)
        try:
            self.kind, self.record = attachments.attached_record(
                self.project, resource, self.kwargs.get("record_pk")
            )
        except Http404:
            if not (self.resource and self.action == "list"):
                raise
            # A closure not started yet has no files (as the closure itself answers with no
            # status); attaching one is a 404 naming what is missing.
            self.kind, self.record = attachments.attachable_kinds()[resource], None

    def scope_queryset(self, queryset):
        if self.record is None:
            return queryset.none()
        return queryset.filter(project=self.project).of(self.record)

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # A download answers with the file whatever the client accepts.
        return super().perform_content_negotiation(
            request, force=force or self.action == "download"
        )

    @extend_schema(
        summary="Attach a file (members)",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            413: OpenApiResponse(description="The file is over the size limit."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > max_bytes() + MULTIPART_SLACK:
            # Refused before the body is read, so nothing of it is even spooled.
            return Response(
                {"file": [too_large_message(length)]},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            attachment = attachment_add(
                project=self.project,
                record=self.record,
                by=request.user,
                upload=body.validated_data["file"],
            )
        except ValidationError as error:
            if any(e.code == "too_large" for e in getattr(error, "error_dict", {}).get("file", [])):
                return Response(
                    {"file": error.message_dict["file"]},
                    status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                )
            raise
        answer = self.get_serializer(self.reread(attachment))
        return Response(answer.data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Attachment) -> None:
        attachment_delete(attachment=instance, by=self.request.user)

    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        return download_response(self.get_object())


@extend_schema(parameters=[RESOURCE, RECORD_PK])
class RecordAttachmentViewSet(AttachmentViewSet):
    """The attachments of a record with an id: ``<resource>/{record_pk}/attachments/``."""


class ClosureAttachmentViewSet(AttachmentViewSet):
    """The attachments of the project's closure review (evidence for acceptance, invoices):
    ``closure/attachments/``. Before the closure is started the list is empty and an upload is
    404 (there is no closure to attach to)."""

    resource = "closure"
