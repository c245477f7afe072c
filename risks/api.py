"""The risks app's REST API: the register (``risks/``, with "this risk occurred"), the issue log
(``issues/``), the computed 5×5 ``risk-matrix/`` and the Monte Carlo ``forecast/`` with its runs.

Every viewset is a ``projects.api.base.ProjectScopedViewSet`` (viewers read, members write);
writes go through ``risks.services``, so the strategy-fits-kind rule, the owner-is-a-member
rule and versions hold here exactly as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import (
    ProjectRelatedField,
    ProjectScopedViewSet,
    ProjectSingletonViewSet,
    edit_responses,
    member_field,
    version_field,
)
from projects.models import Role
from risks import selectors, services
from risks.models import ForecastRun, Issue, Risk, RiskScale, RiskTaskImpact
from risks.models.forecasts import MAX_ITERATIONS, MIN_ITERATIONS
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
        data["schedule_impacts"] = [
            {"task": i.task_id, "days": i.days} for i in instance.task_impacts.all()
        ]
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


class IssueSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="I-1, I-2, … in the project.")
    owner = member_field()
    version = version_field()

    class Meta:
        model = Issue
        fields = (
            "id",
            "reference",
            "number",
            "title",
            "description",
            "priority",
            "owner",
            "due_date",
            "status",
            "resolution",
            "risk",
            "raised_by",
            "resolved_on",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "number",
            "risk",
            "raised_by",
            "resolved_on",
            "created_at",
            "updated_at",
        )
        validators: list = []


def _impacts(data: dict[str, Any]) -> dict[Task, int] | None:
    rows = data.pop("schedule_impacts", None)
    if rows is None:
        return None
    return {row["task"]: row["days"] for row in rows}


def _risk_rows():
    return Risk.objects.select_related("owner", "issue").prefetch_related(
        Prefetch("task_impacts", queryset=RiskTaskImpact.objects.order_by("task_id"))
    )


@extend_schema_view(
    list=extend_schema(summary="The risk register"),
    retrieve=extend_schema(summary="One risk"),
    create=extend_schema(summary="Add a risk (members)"),
    update=extend_schema(summary="Edit a risk (members)", responses=edit_responses(RiskSerializer)),
    partial_update=extend_schema(
        summary="Edit some fields of a risk (members)", responses=edit_responses(RiskSerializer)
    ),
    destroy=extend_schema(
        summary="Delete a risk (members)", responses={204: OpenApiResponse(description="Gone.")}
    ),
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


# --- issues ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The issue log"),
    retrieve=extend_schema(summary="One issue"),
    create=extend_schema(summary="Log an issue, open (members)"),
    update=extend_schema(
        summary="Edit an issue (members)", responses=edit_responses(IssueSerializer)
    ),
    partial_update=extend_schema(
        summary="Edit some fields of an issue; resolving it needs a resolution (members)",
        responses=edit_responses(IssueSerializer),
    ),
    destroy=extend_schema(
        summary="Delete an issue (members)", responses={204: OpenApiResponse(description="Gone.")}
    ),
)
@extend_schema(tags=TAGS)
class IssueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """What is going wrong now; a risk that occurred links to its issue."""

    queryset = Issue.objects.select_related("owner", "risk")
    serializer_class = IssueSerializer
    filterset_fields = ("status", "priority", "owner")
    search_fields = ("title", "description", "resolution")
    ordering_fields = ("number", "due_date", "priority", "status")
    ordering = ("-number",)

    def perform_create(self, serializer: IssueSerializer) -> None:
        fields, _ = self.split_version(serializer)
        late = [f for f in ("status", "resolution") if fields.get(f) not in (None, "", "open")]
        if late:
            raise ValidationError(
                {f: "A new issue is open; set this when editing it." for f in late}
            )
        fields.pop("status", None)
        fields.pop("resolution", None)
        issue = services.issue_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(issue)

    def perform_update(self, serializer: IssueSerializer) -> None:
        changes, version = self.split_version(serializer)
        issue = services.issue_update(
            issue=serializer.instance, by=self.request.user, version=version, **changes
        )
        serializer.instance = self.reread(issue)

    def perform_destroy(self, instance: Issue) -> None:
        # One record, no rule beyond the member role: the risk it came from keeps its status.
        instance._history_user = self.request.user
        instance.delete()


# --- risk scale -----------------------------------------------------------------------------------


class ThresholdField(serializers.FloatField):
    """A threshold in working days or % of budget: whole numbers stay whole (2, not 2.0)."""

    def to_internal_value(self, data: Any) -> int | float:
        value = super().to_internal_value(data)
        return int(value) if value.is_integer() else value

    def to_representation(self, value: Any) -> int | float:
        value = float(value)
        return int(value) if value.is_integer() else value


class ScaleMeaningsSerializer(serializers.Serializer):
    probability = serializers.ListField(
        child=serializers.CharField(), help_text="What probability 1 to 5 means, with its %."
    )
    impact = serializers.ListField(
        child=serializers.CharField(), help_text="What impact 1 to 5 means, in days and budget."
    )


class RiskScaleSerializer(serializers.ModelSerializer):
    """The shape of a scale; its rules (rising, 1–99 %) are the model's, checked on save."""

    probability_percents = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=5,
        max_length=5,
        help_text="The chance (%) probability 1 to 5 stands for: whole numbers 1–99, rising. "
        "EMV, exposure and the forecast use them.",
    )
    probability_labels = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=True),
        min_length=5,
        max_length=5,
        help_text="A name for probability 1 to 5, e.g. “Rare (< 20%)”.",
    )
    impact_days = serializers.ListField(
        child=ThresholdField(),
        min_length=4,
        max_length=4,
        help_text="Impact 2 to 5 means a delay of more than these working days; rising, >= 0.",
    )
    impact_budget_percents = serializers.ListField(
        child=ThresholdField(),
        min_length=4,
        max_length=4,
        help_text="… or a cost of more than these % of the budget; rising, >= 0.",
    )
    meanings = ScaleMeaningsSerializer(
        read_only=True, help_text="The text shown next to each 1–5 choice on the risk form."
    )
    version = version_field()

    class Meta:
        model = RiskScale
        fields = (*services.SCALE_FIELDS, "meanings", "version")


@extend_schema_view(
    retrieve=extend_schema(summary="What probability and impact 1–5 mean in the project"),
    update=extend_schema(
        summary="Set the project's risk scale (managers)",
        responses=edit_responses(RiskScaleSerializer),
    ),
    partial_update=extend_schema(
        summary="Change part of the project's risk scale (managers)",
        responses=edit_responses(RiskScaleSerializer),
    ),
)
@extend_schema(tags=TAGS)
class RiskScaleViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ProjectSingletonViewSet):
    """The project's risk scale: the probability percentages and labels, and the impact
    thresholds. Changing the percentages recomputes every risk's EMV."""

    queryset = RiskScale.objects.all()
    serializer_class = RiskScaleSerializer
    write_role = Role.MANAGER

    def get_object(self) -> RiskScale:
        # Reading never writes: a project that never changed its scale shows the defaults.
        return selectors.risk_scale_of(self.project)

    def perform_update(self, serializer: RiskScaleSerializer) -> None:
        changes, version = self.split_version(serializer)
        serializer.instance = services.risk_scale_update(
            project=self.project, by=self.request.user, version=version, **changes
        )


# --- risk matrix ----------------------------------------------------------------------------------


class MatrixCellSerializer(serializers.Serializer):
    probability = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.CharField()
    count = serializers.IntegerField()
    risk_ids = serializers.ListField(child=serializers.IntegerField())


class RiskMatrixSerializer(serializers.Serializer):
    inherent = serializers.ListField(
        child=MatrixCellSerializer(many=True),
        help_text="Rows from probability 5 down to 1; columns impact 1 to 5; live risks only.",
    )
    residual = serializers.ListField(
        child=MatrixCellSerializer(many=True),
        help_text="The same grid at the residual rating (inherent where none is given).",
    )
    probability_meanings = serializers.ListField(child=serializers.CharField())
    impact_meanings = serializers.ListField(child=serializers.CharField())


@extend_schema_view(
    retrieve=extend_schema(
        summary="The 5×5 probability/impact matrix, inherent and residual",
        responses=RiskMatrixSerializer,
    )
)
@extend_schema(tags=TAGS)
class RiskMatrixViewSet(ProjectSingletonViewSet):
    serializer_class = RiskMatrixSerializer
    queryset = Risk.objects.all()

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        meanings = selectors.risk_scale_of(self.project).meanings()
        return Response(
            {
                "inherent": selectors.heat_map(self.project),
                "residual": selectors.heat_map(self.project, residual=True),
                "probability_meanings": meanings["probability"],
                "impact_meanings": meanings["impact"],
            }
        )


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
            "results",
        )
        read_only_fields = fields


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


__all__ = [
    "ForecastRunViewSet",
    "ForecastViewSet",
    "IssueViewSet",
    "RiskMatrixViewSet",
    "RiskViewSet",
]
