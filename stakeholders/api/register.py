"""The stakeholder register (power/interest, quadrant, engagement) and the communication plan."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from projects.api.base import (
    DeletableRecordViewSet,
    ProjectRelatedField,
    Writes,
    crud_schema,
    member_field,
    version_field,
)
from stakeholders import selectors, services
from stakeholders.models import CommunicationPlanItem, Quadrant, Stakeholder

TAGS = ["stakeholders"]


# --- register -------------------------------------------------------------------------------------


class StakeholderSerializer(serializers.ModelSerializer):
    user = ProjectRelatedField(
        queryset=get_user_model()._default_manager.all(),
        project_field="memberships__project",
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "User {pk_value} is not a member of this project."},
        help_text="Their Charter account (a member of the project), needed to approve.",
    )
    quadrant = serializers.ChoiceField(
        choices=Quadrant.choices,
        read_only=True,
        help_text="Derived: power and interest of 3 or more count as high.",
    )
    strategy = serializers.CharField(read_only=True, help_text="The quadrant's advised strategy.")
    engagement_gap = serializers.IntegerField(
        read_only=True,
        help_text="Steps from current to desired engagement (positive: must rise).",
    )
    version = version_field()

    class Meta:
        model = Stakeholder
        fields = (
            "id",
            "name",
            "organisation",
            "title",
            "email",
            "kind",
            "user",
            "power",
            "interest",
            "quadrant",
            "strategy",
            "engagement_current",
            "engagement_desired",
            "engagement_gap",
            "communication_needs",
            "notes",
            "version",
        )


class StakeholderFilter(filters.FilterSet):
    quadrant = filters.ChoiceFilter(
        choices=Quadrant.choices, field_name="quadrant_code", label="Quadrant"
    )
    engagement_gap = filters.BooleanFilter(
        method="filter_gap", label="Only those whose current and desired engagement differ"
    )

    class Meta:
        model = Stakeholder
        fields = ("quadrant", "kind", "engagement_current", "engagement_desired")

    def filter_gap(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        same = queryset.filter(engagement_current=F("engagement_desired"))
        return queryset.exclude(pk__in=same.values("pk")) if value else same


@crud_schema(
    serializer=StakeholderSerializer,
    list="The stakeholder register",
    create="Add a stakeholder (members)",
    record="a stakeholder",
    destroy="Remove a stakeholder (members)",
    gone=None,
    refused="Refused (400) while they hold the only A or the only R of a RACI row.",
)
@extend_schema(tags=TAGS)
class StakeholderViewSet(DeletableRecordViewSet):
    """People with a stake in the project: power and interest 1–5 place them in a quadrant."""

    queryset = Stakeholder.objects.all()
    serializer_class = StakeholderSerializer
    filterset_class = StakeholderFilter
    search_fields = ("name", "organisation", "title", "email")
    ordering_fields = ("name", "organisation", "power", "interest", "quadrant_rank")
    ordering = ("name", "id")
    writes = Writes(
        "stakeholder",
        create=services.stakeholder_create,
        update=services.stakeholder_update,
        delete=services.stakeholder_delete,
    )

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.stakeholders_of(self.project)


# --- communication plan ---------------------------------------------------------------------------


class CommunicationPlanItemSerializer(serializers.ModelSerializer):
    audience = ProjectRelatedField(
        queryset=Stakeholder.objects.all(),
        many=True,
        required=False,
        help_text=(
            "Ids of the project's stakeholders who receive it (the whole list). For the weekly "
            "status report, exactly these people get the report."
        ),
    )
    owner = member_field(help_text="Who sends it: a member of the project (user id).")
    version = version_field()

    class Meta:
        model = CommunicationPlanItem
        fields = (
            "id",
            "kind",
            "title",
            "audience",
            "frequency",
            "channel",
            "owner",
            "next_due",
            "notes",
            "version",
        )


@crud_schema(
    serializer=CommunicationPlanItemSerializer,
    list="The communication plan",
    create="Add a communication plan item (members)",
    record="a communication plan item",
    destroy="Remove a communication plan item (members)",
    gone=None,
)
@extend_schema(tags=TAGS)
class CommunicationPlanViewSet(DeletableRecordViewSet):
    """Who gets what, how often and by which channel; it decides who receives which report."""

    queryset = CommunicationPlanItem.objects.all()
    serializer_class = CommunicationPlanItemSerializer
    filterset_fields = ("kind", "frequency", "channel", "owner")
    search_fields = ("title", "notes")
    ordering_fields = ("next_due", "title", "kind")
    writes = Writes(
        "item",
        create=services.communication_item_create,
        update=services.communication_item_update,
        delete=services.communication_item_delete,
    )

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.communication_plan_of(self.project)
