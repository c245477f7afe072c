"""Watching a record in the API: ``GET``/``PUT`` ``/api/v1/projects/{id}/<resource>/{pk}/watch/``
with ``{"watching": true|false}``. Any member, viewers included, may watch what they read."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from projects.api.base import ProjectSingletonViewSet
from projects.models import Role, Watch
from projects.services.notifications import is_watching
from projects.watching import watch_set, watched_record


class WatchSerializer(serializers.Serializer):
    watching = serializers.BooleanField()


@extend_schema(
    tags=["notifications"],
    parameters=[
        OpenApiParameter(
            "resource",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description="The kind of record: tasks, deliverables, requirements, change-requests, "
            "risks, issues, meetings, decisions or action-items.",
        ),
        OpenApiParameter("record_pk", OpenApiTypes.INT, OpenApiParameter.PATH),
    ],
)
class WatchViewSet(ProjectSingletonViewSet):
    """Whether I watch the record (I hear of every event about it), and watching or not."""

    queryset = Watch.objects.all()
    serializer_class = WatchSerializer
    write_role = Role.VIEWER

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.kind, self.record = watched_record(
            self.project, self.kwargs["resource"], self.kwargs["record_pk"]
        )

    @extend_schema(summary="Whether I watch this record")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"watching": is_watching(request.user, self.record)})

    @extend_schema(summary="Watch the record, or stop watching it")
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.project.is_closed:  # nothing happens in a closed project: nothing to follow
            raise PermissionDenied(f"{self.project.key} is closed and read-only.")
        body = WatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        watching = watch_set(
            project=self.project,
            record=self.record,
            user=request.user,
            watching=body.validated_data["watching"],
        )
        return Response({"watching": watching})

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)
