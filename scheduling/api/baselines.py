"""Baselines: named, frozen copies of the plan, and the variance of the plan against one.

Taking a baseline goes through ``scheduling.services.baseline_create``; choosing the performance
baseline (the one earned value measures against) and deleting one are managers' decisions.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import NoBodySerializer, ProjectScopedViewSet
from projects.models import Role
from scheduling.models import Baseline
from scheduling.selectors import baseline_variance
from scheduling.services import baseline_create, baseline_set_performance

TAGS = ["schedule"]


class BaselineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Baseline
        fields = (
            "id",
            "name",
            "note",
            "is_performance",
            "start_date",
            "finish_date",
            "total_cost",
            "created_by",
            "created_at",
        )
        read_only_fields = ("start_date", "finish_date", "total_cost", "created_by", "created_at")
        # The service refuses a name the project already uses, naming it.
        validators: list = []
        extra_kwargs = {
            "is_performance": {
                "help_text": "The baseline earned value measures against (one per project; "
                "setting it is a manager's decision)."
            },
            "start_date": {"help_text": "The plan's start when the baseline was taken."},
            "finish_date": {"help_text": "The plan's finish when the baseline was taken."},
            "total_cost": {"help_text": "The tasks' planned cost when the baseline was taken."},
        }


class VarianceRowSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    name = serializers.CharField()
    baseline_start = serializers.DateField(allow_null=True)
    baseline_finish = serializers.DateField(allow_null=True)
    start = serializers.DateField(allow_null=True, help_text="Its start in the current plan.")
    finish = serializers.DateField(allow_null=True, help_text="Its finish in the current plan.")
    start_variance = serializers.IntegerField(
        allow_null=True, help_text="Working days later (+) or earlier (−) than the baseline."
    )
    finish_variance = serializers.IntegerField(
        allow_null=True, help_text="Working days later (+) or earlier (−) than the baseline."
    )
    is_new = serializers.BooleanField(help_text="Added after the baseline was taken.")


class VarianceSerializer(serializers.Serializer):
    baseline = serializers.IntegerField(help_text="The baseline's id.")
    finish = serializers.DateField(allow_null=True, help_text="The current plan's finish.")
    baseline_finish = serializers.DateField(allow_null=True)
    finish_slip = serializers.IntegerField(
        allow_null=True, help_text="Working days the finish moved since the baseline (+ = later)."
    )
    removed = serializers.ListField(
        child=serializers.CharField(), help_text="Names of baselined tasks deleted since."
    )
    tasks = VarianceRowSerializer(many=True, help_text="Every current task, in plan order.")


@extend_schema_view(
    list=extend_schema(summary="The project's baselines, newest first"),
    retrieve=extend_schema(summary="One baseline"),
    create=extend_schema(
        summary="Take a baseline of the current plan (members; a performance one: managers)"
    ),
    destroy=extend_schema(
        summary="Delete a baseline (managers)",
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
    set_performance=extend_schema(
        summary="Make it the performance baseline earned value measures against (managers)",
        request=None,
        responses={200: BaselineSerializer},
    ),
    variance=extend_schema(
        summary="The current plan against this baseline, in working days",
        responses={200: VarianceSerializer},
    ),
)
@extend_schema(tags=TAGS)
class BaselineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ProjectScopedViewSet,
):
    """Frozen copies of task dates, durations and costs; never edited once taken."""

    queryset = Baseline.objects.all()
    serializer_class = BaselineSerializer
    action_roles = {"destroy": Role.MANAGER, "set_performance": Role.MANAGER}
    filterset_fields = ("is_performance",)
    search_fields = ("name", "note")
    ordering_fields = ("created_at", "name", "finish_date")
    ordering = ("-created_at", "-id")

    def perform_create(self, serializer: BaselineSerializer) -> None:
        fields = serializer.validated_data
        if fields.get("is_performance"):
            self.require_role(Role.MANAGER, "set the performance baseline")
        baseline = baseline_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(baseline)

    def perform_destroy(self, instance: Baseline) -> None:
        # One record (its frozen task rows go with it) and no rule beyond the manager's role.
        instance._history_user = self.request.user
        instance.delete()

    @action(
        detail=True, methods=["post"], url_path="set-performance", serializer_class=NoBodySerializer
    )
    def set_performance(self, request, *args: Any, **kwargs: Any) -> Response:
        baseline = baseline_set_performance(baseline=self.get_object(), by=request.user)
        return Response(
            BaselineSerializer(self.reread(baseline), context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["get"], serializer_class=VarianceSerializer)
    def variance(self, request, *args: Any, **kwargs: Any) -> Response:
        result = baseline_variance(self.project, self.get_object())
        # Plain rows straight to JSON (no money in them), as /schedule/ does.
        return Response({**result, "baseline": result["baseline"].pk})
