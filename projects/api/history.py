"""The project's audit trail in the API: ``GET /api/v1/projects/{id}/history/``.

Every recorded change of the project's records in every app, newest first and paginated, with
who, when and what (each field's old and new value, raw and as a person reads it). The reads are
``projects.history``'s, the same as the history page's.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from projects import history
from projects.api.base import ProjectScopedViewSet
from projects.models import Project


class HistoryQuerySerializer(serializers.Serializer):
    """The list's filters; an unknown value is a 400, not an empty list."""

    area = serializers.ChoiceField(choices=list(history.AREAS), required=False)
    user = serializers.IntegerField(required=False, min_value=1)
    model = serializers.ChoiceField(choices=[], required=False)
    object_id = serializers.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = sorted(history.tracked_models())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "object_id" in attrs and "model" not in attrs:
            raise serializers.ValidationError({"object_id": "Give the record's model as well."})
        return attrs


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name, e.g. `percent_complete`.")
    label = serializers.CharField(help_text="Its human name, e.g. `Percent complete`.")
    old = serializers.JSONField(
        allow_null=True,
        help_text="The value before (null for a new record); ids for links, ISO 8601 dates, "
        "decimals as strings.",
    )
    new = serializers.JSONField(allow_null=True, help_text="The value after, in the same form.")
    old_display = serializers.CharField(help_text="The value before as the page shows it.")
    new_display = serializers.CharField(help_text="The value after as the page shows it.")


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="history_id", help_text="The change's id in its model.")
    model = serializers.CharField(help_text="The record's kind, e.g. `scheduling.task`.")
    area = serializers.CharField(help_text="scope, schedule, budget, risk, stakeholders, reports")
    object_id = serializers.IntegerField(help_text="The changed record's id.")
    subject = serializers.CharField(help_text="The record as people call it, e.g. `Task Build`.")
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    at = serializers.DateTimeField(source="when")
    user = serializers.SerializerMethodField()
    user_name = serializers.SerializerMethodField()
    changes = HistoryChangeSerializer(many=True)
    compared = serializers.BooleanField(
        help_text="False when a change has no earlier version recorded to compare with: "
        "`changes` then lists the values it was saved with (old is null)."
    )

    def get_user(self, entry: history.HistoryEntry) -> int | None:
        return entry.who.pk if entry.who else None

    def get_user_name(self, entry: history.HistoryEntry) -> str:
        if entry.who is None:
            return ""
        return entry.who.get_full_name() or entry.who.get_username()


@extend_schema(tags=["projects"])
class HistoryViewSet(ProjectScopedViewSet):
    """The project's history across every app; ``area``, ``user``, ``model`` and ``object_id``
    narrow it."""

    serializer_class = HistoryEntrySerializer
    # Only the schema generator reads this (for the path parameter's type); the list reads the
    # historical tables of every app through projects.history.
    queryset = Project.objects.none()

    @extend_schema(
        summary="Every change of the project's records, newest first",
        parameters=[
            OpenApiParameter("area", OpenApiTypes.STR, enum=list(history.AREAS)),
            OpenApiParameter("user", OpenApiTypes.INT, description="Changes by this user."),
            OpenApiParameter(
                "model", OpenApiTypes.STR, description="One kind, e.g. `scheduling.task`."
            ),
            OpenApiParameter("object_id", OpenApiTypes.INT, description="One record (with model)."),
        ],
        responses=HistoryEntrySerializer(many=True),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = history.HistoryFilter(
            area=data.get("area", ""),
            user_id=data.get("user"),
            model=data.get("model", ""),
            object_id=data.get("object_id"),
        )
        rows = history.history_rows(self.project, filters)
        page = self.paginate_queryset(rows if rows is not None else [])
        entries = history.history_entries(self.project, list(page))
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)
