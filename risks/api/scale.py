"""The project's risk scale (``risk-scale/``: what each probability and impact level means and
the level thresholds; the manager edits it) and the computed 5×5 ``risk-matrix/`` it draws.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.response import Response

from projects.api.base import (
    ProjectSingletonViewSet,
    edit_responses,
    version_field,
)
from projects.models import Role
from risks import selectors, services
from risks.models import Risk, RiskScale

TAGS = ["risks"]

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
