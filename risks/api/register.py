"""The risk register in the REST API: ``risks/`` (list, read, add, edit, delete), with the
schedule impacts a risk has on tasks and "this risk occurred", which opens its issue once.

Writes go through ``risks.services``, so the strategy-fits-kind rule, the owner-is-a-member rule
and versions hold here exactly as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    ProjectRelatedField,
    ProjectScopedViewSet,
    crud_schema,
    member_field,
    version_field,
)
from risks import services
from risks.api.issues import IssueSerializer
from risks.models import Issue, Risk, RiskTaskImpact
from scheduling.models import Task

TAGS = ["risks"]

# --- risks ----------------------------------------------------------------------------------------


class ScheduleImpactSerializer(serializers.Serializer):
    task = ProjectRelatedField(queryset=Task.objects.all(), help_text="A task of this project.")
    days = serializers.IntegerField(min_value=1, help_text="Working days it adds (or saves).")


class RiskSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="R-1, R-2, … in the project.")
    owner = member_field()
    residual_score = serializers.IntegerField(read_only=True, allow_null=True)
    residual_level = serializers.CharField(read_only=True, allow_null=True)
    schedule_impacts = ScheduleImpactSerializer(
        many=True,
        required=False,
        help_text="Working days on named tasks; sending it replaces the list.",
    )
    issue = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The issue this risk became when it occurred; null until it does.",
    )
    version = version_field()

    class Meta:
        model = Risk
        fields = (
            "id",
            "reference",
            "number",
            "title",
            "cause",
            "event",
            "effect",
            "category",
            "kind",
            "probability",
            "impact",
            "score",
            "level",
            "owner",
            "trigger",
            "proximity",
            "status",
            "response_strategy",
            "response_plan",
            "contingency_plan",
            "residual_probability",
            "residual_impact",
            "residual_score",
            "residual_level",
            "cost_impact",
            "emv",
            "schedule_impacts",
            "issue",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("number", "score", "level", "emv", "created_at", "updated_at")
        # The service numbers risks under a project lock; no unique check on a read-only field.
        validators: list = []

    def to_representation(self, instance: Risk) -> dict[str, Any]:
        data = super().to_representation(instance)
        # The list prefetches into a plain list (see _risk_rows); a record read elsewhere
        # reads its impacts through the manager.
        impacts = getattr(instance, "ordered_impacts", None)
        if impacts is None:
            impacts = instance.task_impacts.order_by("task_id")
        data["schedule_impacts"] = [{"task": i.task_id, "days": i.days} for i in impacts]
        data["issue"] = getattr(getattr(instance, "issue", None), "pk", None)
        return data


class OccurredSerializer(serializers.Serializer):
    owner = member_field(help_text="Who handles the issue; the risk's owner when left out.")
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(
        choices=Issue.Priority.choices,
        required=False,
        help_text="The risk's level when left out.",
    )


def _impacts(data: dict[str, Any]) -> dict[Task, int] | None:
    rows = data.pop("schedule_impacts", None)
    if rows is None:
        return None
    return {row["task"]: row["days"] for row in rows}


def _risk_rows():
    # The impacts into a plain list (to_attr): prefetching into the related manager instead
    # clones and filters a queryset per risk.
    impacts = RiskTaskImpact.objects.order_by("task_id").only("risk_id", "task_id", "days")
    return Risk.objects.select_related("owner", "issue").prefetch_related(
        Prefetch("task_impacts", queryset=impacts, to_attr="ordered_impacts")
    )


@crud_schema(
    serializer=RiskSerializer,
    list="The risk register",
    retrieve="One risk",
    create="Add a risk (members)",
    update="Edit a risk (members)",
    partial_update="Edit some fields of a risk (members)",
    destroy="Delete a risk (members)",
    gone="Gone.",
)
@extend_schema(tags=TAGS)
class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Threats and opportunities rated 1–5; score, level and EMV are derived. The response
    strategy must fit the kind (avoid/mitigate/transfer/accept for a threat,
    exploit/enhance/share/accept for an opportunity)."""

    queryset = _risk_rows()
    serializer_class = RiskSerializer
    filterset_fields = ("status", "level", "category", "kind", "owner")
    search_fields = ("title", "cause", "event", "effect")
    ordering_fields = ("number", "score", "emv", "proximity", "probability", "impact")
    ordering = ("-score", "number")

    def perform_create(self, serializer: RiskSerializer) -> None:
        fields, _ = self.split_version(serializer)
        impacts = _impacts(fields)
        risk = services.risk_create(
            project=self.project, by=self.request.user, schedule_impacts=impacts, **fields
        )
        serializer.instance = self.reread(risk)

    def perform_update(self, serializer: RiskSerializer) -> None:
        changes, version = self.split_version(serializer)
        impacts = _impacts(changes)
        risk = services.risk_update(
            risk=serializer.instance,
            by=self.request.user,
            version=version,
            schedule_impacts=impacts,
            **changes,
        )
        serializer.instance = self.reread(risk)

    def perform_destroy(self, instance: Risk) -> None:
        services.risk_delete(risk=instance, by=self.request.user)

    @extend_schema(
        summary="This risk occurred: open its issue (members)",
        description="Marks the risk occurred and opens the linked issue in one step; asking "
        "again returns the same issue (200) instead of a second one (201).",
        request=OccurredSerializer,
        responses={201: IssueSerializer, 200: IssueSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=OccurredSerializer)
    def occurred(self, request, *args: Any, **kwargs: Any) -> Response:
        risk = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        existed = Issue.objects.filter(risk=risk).exists()
        issue = services.risk_occurred(risk=risk, by=request.user, **serializer.validated_data)
        issue = Issue.objects.select_related("owner", "risk").get(pk=issue.pk)
        return Response(
            IssueSerializer(issue, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )
