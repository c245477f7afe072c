"""The Monte Carlo forecast in the REST API: ``forecast/`` answers the newest finished run or
queues a new one (202), ``forecast/runs/`` lists the runs and shows one with its progress.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from projects.api.base import (
    ProjectScopedViewSet,
)
from risks import selectors, services
from risks.models import ForecastRun
from risks.models.forecasts import MAX_ITERATIONS, MIN_ITERATIONS

TAGS = ["risks"]

# --- forecast -------------------------------------------------------------------------------------


def _object(properties: dict, **extra) -> dict:
    return {"type": "object", "properties": properties, **extra}


_INT = {"type": "integer"}
_NUMBER = {"type": "number"}
_DATE = {"type": "string", "format": "date"}
_MONEY = {"type": "string", "format": "decimal", "example": "1250.00"}
_DAY = _object({"index": _INT, "date": _DATE})
_BY_PERCENTILE = "By percentile: `P10`, `P50`, `P80`, `P90`, `P95`."

FORECAST_RESULTS = _object(
    {
        "iterations": _INT,
        "seed": _INT,
        "distribution": {"type": "string"},
        "deterministic_finish": {
            **_DAY,
            "description": "The plan without uncertainty: its finish (working-day index, date).",
        },
        "finish": {"type": "object", "additionalProperties": _DAY, "description": _BY_PERCENTILE},
        "finish_mean_days": _NUMBER,
        "finish_std_days": _NUMBER,
        "base_cost": _MONEY,
        "cost": {"type": "object", "additionalProperties": _MONEY, "description": _BY_PERCENTILE},
        "cost_mean": _MONEY,
        "cost_std": _MONEY,
        "finish_histogram": {
            "type": "array",
            "items": _object({"index": _INT, "date": _DATE, "count": _INT}),
        },
        "s_curve": {
            "type": "array",
            "items": _object({"index": _INT, "date": _DATE, "percent": _NUMBER}),
        },
        "cost_histogram": {
            "type": "array",
            "items": _object({"from": _MONEY, "to": _MONEY, "count": _INT}),
        },
        "criticality": {
            "type": "object",
            "additionalProperties": _NUMBER,
            "description": "Per task id: the share of iterations (0–1) in which it was critical.",
        },
        "drivers": {
            "type": "array",
            "items": _object(
                {
                    "kind": {"type": "string", "enum": ["task", "risk"]},
                    "id": _INT,
                    "name": {"type": "string"},
                    "correlation": _NUMBER,
                }
            ),
        },
        "driver_iterations": _INT,
        "estimates": _object(
            {
                "open_tasks": _INT,
                "with_estimates": _INT,
                "given_default": _INT,
                "default_uncertainty": {
                    **_object({"optimistic_percent": _INT, "pessimistic_percent": _INT}),
                    "nullable": True,
                },
            },
            description="Tasks with work left, those with a three-point estimate, and those "
            "given the default uncertainty for this run (null when not applied).",
        ),
        "warning": {
            "type": "string",
            "description": "Why the run misleads (no task had an estimate), or empty.",
        },
    },
    description="A finished run's results; null until the run is done.",
)


@extend_schema_field(FORECAST_RESULTS)
class ForecastResultsField(serializers.JSONField):
    """A run's results as stored (``risks.services.forecast.forecast_results``)."""


class _OneObjectSchema(AutoSchema):
    """The forecast's ``GET`` answers one object (the latest and the pending run), not a list,
    though DRF routes it to the viewset's ``list``."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class ForecastRunSerializer(serializers.ModelSerializer):
    results = ForecastResultsField(read_only=True, allow_null=True)

    class Meta:
        model = ForecastRun
        fields = (
            "id",
            "number",
            "status",
            "progress",
            "iterations",
            "seed",
            "distribution",
            "default_optimistic_percent",
            "default_pessimistic_percent",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "plan_finish",
            "target_finish",
            "budget",
            "p_target_finish",
            "p_budget",
            "results",
        )
        read_only_fields = fields
        extra_kwargs = {
            "plan_finish": {"help_text": "The plan's finish without uncertainty, as simulated."},
            "target_finish": {
                "help_text": "The project's target finish when the run was computed (null: none)."
            },
            "budget": {
                "help_text": "The budget the run's cost was held to: the BAC, else the approved "
                "budget (null: none)."
            },
            "p_target_finish": {
                "help_text": "Share of iterations (0–1) finishing on or before `target_finish`; "
                "null without a target."
            },
            "p_budget": {
                "help_text": "Share of iterations (0–1) costing at most `budget`; null without a "
                "budget."
            },
        }


class ForecastRunSummarySerializer(ForecastRunSerializer):
    class Meta(ForecastRunSerializer.Meta):
        fields = tuple(f for f in ForecastRunSerializer.Meta.fields if f != "results")
        read_only_fields = fields


class EstimateCoverageSerializer(serializers.Serializer):
    open_tasks = serializers.IntegerField(help_text="Tasks with work left (not milestones).")
    with_estimates = serializers.IntegerField(help_text="Of those, with a three-point estimate.")


class DefaultUncertaintySerializer(serializers.Serializer):
    optimistic_percent = serializers.IntegerField()
    pessimistic_percent = serializers.IntegerField()


class ForecastSerializer(serializers.Serializer):
    estimates = EstimateCoverageSerializer(
        help_text="The plan now: how many tasks with work left carry a three-point estimate."
    )
    default_uncertainty = DefaultUncertaintySerializer(
        help_text="The project's default uncertainty (its risk scale), offered to a run "
        "through `default_uncertainty`."
    )
    warning = serializers.CharField(
        help_text="Why a run now would mislead (no estimates at all), or empty."
    )
    latest = ForecastRunSerializer(
        allow_null=True, help_text="The newest finished run with its results, or null."
    )
    pending = ForecastRunSerializer(
        allow_null=True, help_text="The newest run still queued or running, or null."
    )
    p_target_finish = serializers.FloatField(
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text="The latest run's chance (0–1) of finishing on or before the target finish "
        "(its `target_finish`; finishing on the target day meets it); null without a target or "
        "a run.",
    )
    p_budget = serializers.FloatField(
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text="The latest run's chance (0–1) of costing at most the budget (its `budget`: "
        "the BAC, else the approved budget); null without a budget or a run.",
    )


class ForecastRequestSerializer(serializers.Serializer):
    iterations = serializers.IntegerField(
        default=10_000, min_value=MIN_ITERATIONS, max_value=MAX_ITERATIONS
    )
    seed = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="Drawn and stored when left out."
    )
    distribution = serializers.ChoiceField(
        choices=ForecastRun.Distribution.choices, default=ForecastRun.Distribution.TRIANGULAR
    )
    default_uncertainty = serializers.BooleanField(
        default=False,
        help_text="Give tasks without a three-point estimate the project's default uncertainty "
        "for this run (recorded on the run; the tasks are not changed).",
    )


ITERATIONS = OpenApiParameter(
    "iterations", OpenApiTypes.INT, description="Only a run of this many iterations."
)
SEED = OpenApiParameter("seed", OpenApiTypes.INT, description="Only a run with this seed.")


@extend_schema_view(
    list=extend_schema(
        summary="The latest Monte Carlo forecast (P10–P95 finish and cost, criticality, drivers)",
        parameters=[ITERATIONS, SEED],
        responses=ForecastSerializer,
    ),
    create=extend_schema(
        summary="Request a forecast run; it is computed in the background (members)",
        request=ForecastRequestSerializer,
        responses={202: ForecastRunSerializer},
    ),
)
@extend_schema(tags=TAGS)
class ForecastViewSet(ProjectScopedViewSet):
    """``GET`` the newest finished run (optionally the one with ``iterations`` and ``seed``);
    ``POST`` queues a run and answers 202 with its id: poll ``forecast/runs/{id}/``."""

    queryset = ForecastRun.objects.all()
    serializer_class = ForecastRequestSerializer
    schema = _OneObjectSchema()
    pagination_class = None
    filter_backends: list = []

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        runs = self.get_queryset().order_by("-created_at", "-id")
        done = runs.filter(status=ForecastRun.Status.DONE)
        for name in ("iterations", "seed"):
            value = request.query_params.get(name)
            if value is not None:
                try:
                    done = done.filter(**{name: int(value)})
                except ValueError:
                    raise ValidationError({name: "Give a whole number."}) from None
        pending = (
            runs.filter(status__in=[ForecastRun.Status.QUEUED, ForecastRun.Status.RUNNING])
            .defer("results")
            .first()
        )
        context = self.get_serializer_context()
        latest = done.first()
        coverage = selectors.estimate_coverage(self.project)
        shorter, longer = services.default_uncertainty_of(self.project)
        return Response(
            {
                "estimates": {
                    "open_tasks": coverage["open"],
                    "with_estimates": coverage["estimated"],
                },
                "default_uncertainty": {
                    "optimistic_percent": shorter,
                    "pessimistic_percent": longer,
                },
                "warning": services.estimates_warning(
                    open_tasks=coverage["open"],
                    estimated_tasks=coverage["estimated"],
                    default_uncertainty=None,
                ),
                "latest": latest and ForecastRunSerializer(latest, context=context).data,
                "pending": pending and ForecastRunSerializer(pending, context=context).data,
                "p_target_finish": latest.p_target_finish if latest else None,
                "p_budget": latest.p_budget if latest else None,
            }
        )

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.forecast_request(
            project=self.project, by=request.user, **serializer.validated_data
        )
        return Response(
            ForecastRunSerializer(run, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )


@extend_schema_view(
    list=extend_schema(summary="The project's forecast runs, newest first (without results)"),
    retrieve=extend_schema(summary="One forecast run: status, progress and, when done, results"),
)
@extend_schema(tags=TAGS)
class ForecastRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectScopedViewSet):
    queryset = ForecastRun.objects.all()
    serializer_class = ForecastRunSerializer
    filterset_fields = ("status",)
    ordering_fields = ("created_at",)
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        rows = super().get_queryset()
        if self.action == "list":
            # Results are large; a list says how runs went, the detail gives what they found.
            rows = rows.defer("results")
        return rows

    def get_serializer_class(self):
        return ForecastRunSummarySerializer if self.action == "list" else ForecastRunSerializer
