"""The reports API: a project's KPIs (latest snapshot and trend) and health, read-only singletons
under ``/api/v1/projects/{project_pk}/`` (DESIGN §5 ``/kpis/``, ``/health/``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response

from projects.api.base import ProjectSingletonViewSet
from reports import selectors
from reports.models import KpiSnapshot, Rag

TAGS = ["reports"]
DIMENSIONS = ("schedule", "cost", "scope", "risk")


class KpiTrendPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiSnapshot
        fields = [
            "as_of",
            "percent_complete",
            "spi",
            "cpi",
            "sv",
            "cv",
            "eac",
            "finish_slip_days",
            "overdue_tasks",
            "risk_exposure",
            "open_issues",
            "health",
        ]


class KpisSerializer(serializers.ModelSerializer):
    """The latest snapshot's KPIs (DESIGN §4), and ``trend``: the snapshots of the last ``days``
    days, oldest first. ``is_final``: a closed project's figures, frozen at sign-off."""

    trend = KpiTrendPointSerializer(many=True, read_only=True)

    class Meta:
        model = KpiSnapshot
        fields = [
            "as_of",
            "computed_at",
            "percent_complete",
            "bac",
            "pv",
            "ev",
            "ac",
            "sv",
            "cv",
            "spi",
            "cpi",
            "eac",
            "vac",
            "forecast_finish",
            "baseline_finish",
            "finish_slip_days",
            "p_target_finish",
            "p_budget",
            "milestones_missed",
            "milestones_due_14d",
            "overdue_tasks",
            "open_risks_by_level",
            "risk_exposure",
            "open_issues",
            "pending_change_requests",
            "deliverables_accepted",
            "deliverables_total",
            "health",
            "is_final",
            "trend",
        ]


class KpisQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=0, max_value=366, default=30)


class RatingSerializer(serializers.Serializer):
    rag = serializers.ChoiceField(choices=Rag.choices)
    label = serializers.CharField(help_text="Green, Amber or Red: the word to show with colour.")
    reason = serializers.CharField(help_text="The sentence that explains the rating.")


class DimensionsSerializer(serializers.Serializer):
    schedule = RatingSerializer()
    cost = RatingSerializer()
    scope = RatingSerializer()
    risk = RatingSerializer()


class HealthSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="The day of the snapshot the health is from.")
    overall = RatingSerializer(help_text="The worst of the dimensions.")
    dimensions = DimensionsSerializer()


@extend_schema(tags=TAGS)
class KpiViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """The project's KPIs from its latest snapshot (computed now when it has none yet)."""

    queryset = KpiSnapshot.objects.all()
    serializer_class = KpisSerializer
    filter_backends: list = []

    @extend_schema(
        summary="A project's KPIs and their trend",
        parameters=[
            OpenApiParameter(
                "days",
                OpenApiTypes.INT,
                description="How many days of history `trend` covers, up to the latest snapshot "
                "(0–366, default 30; 0 for none).",
            )
        ],
        responses={200: KpisSerializer},
    )
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        query = KpisQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        snapshot = selectors.current_snapshot(self.project, self.project.today())
        days = query.validated_data["days"]
        snapshot.trend = (
            selectors.kpi_history(self.project, until=snapshot.as_of, days=days) if days else []
        )
        return Response(KpisSerializer(snapshot).data)


@extend_schema(tags=TAGS)
class HealthViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """The project's health (RAG) overall and per dimension, each with its reason."""

    queryset = KpiSnapshot.objects.all()
    serializer_class = HealthSerializer
    filter_backends: list = []

    @extend_schema(summary="A project's health", responses={200: HealthSerializer})
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        snapshot = selectors.current_snapshot(self.project, self.project.today())
        reasons = snapshot.health_reasons

        def rating(rag: str, name: str) -> dict[str, str]:
            return {"rag": rag, "label": Rag(rag).label, "reason": reasons.get(name, "")}

        data = {
            "as_of": snapshot.as_of,
            "overall": rating(snapshot.health, "overall"),
            "dimensions": {
                name: rating(getattr(snapshot, f"health_{name}"), name) for name in DIMENSIONS
            },
        }
        return Response(HealthSerializer(data).data)
