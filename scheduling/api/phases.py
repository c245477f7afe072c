"""Phases (PRINCE2 stages): their tolerances, their forecast against them, and gate reviews.

Each phase answers with its forecast from ``scheduling.selectors.phase_status`` (span of its
tasks, slip and overspend against the stage plan, and the exception flags when they break the
tolerances), computed once per response whatever the number of phases. Recording a gate
decision is a manager's action, ``POST phases/{pk}/gate-reviews/``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import ProjectScopedViewSet, crud_schema, version_field
from projects.models import Role
from scheduling.models import GateReview, Phase
from scheduling.selectors import phase_status
from scheduling.services import gate_review_record, phase_create, phase_update

TAGS = ["schedule"]

# The forecast of a phase that phase_status did not report (e.g. one created in this request).
NO_FORECAST = {
    "start": None,
    "finish": None,
    "tasks": 0,
    "forecast_cost": Decimal("0.00"),
    "slip": None,
    "overspend": None,
    "time_exception": False,
    "cost_exception": False,
    "last_gate": None,
}


class GateReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = GateReview
        fields = ("id", "date", "decision", "decided_by", "notes", "conditions", "created_at")
        read_only_fields = fields


class GateReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=GateReview.Decision.choices)
    date = serializers.DateField(help_text="The day the board decided.")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    conditions = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="What must hold (required for a conditional go).",
    )


class PhaseSerializer(serializers.ModelSerializer):
    start = serializers.DateField(
        source="forecast.start",
        read_only=True,
        allow_null=True,
        help_text="The first start of its tasks; null while it has none.",
    )
    finish = serializers.DateField(
        source="forecast.finish",
        read_only=True,
        allow_null=True,
        help_text="The last finish of its tasks; null while it has none.",
    )
    task_count = serializers.IntegerField(source="forecast.tasks", read_only=True)
    forecast_cost = serializers.DecimalField(
        source="forecast.forecast_cost",
        max_digits=16,
        decimal_places=2,
        read_only=True,
        help_text="The planned cost of its tasks.",
    )
    slip = serializers.IntegerField(
        source="forecast.slip",
        read_only=True,
        allow_null=True,
        help_text="Working days the forecast finish is after the planned finish (+ = late).",
    )
    overspend = serializers.DecimalField(
        source="forecast.overspend",
        max_digits=16,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Forecast cost − planned cost.",
    )
    time_exception = serializers.BooleanField(
        source="forecast.time_exception",
        read_only=True,
        help_text="The slip is beyond the time tolerance: raise an exception to the board.",
    )
    cost_exception = serializers.BooleanField(
        source="forecast.cost_exception",
        read_only=True,
        help_text="The overspend is beyond the cost tolerance: raise an exception to the board.",
    )
    last_gate = GateReviewSerializer(
        source="forecast.last_gate",
        read_only=True,
        allow_null=True,
        help_text="The latest gate review, or null.",
    )
    gate_reviews = GateReviewSerializer(many=True, read_only=True, help_text="Newest first.")
    version = version_field()

    class Meta:
        model = Phase
        fields = (
            "id",
            "name",
            "position",
            "planned_finish",
            "planned_cost",
            "time_tolerance",
            "cost_tolerance",
            "start",
            "finish",
            "task_count",
            "forecast_cost",
            "slip",
            "overspend",
            "time_exception",
            "cost_exception",
            "last_gate",
            "gate_reviews",
            "version",
        )
        extra_kwargs = {"position": {"help_text": "Order among the phases; last if left out."}}

    def to_representation(self, phase: Phase) -> dict[str, Any]:
        phase.forecast = self._forecasts().get(phase.pk, NO_FORECAST)
        return super().to_representation(phase)

    def _forecasts(self) -> dict[int, dict[str, Any]]:
        # Once per response and after any write it answers (a list of phases shares one
        # computation): the context is the root serializer's, shared by a list's rows.
        forecasts = self.context.get("phase_forecasts")
        if forecasts is None:
            rows = phase_status(self.context["project"])
            forecasts = self.context["phase_forecasts"] = {row["phase"].pk: row for row in rows}
        return forecasts


@crud_schema(
    serializer=PhaseSerializer,
    list="The project's phases (stages) with their forecast",
    retrieve="One phase with its forecast and gate reviews",
    create="Add a phase (members)",
    update="Edit a phase's plan and tolerances (members)",
    partial_update="Edit some of a phase's plan and tolerances (members)",
    destroy="Delete a phase; its tasks stay, without a phase (members)",
    gate_reviews=extend_schema(
        summary="Record the gate decision: go, conditional go or no-go (managers)",
        request=GateReviewInputSerializer,
        responses={201: GateReviewSerializer},
    ),
)
@extend_schema(tags=TAGS)
class PhaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Management stages, each closed by a gate review; tolerances say how far a stage may
    overrun (in working days and money) before it is an exception for the board."""

    queryset = Phase.objects.prefetch_related("gate_reviews")
    serializer_class = PhaseSerializer
    action_roles = {"gate_reviews": Role.MANAGER}
    search_fields = ("name",)
    ordering_fields = ("position", "name", "planned_finish")
    ordering = ("position", "id")

    def perform_create(self, serializer: PhaseSerializer) -> None:
        fields, _ = self.split_version(serializer)
        phase = phase_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(phase)

    def perform_update(self, serializer: PhaseSerializer) -> None:
        changes, version = self.split_version(serializer)
        phase = phase_update(
            phase=serializer.instance, by=self.request.user, version=version, **changes
        )
        serializer.instance = self.reread(phase)

    def perform_destroy(self, instance: Phase) -> None:
        # One record and no rule beyond the door's role check (STYLE 5): no service needed.
        instance._history_user = self.request.user
        instance.delete()

    @action(
        detail=True,
        methods=["post"],
        url_path="gate-reviews",
        serializer_class=GateReviewInputSerializer,
    )
    def gate_reviews(self, request, *args: Any, **kwargs: Any) -> Response:
        phase = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = gate_review_record(phase=phase, by=request.user, **serializer.validated_data)
        return Response(GateReviewSerializer(review).data, status=status.HTTP_201_CREATED)
